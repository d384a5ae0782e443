#include "autograder/core/selftest.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <fstream>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <regex>
#include <set>
#include <sstream>
#include <stdexcept>
#include <thread>

#include "autograder/core/batch.h"
#include "autograder/core/class_page.h"
#include "autograder/core/distribute.h"
#include "autograder/core/docs.h"
#include "autograder/core/files.h"
#include "autograder/core/process.h"
#include "autograder/core/report.h"
#include "autograder/core/samples.h"
#include "autograder/core/stage.h"

namespace proctor {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using Problems = std::vector<std::string>;

// Samples show grading semantics, not flakiness: one run per configuration.
constexpr int kSampleRuns = 1;

std::string seconds_since(std::chrono::steady_clock::time_point started) {
  const double s =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  return std::to_string(static_cast<int>(s + 0.5)) + " s";
}

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

// Each copy of the kit has its own Bazel server; stop it when done with it.
void shut_down_bazel(const fs::path& workspace) {
  if (!fs::exists(workspace / "WORKSPACE")) return;
  run_logged({"bazel", "shutdown"}, workspace, workspace.parent_path() / "bazel-shutdown.log");
}

// What a real command printed and how it ended.
struct Ran {
  Exit exit;
  std::string output;
  fs::path log;
};

// Runs `<kit>/proctor ARGS...` as a user would, output to `log`.
Ran run_proctor(const fs::path& kit, const std::vector<std::string>& args, const fs::path& log) {
  std::vector<std::string> argv{(kit / "proctor").string()};
  argv.insert(argv.end(), args.begin(), args.end());
  Ran ran;
  ran.log = log;
  fs::create_directories(log.parent_path());
  ran.exit = run_logged(argv, kit, log);
  ran.output = read_file(log);
  return ran;
}

std::string describe(const std::vector<std::string>& args) {
  std::string out = "proctor";
  for (const auto& arg : args) out += " " + arg;
  return out;
}

// Runs a command that must succeed; a failure becomes a problem.
bool expect_ok(const fs::path& kit, const std::vector<std::string>& args, const fs::path& log,
               Problems& problems, Ran* out = nullptr) {
  Ran ran = run_proctor(kit, args, log);
  if (out != nullptr) *out = ran;
  if (ran.exit.ok()) return true;
  problems.push_back("'" + describe(args) + "' ended with " + ran.exit.describe() + "; see " +
                     log.string());
  return false;
}

json read_json(const fs::path& file) {
  const auto text = read_file_if_exists(file);
  if (!text) return json();
  return json::parse(*text, nullptr, false);
}

// ---------------------------------------------------------------------------
// Kit unit tests

Problems unit_tests(const Kit& kit) {
  const fs::path log = kit.work_dir() / "logs" / "unit-tests.log";
  fs::create_directories(log.parent_path());
  const Exit ran =
      run_logged({"bazel", "test", "--color=no", "--curses=no", "--test_output=errors", "//..."},
                 kit.root(), log);
  if (ran.ok()) return {};
  // The failing tests' own output, from Bazel's console: the files under its
  // output base are gone on a fresh machine by the time anyone reads this.
  Problems problems{"bazel test //... ended with " + ran.describe() + "; the failing tests said:"};
  std::istringstream in(read_file(log));
  std::string line;
  bool inside = false;
  int kept = 0;
  while (std::getline(in, line)) {
    if (line.rfind("FAIL: ", 0) == 0 || line.find("ERROR: ") != std::string::npos) {
      problems.push_back(line);
    }
    if (line.rfind("==================== Test output for", 0) == 0) inside = true;
    if (inside && kept < 400) {
      problems.push_back("  " + line);
      ++kept;
    }
    if (inside && line.rfind("=========================================", 0) == 0 &&
        line.find("Test output") == std::string::npos) {
      inside = false;
    }
  }
  problems.push_back("(Bazel's whole console output: " + log.string() + ")");
  return problems;
}

// ---------------------------------------------------------------------------
// Samples against their golden results

// Holds `result` to its golden file (or rewrites the file, with
// --update-golden). Agreement is said as `agrees`; a difference is returned
// under `heading`, field by field, with the whole report.
Problems compare_with_golden(const fs::path& golden, const SubmissionResult& result,
                             const SelftestOptions& options, const std::string& agrees,
                             const std::string& heading,
                             const std::vector<std::string>& unsettled = {}) {
  const json actual = golden_view(result, unsettled);
  if (options.update_golden) {
    write_atomically(golden, actual.dump(2) + "\n");
    options.say("wrote " + golden.string());
    return {};
  }
  const json expected = read_json(golden);
  const Problems differences = expected.is_discarded() || expected.is_null()
                                   ? Problems{"no readable golden file " + golden.string()}
                                   : golden_differences(expected, actual);
  if (differences.empty()) {
    options.say(agrees);
    return {};
  }
  Problems problems{heading};
  for (const auto& line : differences) problems.push_back("    " + line);
  std::istringstream report(text_report(result));
  for (std::string line; std::getline(report, line);) problems.push_back("  | " + line);
  return problems;
}

// Where the golden check of a lab leaves its graded samples as a results
// folder (gradebook, class page), for the class page check to read.
fs::path sample_class_dir(const SelftestOptions& options, const Lab& lab) {
  return options.scratch / "classes" / lab.id;
}

// The labs whose samples this selftest has graded into sample_class_dir: a
// folder left by an earlier selftest may be of another kit.
std::set<std::string> classes_saved;

// Saves `results` as a class into a new results folder `dir`, with its
// gradebook, summary and class pages.
void save_class(const Lab& lab, const std::vector<SubmissionResult>& results, const fs::path& dir) {
  classes_saved.insert(lab.id);
  fs::remove_all(dir);
  const ResultStore store(dir, lab);
  for (const auto& result : results) store.save(result);
  store.write_class_files(results.empty() ? "" : results.front().kit_version);
}

// How the golden results of `lab`'s samples were made: one run, the
// sample configurations.
GradeOptions sample_grading(const SelftestOptions& options, const Lab& lab) {
  GradeOptions grading = options.grading;
  grading.runs = kSampleRuns;
  grading.configs = lab.sample_configs;
  return grading;
}

// Grades `samples` of `lab` as the golden results were made, and saves them
// as the lab's sample class.
std::vector<SubmissionResult> grade_samples(const Kit& kit, const Lab& lab,
                                            const std::vector<Sample>& samples,
                                            const SelftestOptions& options) {
  std::vector<Submission> submissions;
  for (const auto& sample : samples) submissions.push_back(sample.submission);
  std::vector<SubmissionResult> results =
      grade(kit, lab, submissions, sample_grading(options, lab));
  save_class(lab, results, sample_class_dir(options, lab));
  return results;
}

// How many tests of `result` passed only because the machine was too busy
// to decide them (timing::require_decided's note: a passed test with a
// message).
int undecided_tests(const SubmissionResult& result) {
  return static_cast<int>(
      std::count_if(result.tests.begin(), result.tests.end(),
                    [](const auto& test) { return test.passed && !test.message.empty(); }));
}

// A sample that differs from its golden file while some of its timing checks
// came out undecided proves nothing either way: it is graded again, at most
// this many times, until its checks are decided.
constexpr int kUndecidedRegrades = 2;

Problems golden_results(const Kit& kit, const Lab& lab, const SelftestOptions& options) {
  std::vector<Sample> samples = materialize_samples(kit, lab);
  Problems problems;
  std::set<std::string> correct;
  std::map<std::string, std::vector<std::string>> unsettled;
  for (const auto& sample : samples) {
    if (sample.correct) correct.insert(sample.name);
    if (!sample.unsettled.empty()) unsettled[sample.name] = sample.unsettled;
  }
  std::vector<SubmissionResult> results = grade_samples(kit, lab, samples, options);
  bool regraded = false;
  for (std::size_t i = 0; i < results.size(); ++i) {
    const std::vector<std::string>& left_open = unsettled[results[i].id];
    auto compare = [&](const SubmissionResult& result) {
      return compare_with_golden(
          golden_path(kit, lab, result.id), result, options,
          lab.id + "/" + result.id + " scores " + format_points(result.score()) + "/" +
              format_points(result.max_score()) + " (" + to_string(result.status) + ")" +
              (left_open.empty() ? ""
                                 : ", " + std::to_string(left_open.size()) + " test(s) unsettled") +
              " as expected",
          lab.id + "/" + result.id + " differs from its golden file:", left_open);
    };
    Problems found = compare(results[i]);
    int again = 0;
    for (; !found.empty() && undecided_tests(results[i]) > 0 && again < kUndecidedRegrades;
         ++again) {
      options.say("  " + lab.id + "/" + results[i].id + " differs from its golden file with " +
                  std::to_string(undecided_tests(results[i])) +
                  " timing check(s) the machine was too busy to decide: graded again");
      const auto sample = std::find_if(samples.begin(), samples.end(), [&](const Sample& each) {
        return each.name == results[i].id;
      });
      if (sample == samples.end()) break;
      results[i] = grade(kit, lab, {sample->submission}, sample_grading(options, lab)).front();
      regraded = true;
      found = compare(results[i]);
    }
    if (!found.empty() && again > 0) {
      found.insert(found.begin() + 1, "    (graded " + std::to_string(again + 1) +
                                          " times: each grade with a timing check the machine "
                                          "was too busy to decide was graded again)");
    }
    const SubmissionResult& result = results[i];
    if (correct.count(result.id) != 0 && result.score() != result.max_score()) {
      // What it lost, in the test's own words: a correct solution losing a
      // point once is the flake this check is here to find.
      std::string lost;
      for (const auto& test : result.tests) {
        if (!test.passed) lost += "\n      " + test.info.name + ": " + test.message.substr(0, 600);
      }
      problems.push_back(lab.id + "/" + result.id + " is a correct solution but scores " +
                         format_points(result.score()) + "/" + format_points(result.max_score()) +
                         lost);
    }
    for (const auto& name : left_open) {
      const bool named = std::any_of(result.tests.begin(), result.tests.end(),
                                     [&](const auto& test) { return test.info.name == name; });
      if (!named) {
        problems.push_back(lab.id + "/" + result.id +
                           ": samples.json leaves unsettled a test "
                           "it does not have: '" +
                           name + "'");
      }
    }
    problems.insert(problems.end(), found.begin(), found.end());
  }
  if (regraded) save_class(lab, results, sample_class_dir(options, lab));
  return problems;
}

// ---------------------------------------------------------------------------
// Correct solutions on a loaded machine

// A busy loop on each of `cores` cores while it lives: a machine as loaded
// as a class's grading, or anything else, can make it.
class BusyCores {
 public:
  BusyCores(unsigned cores, const fs::path& log)
      : pid_(start_logged({"/bin/sh", "-c",
                           "i=0; while [ $i -lt " + std::to_string(cores) +
                               " ]; do (while :; do :; done) & i=$((i+1)); done; wait"},
                          "/", log)) {}
  ~BusyCores() {
    ::kill(-pid_, SIGKILL);
    wait_for(pid_);
  }
  BusyCores(const BusyCores&) = delete;
  BusyCores& operator=(const BusyCores&) = delete;

 private:
  int pid_;
};

// Grades `copies` copies of every correct sample of every lab (the
// reference and the variants written differently) as a class is graded,
// while every core runs a busy loop, and names every point lost.
Problems correct_under_load(const Kit& kit, const SelftestOptions& options) {
  const unsigned cores = std::max(1U, std::thread::hardware_concurrency());
  fs::create_directories(options.scratch);
  const BusyCores load(cores, options.scratch / "busy_cores.log");
  options.say(std::to_string(cores) + " busy loop(s) running, one per core");
  Problems problems;
  for (const Lab& lab : kit.labs()) {
    std::vector<Submission> submissions;
    for (const auto& sample : materialize_samples(kit, lab)) {
      if (!sample.correct) continue;
      for (int copy = 1; copy <= options.flake_copies; ++copy) {
        submissions.push_back(
            {sample.name + "-copy" + std::to_string(copy), sample.submission.path});
      }
    }
    if (submissions.empty()) continue;
    int lost = 0;
    int undecided = 0;
    for (const auto& result : grade(kit, lab, submissions, options.grading)) {
      undecided += undecided_tests(result);
      if (result.status == Status::graded && result.score() == result.max_score()) continue;
      ++lost;
      problems.push_back(lab.id + "/" + result.id + " lost points with every core busy: " +
                         format_points(result.score()) + "/" + format_points(result.max_score()) +
                         (result.problem.empty() ? "" : " (" + result.problem + ")"));
      for (const auto& test : result.tests) {
        if (test.passed) continue;
        problems.push_back("    " + test.info.name + ": " +
                           test.message.substr(0, test.message.find('\n')));
      }
    }
    options.say(lab.id + ": " + std::to_string(submissions.size()) + " correct copies graded, " +
                std::to_string(lost) + " lost points, " + std::to_string(undecided) +
                " timing check(s) too disturbed to decide");
  }
  return problems;
}

// ---------------------------------------------------------------------------
// The adversarial corpus

// SHA-256 of every file under `paths` (folders walked in name order).
std::string tree_digest(const std::vector<fs::path>& paths) {
  Digest digest;
  for (const auto& path : paths) {
    std::vector<fs::path> files;
    if (fs::is_regular_file(path)) files.push_back(path);
    if (fs::is_directory(path)) {
      for (const auto& entry : fs::recursive_directory_iterator(path)) {
        if (entry.is_regular_file()) files.push_back(entry.path());
      }
    }
    std::sort(files.begin(), files.end());
    for (const auto& file : files) digest.add_file(file.string(), file);
  }
  return digest.hex();
}

// A loopback listener no run should reach; counts who did.
class Listener {
 public:
  Listener() {
    fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t size = sizeof address;
    if (fd_ < 0 || ::bind(fd_, reinterpret_cast<sockaddr*>(&address), size) != 0 ||
        ::listen(fd_, 16) != 0 ||
        ::getsockname(fd_, reinterpret_cast<sockaddr*>(&address), &size) != 0) {
      throw std::runtime_error("cannot listen on the loopback interface");
    }
    port_ = ntohs(address.sin_port);
  }
  ~Listener() { ::close(fd_); }
  Listener(const Listener&) = delete;
  Listener& operator=(const Listener&) = delete;
  int port() const { return port_; }
  int connections() const {
    int count = 0;
    for (int client; (client = ::accept(fd_, nullptr, nullptr)) >= 0; ++count) ::close(client);
    return count;
  }

 private:
  int fd_ = -1;
  int port_ = 0;
};

// Grades the lab's corpus of hostile submissions in one batch with two
// honest ones (the reference) and checks that every attack had the outcome
// its golden result pins, that the honest ones keep full marks, and that
// afterwards the kit is unchanged, no daemon wrote its marker, nothing runs
// under a run account or is left behind by one, and no run reached the
// grader's listener.
Problems corpus_contained(const Kit& kit, const Lab& lab, const SelftestOptions& options) {
  const auto missing = isolation().below_minimum();
  if (!missing.empty()) {
    // Below the minimum, a run is as strong as the grader: an attack such as
    // kill(-1) would take the machine's other processes with it.
    options.say("not run here: " + missing.front() +
                "; `proctor grade` refuses such a machine unless told to accept it");
    return {};
  }
  char marks_template[] = "/tmp/proctor-corpus-marks-XXXXXX";
  if (::mkdtemp(marks_template) == nullptr) throw std::runtime_error("mkdtemp failed");
  const fs::path marks = marks_template;
  fs::permissions(marks, fs::perms::all | fs::perms::sticky_bit);
  const Listener listener;
  const std::vector<fs::path> kit_files = {kit.root() / "solutions" / lab.id,
                                           kit.root() / "autograder" / "hidden" / lab.id,
                                           kit.root() / "autograder" / "hidden" / "timing",
                                           lab.dir,
                                           kit.root() / "proctor",
                                           kit.root() / ".proctor" / "bin" / "proctor"};
  const std::string before = tree_digest(kit_files);

  std::vector<Sample> corpus = materialize_samples(kit, lab, SampleSet::corpus,
                                                   {{"KIT", kit.root().string()},
                                                    {"MARK", marks.string()},
                                                    {"PORT", std::to_string(listener.port())}});
  std::vector<Submission> submissions;
  for (const auto& sample : corpus) submissions.push_back(sample.submission);
  const fs::path reference = kit.root() / "solutions" / lab.id;
  for (const char* honest : {"honest_1", "honest_2"}) submissions.push_back({honest, reference});
  GradeOptions grading = options.grading;
  grading.runs = kSampleRuns;
  // The compile bomb would run for minutes: a short limit keeps selftest
  // short, and honest files compile in a few seconds.
  grading.compile_time_limit = std::chrono::seconds(30);
  const auto results = grade(kit, lab, submissions, grading);

  Problems problems;
  for (std::size_t i = 0; i < results.size(); ++i) {
    const SubmissionResult& result = results[i];
    if (i >= corpus.size()) {
      if (result.score() != result.max_score()) {
        problems.push_back("the honest " + result.id + " lost points beside the corpus: " +
                           format_points(result.score()) + "/" + format_points(result.max_score()));
      }
      continue;
    }
    std::string lacking;
    for (const auto& layer : corpus[i].needs) {
      if (!isolation().has(layer)) lacking += (lacking.empty() ? "" : ", ") + layer;
    }
    if (!lacking.empty()) {
      options.say(result.id + ": " + format_points(result.score()) + "/" +
                  format_points(result.max_score()) + ", not held to its golden result here (it " +
                  "needs " + lacking + ")");
      continue;
    }
    const Problems found = compare_with_golden(
        golden_path(kit, lab, result.id, SampleSet::corpus), result, options,
        result.id + ": " + format_points(result.score()) + "/" + format_points(result.max_score()) +
            ", " + corpus[i].expect,
        "attack " + result.id + " (" + corpus[i].about + ") differs from its golden result:");
    problems.insert(problems.end(), found.begin(), found.end());
  }
  // The daemon in the corpus writes its mark five seconds after it starts.
  std::this_thread::sleep_for(std::chrono::seconds(6));
  for (const auto& entry : fs::directory_iterator(marks)) {
    problems.push_back("a process outlived its run and wrote " + entry.path().string());
  }
  fs::remove_all(marks);
  for (pid_t pid : live_processes_of(kFirstRunAccount, static_cast<uid_t>(-1))) {
    problems.push_back("still running under a run account after the batch: pid " +
                       std::to_string(pid));
  }
  for (const auto& leftover : run_account_leftovers()) {
    problems.push_back("left behind by a run account after the batch: " + leftover);
  }
  if (tree_digest(kit_files) != before) {
    problems.push_back("the kit's reference, hidden tests, skeleton or grader changed");
  }
  if (const int reached = listener.connections(); reached > 0) {
    // Without a network namespace, runs share the grader's loopback: what
    // the doctor reports and the network attack's "needs" says.
    if (isolation().network_namespace) {
      problems.push_back(std::to_string(reached) +
                         " run(s) reached the grader's loopback listener");
    } else {
      options.say(std::to_string(reached) +
                  " run(s) reached the grader's loopback listener: no network namespace here");
    }
  }
  return problems;
}

// ---------------------------------------------------------------------------
// The site and the bench

Problems site_in_browser(const Kit& kit, const fs::path& scratch, const SelftestOptions& options) {
  const Site site = build_docs(kit);
  options.say("Doxygen wrote " + std::to_string(site.pages) + " pages without a warning");
  const fs::path log = scratch / "check_site.log";
  fs::create_directories(scratch);
  const Exit checked =
      run_logged({(kit.root() / "docs" / "tools" / "check_site.sh").string(),
                  site.index.parent_path().string(), (scratch / "screenshots").string()},
                 kit.root(), log);
  std::istringstream in(read_file(log));
  for (std::string line; std::getline(in, line);) options.say(line);
  if (!checked.ok()) return {"the browser check failed; see " + log.string()};
  return {};
}

// The ids of the student table's rows, in the order a rendered DOM shows them.
std::vector<std::string> student_rows(const std::string& dom) {
  std::vector<std::string> ids;
  const auto table = dom.find("class=\"sortable\"");
  if (table == std::string::npos) return ids;
  static const std::regex row(R"(<tr><td><a href="([^"/]+)/report\.html")");
  const std::string rest = dom.substr(table);
  for (std::sregex_iterator it(rest.begin(), rest.end(), row), end; it != end; ++it) {
    ids.push_back((*it)[1]);
  }
  return ids;
}

// The class page of a lab's graded samples and the similarity report of the
// test class, in Chromium from file://, as an instructor opens them.
Problems class_pages_in_browser(const Kit& kit, const Lab& lab, const SelftestOptions& options) {
  Problems problems;
  const fs::path dir = sample_class_dir(options, lab);
  if (classes_saved.count(lab.id) == 0) {
    // Run without the golden check (--only): grade the samples here.
    grade_samples(kit, lab, materialize_samples(kit, lab), options);
  }
  const std::vector<SubmissionResult> results = ResultStore(dir, lab).all();

  // proctor similar on the test class, into the results folder it then links.
  const fs::path fixture = kit.root() / "autograder" / "tests" / "similarity" / lab.id;
  const fs::path log = options.scratch / "class_pages" / "similar.log";
  Ran similar;
  if (!expect_ok(kit.root(),
                 {"similar", lab.id, fixture.string(), "--out", (dir / kSimilarityFolder).string()},
                 log, problems, &similar)) {
    return problems;
  }
  std::istringstream lines(similar.output);
  for (std::string line; std::getline(lines, line);) {
    if (contains(line, "Compared") || contains(line, "%  ")) options.say(line);
  }
  // The disguised copies of student_07 rank first, above the threshold; no
  // independent pair reaches it.
  const std::set<std::string> copies{"student_07", "student_13", "student_14"};
  std::istringstream csv(read_file(dir / kSimilarityFolder / "pairs.csv"));
  std::string row;
  std::getline(csv, row);
  for (int rank = 1; std::getline(csv, row); ++rank) {
    std::vector<std::string> cells;
    std::istringstream fields(row);
    for (std::string cell; std::getline(fields, cell, ',');) cells.push_back(cell);
    if (cells.size() != 5) {
      problems.push_back("pairs.csv has a malformed row: " + row);
      break;
    }
    const int score = std::stoi(cells[4]);
    const bool copied = copies.count(cells[0]) && copies.count(cells[1]);
    if (rank <= 3 && (!copied || score < 50)) {
      problems.push_back("pair " + std::to_string(rank) + " is " + cells[0] + " and " + cells[1] +
                         " at " + cells[4] +
                         "%: the disguised copies of student_07 should rank "
                         "first, at or above 50%");
    }
    if (rank > 3 && score >= 50) {
      problems.push_back("independent submissions " + cells[0] + " and " + cells[1] + " score " +
                         cells[4] + "%, at or above the threshold");
    }
  }
  if (!contains(read_file(dir / "index.html"), "Code similarity")) {
    problems.push_back("the class page does not link the similarity report proctor similar wrote");
  }

  // The pages in Chromium: no console message, every link resolves.
  std::string failing;
  for (const auto& result : results) {
    const bool failed = std::any_of(result.tests.begin(), result.tests.end(),
                                    [](const TestResult& test) { return !test.passed; });
    if (result.status == Status::graded && failed) {
      failing = result.id;
      break;
    }
  }
  if (failing.empty()) {
    problems.push_back("no graded sample of lab " + lab.id + " fails a test");
    return problems;
  }
  const fs::path shots = options.scratch / "class_pages" / "screenshots";
  fs::remove_all(shots);
  const fs::path check_log = options.scratch / "class_pages" / "check_pages.log";
  const Exit checked = run_logged(
      {(kit.root() / "docs" / "tools" / "check_pages.sh").string(), dir.string(), shots.string(),
       "index.html|Pass rate per test", "index.html#sort=-score|Pass rate per test",
       failing + "/report.html|Failed tests",
       std::string(kSimilarityFolder) + "/index.html|code similarity",
       std::string(kSimilarityFolder) + "/pairs/student_07--student_13.html|matching run"},
      kit.root(), check_log);
  std::istringstream said(read_file(check_log));
  for (std::string line; std::getline(said, line);) options.say(line);
  if (!checked.ok()) {
    problems.push_back("the browser check failed; see " + check_log.string());
    return problems;
  }

  // The table sorts in the browser: by id as written, by score on request.
  std::map<std::string, double> scores;
  for (const auto& result : results) scores[result.id] = result.score();
  const auto plain = student_rows(read_file(shots / "index.dom.html"));
  const auto sorted = student_rows(read_file(shots / "index_sort_-score.dom.html"));
  if (plain.size() != results.size() || sorted.size() != results.size()) {
    problems.push_back("the class page shows " + std::to_string(plain.size()) + " and, sorted, " +
                       std::to_string(sorted.size()) + " students, not " +
                       std::to_string(results.size()));
  } else if (!std::is_sorted(plain.begin(), plain.end())) {
    problems.push_back("the class page's students are not in id order");
  } else if (!std::is_sorted(sorted.begin(), sorted.end(),
                             [&](const auto& a, const auto& b) { return scores[a] > scores[b]; }) ||
             sorted == plain) {
    problems.push_back("index.html#sort=-score did not sort the students by score in Chromium");
  }
  options.say("screenshots: " + shots.string());
  return problems;
}

Problems bench_outputs(const Kit& kit, const fs::path& out, const SelftestOptions& options) {
  const auto started = std::chrono::steady_clock::now();
  run_bench(kit, out);
  options.say("proctor bench took " + seconds_since(started));
  Problems missing;
  for (const char* file : {"bench.csv", "bench.json", "creation.png", "creation.svg",
                           "fork_memory.png", "fork_memory.svg", "pools.png", "pools.svg"}) {
    if (!fs::exists(out / file) || fs::file_size(out / file) == 0) {
      missing.push_back(std::string("no ") + file + " in " + out.string());
    }
  }
  // The pool rows come from Lab 05's reference here; a student kit leaves
  // them out until its own pool_costs runs.
  if (missing.empty()) {
    const json figures = read_json(out / "bench.json");
    for (const char* key : {"pool_cpu_threads", "pool_cpu_processes", "pool_cpu_per_task",
                            "pool_io_threads", "pool_io_processes", "pool_io_per_task"}) {
      if (!figures.contains(key)) missing.push_back(std::string("no ") + key + " in bench.json");
    }
  }
  return missing;
}

// ---------------------------------------------------------------------------
// A simulated Gradescope autograder folder for one lab, exported once and
// shared by the checks that upload to it.

class Gradescope {
 public:
  Gradescope(const Kit& kit, const Lab& lab, const fs::path& scratch)
      : lab_(lab), root_(scratch / ("gradescope-" + lab.id)) {
    std::error_code ec;
    fs::remove_all(root_, ec);
    fs::create_directories(root_ / "source");
    const fs::path zip = scratch / (lab.id + "-autograder.zip");
    export_gradescope(kit, lab, zip);
    unpack_archive(zip, root_ / "source", UnpackLimits{20000, 200u << 20, 10u << 20});
  }
  ~Gradescope() { shut_down_bazel(kit()); }
  Gradescope(const Gradescope&) = delete;
  Gradescope& operator=(const Gradescope&) = delete;

  // The instructor's kit inside the autograder.
  fs::path kit() const { return root_ / "source" / "kit"; }

  // Gradescope's image build: setup.sh, once.
  Problems set_up() {
    if (set_up_) return {};
    const fs::path log = root_ / "setup.log";
    const Exit ran = run_logged({(root_ / "source" / "setup.sh").string()}, root_ / "source", log);
    if (!ran.ok()) return {"setup.sh ended with " + ran.describe() + "; see " + log.string()};
    set_up_ = true;
    return {};
  }

  // Uploads what `fill` puts into an empty submission folder, runs
  // run_autograder and returns results/results.json (null if missing).
  json upload(const std::string& name, const std::function<void(const fs::path&)>& fill,
              Problems& problems) {
    std::error_code ec;
    fs::remove_all(root_ / "submission", ec);
    fs::remove_all(root_ / "results", ec);
    fs::create_directories(root_ / "submission");
    fill(root_ / "submission");
    const fs::path log = root_ / ("run_autograder-" + name + ".log");
    const Exit ran = run_logged({"env", "AUTOGRADER_ROOT=" + root_.string(),
                                 (root_ / "source" / "run_autograder").string()},
                                root_, log);
    if (!ran.ok()) {
      problems.push_back(name + ": run_autograder ended with " + ran.describe() + "; see " +
                         log.string());
    }
    const json results = read_json(root_ / "results" / "results.json");
    if (results.is_discarded() || results.is_null() || !results.contains("score")) {
      problems.push_back(name + ": no valid results/results.json; see " + log.string());
      return json();
    }
    return results;
  }

  // Uploads and checks the score: full marks, or zero with `output_has` in
  // the student-visible output.
  void expect(const std::string& name, const std::function<void(const fs::path&)>& fill,
              bool full_marks, const std::string& output_has, Problems& problems,
              const std::function<void(const std::string&)>& say) {
    const json results = upload(name, fill, problems);
    if (results.is_null()) return;
    double max_score = 0;
    for (const auto& test : results.value("tests", json::array())) {
      max_score += test.value("max_score", 0.0);
    }
    const double score = results.value("score", -1.0);
    const std::string output = results.value("output", "");
    const bool right = full_marks ? (max_score > 0 && score == max_score) : score == 0;
    if (!right) {
      problems.push_back(name + ": scored " + format_points(score) + "/" +
                         format_points(max_score) + ", expected " +
                         (full_marks ? "full marks" : "zero"));
    }
    if (!output_has.empty() && !contains(output, output_has)) {
      problems.push_back(name + ": the output students see lacks '" + output_has + "': " + output);
    }
    if (right)
      say(lab_.id + " upload '" + name + "': " + format_points(score) + "/" +
          format_points(max_score));
  }

 private:
  Lab lab_;
  fs::path root_;
  bool set_up_ = false;
};

// Copies the reference solution's files of `lab` into `dir`, optionally
// under `sub`, the skeleton's where the solution has none (written answers).
void put_reference(const Kit& kit, const Lab& lab, const fs::path& dir, const fs::path& sub = {}) {
  fs::create_directories(dir / sub);
  for (const auto& file : lab.student_files) {
    const fs::path from = kit.root() / "solutions" / lab.id / file;
    fs::copy_file(fs::exists(from) ? from : lab.dir / file, dir / sub / file,
                  fs::copy_options::overwrite_existing);
  }
}

Problems gradescope_uploads(const Kit& kit, const Lab& lab, Gradescope& autograder,
                            bool every_shape, const SelftestOptions& options) {
  Problems problems = autograder.set_up();
  if (!problems.empty()) return problems;
  const auto say = options.say;
  autograder.expect(
      "loose files", [&](const fs::path& dir) { put_reference(kit, lab, dir); }, true, "", problems,
      say);
  if (!every_shape) return problems;
  autograder.expect(
      "the pack archive",
      [&](const fs::path& dir) {
        const fs::path staged = dir.parent_path() / "pack-source";
        fs::remove_all(staged);
        put_reference(kit, lab, staged);
        std::vector<ArchiveEntry> entries;
        for (const auto& file : lab.student_files) {
          entries.push_back({"labs/" + lab.id + "/" + file, staged / file});
        }
        write_archive(dir / (lab.id + "-submission.tar.gz"), entries);
      },
      true, "", problems, say);
  autograder.expect(
      "a whole kit folder",
      [&](const fs::path& dir) {
        put_reference(kit, lab, dir, fs::path("labs") / lab.id);
        std::ofstream(dir / "README.md") << "my kit\n";
        fs::create_directories(dir / "autograder" / "skeletons" / lab.id);
        for (const auto& file : lab.student_files) {
          fs::copy_file(lab.dir / file, dir / "autograder" / "skeletons" / lab.id / file);
        }
      },
      true, "", problems, say);
  autograder.expect(
      "files in a sub-folder",
      [&](const fs::path& dir) { put_reference(kit, lab, dir, fs::path("my work") / "lab"); }, true,
      "", problems, say);
  autograder.expect(
      "a wrong file name",
      [&](const fs::path& dir) {
        put_reference(kit, lab, dir);
        for (const auto& file : lab.student_files) fs::rename(dir / file, dir / ("my_" + file));
      },
      false, "Upload " + lab.student_files.front(), problems, say);
  autograder.expect(
      "nothing", [](const fs::path&) {}, false, "It is empty", problems, say);
  return problems;
}

// ---------------------------------------------------------------------------
// Journeys: the real commands, as the people who use the kit run them.

// The gradebook as student -> (total, status).
std::map<std::string, std::pair<std::string, std::string>> read_gradebook(const fs::path& csv) {
  std::map<std::string, std::pair<std::string, std::string>> rows;
  const auto text = read_file_if_exists(csv);
  if (!text) return rows;
  std::istringstream in(*text);
  std::string line;
  std::getline(in, line);  // header
  while (std::getline(in, line)) {
    std::vector<std::string> cells;
    std::istringstream row(line);
    for (std::string cell; std::getline(row, cell, ',');) cells.push_back(cell);
    if (cells.size() >= 4) rows[cells.front()] = {cells[cells.size() - 3], cells.back()};
  }
  return rows;
}

std::string header_of(const fs::path& csv) {
  const auto text = read_file_if_exists(csv);
  return text ? text->substr(0, text->find('\n')) : "";
}

void expect_row(const fs::path& csv, const std::string& student, const std::string& total,
                const std::string& status, const std::string& when, Problems& problems) {
  const auto rows = read_gradebook(csv);
  const auto found = rows.find(student);
  if (found == rows.end()) {
    problems.push_back(when + ": " + csv.string() + " has no row for " + student);
  } else if (found->second != std::make_pair(total, status)) {
    problems.push_back(when + ": " + student + " has " + found->second.first + " (" +
                       found->second.second + ") in " + csv.string() + ", expected " + total +
                       " (" + status + ")");
  }
}

void make_pack_archive(const Lab& lab, const fs::path& from_dir, const fs::path& archive) {
  std::vector<ArchiveEntry> entries;
  for (const auto& file : lab.student_files)
    entries.push_back({"labs/" + lab.id + "/" + file, from_dir / file});
  write_archive(archive, entries);
}

Problems instructor_journey(const Kit& kit, const Lab& first, const Lab& second,
                            Gradescope& autograder, const SelftestOptions& options) {
  Problems problems = autograder.set_up();
  if (!problems.empty()) return problems;
  const fs::path copy = autograder.kit();  // The instructor's kit, with hidden tests.
  const fs::path work = options.scratch / "journey-instructor";
  const fs::path logs = work / "logs";
  std::error_code ec;
  fs::remove_all(work, ec);
  fs::remove_all(copy / "out" / "grades", ec);
  const fs::path reference = kit.root() / "solutions" / first.id;
  const std::string full = format_points([&] {
    double points = 0;
    for (const auto& test : expected_tests(kit, first)) points += test.info.points;
    return points;
  }());

  // A class: alice solved it, bob handed in the skeleton, carol packed hers.
  const fs::path klass = work / "class";
  put_reference(kit, first, klass / "alice");
  fs::create_directories(klass / "bob");
  for (const auto& file : first.student_files)
    fs::copy_file(first.dir / file, klass / "bob" / file);
  make_pack_archive(first, reference, klass / "carol.tar.gz");

  // 1. Two labs into their default folders.
  const fs::path grades1 = copy / "out" / "grades" / first.id;
  const fs::path grades2 = copy / "out" / "grades" / second.id;
  if (!expect_ok(copy, {"grade", first.number, klass.string()}, logs / "grade-1.log", problems)) {
    return problems;
  }
  expect_row(grades1 / "gradebook.csv", "alice", full, "graded", "first grade", problems);
  expect_row(grades1 / "gradebook.csv", "bob", "0", "graded", "first grade", problems);
  expect_row(grades1 / "gradebook.csv", "carol", full, "graded", "first grade", problems);
  const std::string gradebook1 = read_file_if_exists(grades1 / "gradebook.csv").value_or("");
  if (!expect_ok(copy, {"grade", second.number, klass.string()}, logs / "grade-2.log", problems)) {
    return problems;
  }
  for (const char* student : {"alice", "bob", "carol"}) {
    // The class folder holds lab 01 files only: nothing of lab 02 to grade.
    expect_row(grades2 / "gradebook.csv", student, "0", "rejected", "second lab", problems);
  }
  std::string tasks;
  for (const auto& test : expected_tests(kit, second)) {
    const std::string column = ",task" + std::to_string(test.info.task);
    if (!contains(tasks, column)) tasks += column;
  }
  if (header_of(grades2 / "gradebook.csv") != "student" + tasks + ",total,max,status") {
    problems.push_back("second lab: gradebook header is '" + header_of(grades2 / "gradebook.csv") +
                       "', expected the tasks of lab " + second.id);
  }
  if (read_file_if_exists(grades1 / "gradebook.csv").value_or("") != gradebook1) {
    problems.push_back("grading lab " + second.id + " changed lab " + first.id + "'s gradebook");
  }
  // A folder of another lab's results is refused, never mixed.
  Ran refused =
      run_proctor(copy, {"grade", second.number, klass.string(), "--out", grades1.string()},
                  logs / "grade-mixed.log");
  if (refused.exit.ok() || !contains(refused.output, "holds results of lab " + first.id)) {
    problems.push_back("grading lab " + second.id + " into lab " + first.id +
                       "'s folder was not refused; see " + refused.log.string());
  }

  // 2. Bob resubmits the solution; the kit changes too (a longer deadline).
  put_reference(kit, first, klass / "bob");
  Ran regraded;
  if (!expect_ok(copy, {"grade", first.number, klass.string()}, logs / "resubmit.log", problems,
                 &regraded)) {
    return problems;
  }
  if (!contains(regraded.output, "bob: changed since it was graded") ||
      !contains(regraded.output, "1 changed, 2 unchanged")) {
    problems.push_back(
        "resubmission: the progress does not say bob changed and two are kept; see " +
        regraded.log.string());
  }
  expect_row(grades1 / "gradebook.csv", "bob", full, "graded", "resubmission", problems);
  const fs::path manifest = copy / "labs" / first.id / "lab.json";
  const std::string manifest_text = read_file(manifest);
  json changed = json::parse(manifest_text);
  changed["test_timeout_seconds"] = changed.value("test_timeout_seconds", 30) + 1;
  write_atomically(manifest, changed.dump(2) + "\n");
  Ran kit_changed;
  const bool ran_kit_changed = expect_ok(copy, {"grade", first.number, klass.string()},
                                         logs / "kit-changed.log", problems, &kit_changed);
  write_atomically(manifest, manifest_text);
  if (ran_kit_changed && !contains(kit_changed.output, "3 kit changed")) {
    problems.push_back("kit change: the progress does not say all three are regraded for it; see " +
                       kit_changed.log.string());
  }

  // 3. The same class in two parts, as two machines grade it, then merged:
  // the gradebook and summary of the one grade above, byte for byte.
  const fs::path parts = work / "parts";
  bool parted = true;
  for (const char* part : {"1/2", "2/2"}) {
    parted = parted && expect_ok(copy,
                                 {"grade", first.number, klass.string(), "--shard", part, "--out",
                                  (parts / std::string(1, part[0])).string()},
                                 logs / ("part-" + std::string(1, part[0]) + ".log"), problems);
  }
  if (parted && expect_ok(copy,
                          {"merge", (parts / "class").string(), (parts / "1").string(),
                           (parts / "2").string()},
                          logs / "merge.log", problems)) {
    // The class page too, though not byte for byte: it shows test times.
    if (!contains(read_file_if_exists(parts / "class" / "index.html").value_or(""),
                  "href=\"alice/report.html\"") ||
        !fs::exists(parts / "class" / "alice" / "report.html")) {
      problems.push_back("parts merged: no class page linking alice's page in " +
                         (parts / "class").string());
    }
    for (const char* file : {"gradebook.csv", "summary.txt"}) {
      if (read_file_if_exists(parts / "class" / file) != read_file_if_exists(grades1 / file)) {
        problems.push_back(std::string("parts merged: ") + file +
                           " differs from the one grade of the class: diff " +
                           (parts / "class" / file).string() + " " + (grades1 / file).string());
      }
    }
  }
  Ran incomplete = run_proctor(copy, {"merge", (parts / "half").string(), (parts / "1").string()},
                               logs / "merge-incomplete.log");
  if (incomplete.exit.ok() || !contains(incomplete.output, "part(s) 2 of 2 missing") ||
      fs::exists(parts / "half")) {
    problems.push_back("a merge missing a part was not refused; see " + incomplete.log.string());
  }

  // 4. One submission graded alone writes the class files too.
  const fs::path one = work / "one";
  if (expect_ok(copy, {"grade", first.number, (klass / "alice").string(), "--out", one.string()},
                logs / "one.log", problems)) {
    expect_row(one / "gradebook.csv", "alice", full, "graded", "one submission", problems);
    for (const char* file : {"summary.txt", "index.html", "alice/report.html"}) {
      if (!fs::exists(one / file)) problems.push_back(std::string("one submission: no ") + file);
    }
  }

  // 5. An interrupted batch, resumed: nothing lost, nothing stale.
  const fs::path big = work / "class-big";
  for (int i = 0; i < 4; ++i) {
    const fs::path student = big / ("student" + std::to_string(i));
    if (i % 2 == 0) {
      put_reference(kit, first, student);
    } else {
      fs::create_directories(student);
      for (const auto& file : first.student_files) fs::copy_file(first.dir / file, student / file);
    }
  }
  const fs::path out = work / "interrupted";
  const int pid = start_logged({(copy / "proctor").string(), "-j", "1", "grade", first.number,
                                big.string(), "--out", out.string()},
                               copy, logs / "interrupted.log");
  bool some_done = false;
  for (int tick = 0; tick < 6000 && !some_done; ++tick) {  // At most 10 minutes.
    for (int i = 0; i < 4 && !some_done; ++i) {
      some_done = fs::exists(out / ("student" + std::to_string(i)) / "result.json");
    }
    if (!some_done) std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  ::kill(-pid, SIGKILL);
  wait_for(pid);
  std::map<std::string, std::string> before;
  for (int i = 0; i < 4; ++i) {
    const std::string id = "student" + std::to_string(i);
    if (auto text = read_file_if_exists(out / id / "result.json")) before[id] = *text;
  }
  if (before.empty() || before.size() == 4) {
    problems.push_back("interrupted batch: " + std::to_string(before.size()) +
                       " of 4 results existed when it was killed (the test needs some, not all)");
  }
  Ran resumed;
  if (!expect_ok(copy, {"grade", first.number, big.string(), "--out", out.string()},
                 logs / "resumed.log", problems, &resumed)) {
    return problems;
  }
  if (!contains(resumed.output, std::to_string(before.size()) + " unchanged (kept)")) {
    problems.push_back("resumed batch: does not say it kept the " + std::to_string(before.size()) +
                       " finished result(s); see " + resumed.log.string());
  }
  for (const auto& [id, text] : before) {
    if (read_file_if_exists(out / id / "result.json").value_or("") != text) {
      problems.push_back("resumed batch: graded " + id + " again although it was finished");
    }
  }
  for (int i = 0; i < 4; ++i) {
    expect_row(out / "gradebook.csv", "student" + std::to_string(i), i % 2 == 0 ? full : "0",
               "graded", "resumed batch", problems);
  }
  options.say(
      "instructor: two labs in default folders, refusal of a mixed folder, a changed "
      "resubmission, a kit change, the class in two parts merged, one submission, a batch "
      "killed and resumed (" +
      std::to_string(before.size()) + " of 4 kept)");
  return problems;
}

// The student kit: structure, then its own selftest through its ./proctor.
Problems release_structure(const Kit& kit, const fs::path& out, const SelftestOptions& options) {
  Problems problems;
  std::error_code ec;
  fs::remove_all(out, ec);
  release_kit(kit, out);
  for (auto it = fs::recursive_directory_iterator(out); it != fs::recursive_directory_iterator();
       ++it) {
    if (is_instructor_only(it->path().lexically_relative(out))) {
      problems.push_back("the release holds " + it->path().string());
    }
  }
  const Kit released(out);
  if (released.edition() != Edition::student)
    problems.push_back("the release is not a student kit");
  if (contains(read_file(out / "README.md"), "selftest --update-golden") ||
      !contains(read_file(out / "README.md"), "./proctor pack")) {
    problems.push_back("the release's README.md is not the student README");
  }
  for (const Lab& lab : released.labs()) {
    if (lab.has_hidden_tests || lab.has_solution) {
      problems.push_back("lab " + lab.id + " of the release has hidden tests or a solution");
    }
    for (const auto& file : lab.student_files) {
      if (read_file_if_exists(lab.skeleton_dir / file) != read_file(kit.find(lab.id).dir / file)) {
        problems.push_back("the release's skeleton of " + lab.id + "/" + file +
                           " is not the kit's");
      }
    }
  }
  Ran help = run_proctor(out, {"--help"}, out.parent_path() / "release-logs" / "help.log");
  for (const char* command :
       {"grade", "demo", "release", "export-gradescope", "merge", "cache-server", "slurm"}) {
    if (contains(help.output, std::string("\n  ") + command + " ")) {
      problems.push_back("the student kit offers '" + std::string(command) +
                         "', which cannot work there");
    }
  }
  Ran selftest;
  if (expect_ok(out, {"selftest"}, out.parent_path() / "release-logs" / "selftest.log", problems,
                &selftest)) {
    if (!contains(selftest.output, "student kit")) {
      problems.push_back("the student kit's selftest does not say what it checks");
    }
    options.say("the student kit's own selftest passed");
  }
  shut_down_bazel(out);
  return problems;
}

Problems student_journey(const Kit& kit, const Lab& lab, const fs::path& release,
                         Gradescope& autograder, const SelftestOptions& options) {
  Problems problems = autograder.set_up();
  if (!problems.empty()) return problems;
  if (!fs::exists(release / "kit.json")) return {"no student kit at " + release.string()};
  const fs::path logs = options.scratch / "journey-student";
  const fs::path archive = release / "out" / (lab.id + "-submission.tar.gz");
  const fs::path saved = logs / "skeleton-submission.tar.gz";
  fs::create_directories(logs);
  // The skeleton, packed as is, scores nothing on Gradescope.
  if (!expect_ok(release, {"pack", lab.number}, logs / "pack-skeleton.log", problems))
    return problems;
  fs::copy_file(archive, saved, fs::copy_options::overwrite_existing);
  autograder.expect(
      "the skeleton, packed in the student kit",
      [&](const fs::path& dir) { fs::copy_file(saved, dir / archive.filename()); }, false, "",
      problems, options.say);
  // The student solves the lab (the reference), checks, packs and uploads.
  put_reference(kit, lab, release / "labs" / lab.id);
  Ran check;
  if (!expect_ok(release, {"check", lab.number}, logs / "check.log", problems, &check))
    return problems;
  double public_points = 0;
  for (const auto& test : expected_tests(kit, lab, true)) public_points += test.info.points;
  const std::string full_public =
      "Score: " + format_points(public_points) + "/" + format_points(public_points);
  if (!contains(check.output, full_public)) {
    problems.push_back("check of the solved lab does not print '" + full_public + "'; see " +
                       check.log.string());
  }
  if (!expect_ok(release, {"pack", lab.number}, logs / "pack.log", problems)) return problems;
  autograder.expect(
      "the solution, packed in the student kit",
      [&](const fs::path& dir) { fs::copy_file(archive, dir / archive.filename()); }, true, "",
      problems, options.say);
  // Leave the release as released.
  for (const auto& file : lab.student_files) {
    fs::copy_file(lab.dir / file, release / "labs" / lab.id / file,
                  fs::copy_options::overwrite_existing);
  }
  shut_down_bazel(release);
  options.say("student: release, check (" + full_public + "), pack, Gradescope upload");
  return problems;
}

// What a student kit checks: each lab builds and fails on its skeleton.
Problems skeleton_fails(const Kit& kit, const Lab& lab, const SelftestOptions& options) {
  GradeOptions public_only = options.grading;
  public_only.public_only = true;
  const auto results =
      grade(kit, lab, std::vector<Submission>{{"skeleton", lab.skeleton_dir}}, public_only);
  const SubmissionResult& result = results.front();
  Problems problems;
  if (result.status != Status::graded || result.tests.empty()) {
    problems.push_back("lab " + lab.id + " does not build: " + result.problem);
  }
  for (const auto& test : result.tests) {
    if (test.passed)
      problems.push_back("'" + test.info.name + "' passes on the unmodified skeleton");
  }
  if (problems.empty()) {
    options.say("lab " + lab.id + ": all " + std::to_string(result.tests.size()) +
                " public tests fail on the skeleton");
  }
  return problems;
}

Problems invariant_problems(const Kit& kit, const Lab& lab, const SelftestOptions& options) {
  Problems problems;
  for (const auto& v : check_invariant(kit, lab, options.grading)) {
    problems.push_back("[" + v.config + "] " + v.side + ": " + v.test + "\n      " + v.detail);
  }
  return problems;
}

std::string join(const std::vector<Config>& configs) {
  std::string out;
  for (const auto& config : configs) out += (out.empty() ? "" : ", ") + config;
  return out;
}

}  // namespace

std::vector<Violation> check_invariant(const Kit& kit, const Lab& lab, const GradeOptions& base) {
  if (!lab.has_solution) {
    throw std::runtime_error("lab " + lab.id + " has no reference solution under solutions/");
  }
  std::vector<Violation> violations;
  for (const Config& config : lab.selftest_configs) {
    GradeOptions options = base;
    options.configs = {config};
    options.on_result = nullptr;
    // Ids with a leading '_' are reserved for the kit: no student id collides.
    const std::vector<Submission> sides{{"_reference", kit.root() / "solutions" / lab.id},
                                        {"_skeleton", lab.skeleton_dir}};
    int checked = 0;
    for (const auto& result : grade(kit, lab, sides, options)) {
      const bool reference = result.id == "_reference";
      const std::string side = reference ? "reference" : "skeleton";
      if (result.status != Status::graded) {
        violations.push_back({lab.id, config, side, "(build)", result.problem});
        continue;
      }
      for (const auto& test : result.tests) {
        if (test.runs == 0) continue;  // Not run in this configuration ([no_tsan]).
        ++checked;
        if (reference && !test.passed) {
          violations.push_back({lab.id, config, side, test.info.name, test.message});
        } else if (!reference && test.passed) {
          violations.push_back({lab.id, config, side, test.info.name, "passed on the skeleton"});
        }
      }
    }
    if (options.progress) {
      options.progress("lab " + lab.id + " [" + config + "]: " + std::to_string(checked / 2) +
                       " graded tests checked on reference and skeleton");
    }
  }
  return violations;
}

std::vector<std::string> check_handout_points(const Lab& lab,
                                              const std::vector<TestResult>& tests) {
  std::map<int, double> announced;
  std::istringstream in(read_file(lab.dir / "README.md"));
  static const std::regex heading(
      R"(^## Task (\d+)\b.*\((?:[^()]*, )?(\d+(?:\.\d+)?) points?\)\s*$)");
  for (std::string line; std::getline(in, line);) {
    std::smatch match;
    if (std::regex_match(line, match, heading))
      announced[std::stoi(match[1])] = std::stod(match[2]);
  }
  std::map<int, double> tagged;
  for (const auto& test : tests) tagged[test.info.task] += test.info.points;
  std::vector<std::string> problems;
  const std::string handout = (lab.dir / "README.md").string();
  for (const auto& [task, points] : tagged) {
    auto found = announced.find(task);
    if (found == announced.end()) {
      problems.push_back(handout + ": no '## Task " + std::to_string(task) + " — title (..., " +
                         format_points(points) + " points)' heading for the tests tagged [task" +
                         std::to_string(task) + "]");
    } else if (found->second != points) {
      problems.push_back(handout + ": Task " + std::to_string(task) + " announces " +
                         format_points(found->second) +
                         " points; its tests' [points=N] tags sum to " + format_points(points));
    }
  }
  for (const auto& [task, points] : announced) {
    if (!tagged.count(task)) {
      problems.push_back(handout + ": Task " + std::to_string(task) + " announces " +
                         format_points(points) + " points but no test is tagged [task" +
                         std::to_string(task) + "]");
    }
  }
  return problems;
}

std::vector<std::string> check_lab_index(const Kit& kit) {
  std::vector<std::string> problems;
  const std::string readme = read_file(kit.root() / "README.md");
  const std::string mainpage = read_file(kit.root() / "docs" / "mainpage.md");
  for (const Lab& lab : kit.labs()) {
    const std::string handout_id = "lab" + lab.number + "_handout";
    const std::string group = "lab" + lab.number;
    const std::string row = "| [" + lab.id + "](labs/" + lab.id + "/README.md) |";
    bool in_table = false;
    std::istringstream lines(readme);
    for (std::string line, previous = "|"; std::getline(lines, line); previous = line) {
      // A row after a blank line starts a new table: the labs table must be one.
      if (line.rfind(row, 0) == 0) in_table = !previous.empty() && previous.front() == '|';
    }
    if (!in_table) {
      problems.push_back("README.md: the labs table has no row for " + lab.id +
                         " (or a blank line "
                         "splits the table); add: " +
                         row + " Topic | What students build |");
    }
    if (!contains(mainpage, "@ref " + handout_id + " | @ref " + group + " |")) {
      problems.push_back("docs/mainpage.md: the labs table has no row for " + lab.id + "; add: | " +
                         lab.number + " " + lab.title + " | @ref " + handout_id + " | @ref " +
                         group + " |");
    }
    const std::string first_line = read_file(lab.dir / "README.md").substr(0, 200);
    if (!contains(first_line.substr(0, first_line.find('\n')), "{#" + handout_id + "}")) {
      problems.push_back(lab.id + "/README.md: the title line must end with {#" + handout_id + "}");
    }
    bool grouped = false;
    for (const auto& entry : fs::directory_iterator(lab.dir)) {
      if (entry.path().extension() == ".h" &&
          contains(read_file(entry.path()), "@defgroup " + group + " ")) {
        grouped = true;
      }
    }
    if (!grouped) {
      problems.push_back(lab.id + ": no header declares '/// @defgroup " + group + " Lab " +
                         lab.number + ": ...' for the API reference");
    }
  }
  return problems;
}

std::string selftest_scope(const Kit& kit) {
  if (kit.edition() == Edition::student) {
    return "This is a student kit: selftest checks that the kit builds and that every public test "
           "fails on the unmodified skeletons. It does not grade your work: ./proctor check LAB "
           "does.";
  }
  return "This is the instructor's kit: selftest checks the kit's unit tests, the pass/fail "
         "invariant of every lab, the samples, the docs, the bench, the student kit, the "
         "Gradescope autograder, the journeys of students and instructors, and grading on a "
         "Slurm cluster with a shared cache.";
}

std::vector<Check> selftest_checks(const Kit& kit, const SelftestOptions& options) {
  std::vector<Check> checks;
  const fs::path scratch = options.scratch;
  checks.push_back(
      {"the kit's unit tests pass (bazel test //...)", [&kit] { return unit_tests(kit); }});

  if (kit.edition() == Edition::student) {
    for (const Lab& lab : kit.labs()) {
      checks.push_back({"lab " + lab.id + " builds and every public test fails on its skeleton",
                        [&kit, &lab, options] { return skeleton_fails(kit, lab, options); }});
    }
    checks.push_back({"the documentation site builds without warnings", [&kit, options] {
                        const Site site = build_docs(kit);
                        options.say("Doxygen wrote " + std::to_string(site.pages) + " pages");
                        return Problems{};
                      }});
    return checks;
  }

  checks.push_back(
      {"every lab has its row in README.md and docs/mainpage.md, a handout id and an "
       "API group",
       [&kit] { return check_lab_index(kit); }});
  for (const Lab& lab : kit.labs()) {
    checks.push_back({"every graded test of lab " + lab.id +
                          " passes on the reference and fails on the skeleton (" +
                          join(lab.selftest_configs) + ")",
                      [&kit, &lab, options] { return invariant_problems(kit, lab, options); }});
    checks.push_back(
        {"the handout of lab " + lab.id + " announces the points its tests carry",
         [&kit, &lab] { return check_handout_points(lab, expected_tests(kit, lab)); }});
  }
  for (const Lab& lab : kit.labs()) {
    if (!fs::exists(kit.root() / "autograder" / "samples" / lab.id / "samples.json")) continue;
    checks.push_back({"the samples of lab " + lab.id + " score as their golden results say",
                      [&kit, &lab, options] { return golden_results(kit, lab, options); }});
  }
  if (options.flake_copies > 0) {
    checks.push_back(
        {"the reference and the correct variants of every lab keep full marks with "
         "every core busy (" +
             std::to_string(options.flake_copies) + " cop" +
             (options.flake_copies == 1 ? "y" : "ies") + " each)",
         [&kit, options] { return correct_under_load(kit, options); }});
  }
  for (const Lab& lab : kit.labs()) {
    if (!fs::exists(kit.root() / "autograder" / "corpus" / lab.id / "corpus.json")) continue;
    checks.push_back({"the adversarial corpus of lab " + lab.id +
                          " is contained: every attack as its golden result says, honest "
                          "submissions untouched, the kit unchanged, nothing left running",
                      [&kit, &lab, options] { return corpus_contained(kit, lab, options); }});
  }
  if (const Lab& first = kit.labs().front();
      fs::exists(kit.root() / "autograder" / "tests" / "similarity" / first.id) &&
      fs::exists(kit.root() / "autograder" / "samples" / first.id / "samples.json")) {
    checks.push_back(
        {"the class page of lab " + first.id +
             "'s samples and a similarity report render in Chromium from file:// without a "
             "console message, sort, and every link resolves; disguised copies rank first",
         [&kit, &first, options] { return class_pages_in_browser(kit, first, options); }});
  }
  checks.push_back({"the site builds without warnings, renders in Chromium and has no broken link",
                    [&kit, scratch, options] { return site_in_browser(kit, scratch, options); }});
  if (kit.labs().size() >= 4 && kit.find("04").has_solution) {
    checks.push_back(
        {"proctor bench writes its table, CSV, JSON and its three plots",
         [&kit, scratch, options] { return bench_outputs(kit, scratch / "bench", options); }});
  }
  const fs::path release = scratch / "release";
  checks.push_back(
      {"the student kit has no solutions or hidden tests, a student README, only the "
       "commands that work there, and passes its own selftest",
       [&kit, release, options] { return release_structure(kit, release, options); }});

  // Gradescope: every lab's export grades its reference; the first lab's
  // also takes every shape of upload, and carries the journeys.
  std::vector<const Lab*> gradable;
  for (const Lab& lab : kit.labs()) {
    if (lab.has_hidden_tests && lab.has_solution) gradable.push_back(&lab);
  }
  if (gradable.empty()) return checks;
  auto first = std::make_shared<std::unique_ptr<Gradescope>>();
  for (const Lab* lab : gradable) {
    const bool every_shape = lab == gradable.front();
    checks.push_back(
        {every_shape
             ? "the Gradescope autograder of lab " + lab->id +
                   " grades every shape of upload as one submission, or says what to upload"
             : "the Gradescope autograder of lab " + lab->id + " gives the reference full marks",
         [&kit, lab, every_shape, first, scratch, options] {
           if (every_shape) {
             *first = std::make_unique<Gradescope>(kit, *lab, scratch);
             return gradescope_uploads(kit, *lab, **first, true, options);
           }
           Gradescope autograder(kit, *lab, scratch);
           return gradescope_uploads(kit, *lab, autograder, false, options);
         }});
  }
  const Lab& lab = *gradable.front();
  checks.push_back({"a student releases, checks, packs and uploads lab " + lab.id +
                        " to Gradescope: full marks for the solution, zero for the skeleton",
                    [&kit, &lab, first, release, options] {
                      if (!*first) return Problems{"the Gradescope check did not run"};
                      return student_journey(kit, lab, release, **first, options);
                    }});
  if (gradable.size() >= 2) {
    const Lab& second = *gradable[1];
    checks.push_back(
        {"an instructor grades two labs, a resubmission, a kit change, a class in two merged "
         "parts and an "
         "interrupted batch: every grade right, nothing lost or stale",
         [&kit, &lab, &second, first, options] {
           if (!*first) return Problems{"the Gradescope check did not run"};
           Problems problems = instructor_journey(kit, lab, second, **first, options);
           first->reset();  // Done with the copy: stop its Bazel server.
           return problems;
         }});
  }
  checks.push_back(
      {"a class of lab " + lab.id +
           " graded as 3 Slurm array tasks against a shared nginx cache and merged equals one "
           "grade on one host, and leaves nothing running",
       [&kit, &lab, options] { return check_cluster_grading(kit, lab, options); }});
  return checks;
}

}  // namespace proctor
