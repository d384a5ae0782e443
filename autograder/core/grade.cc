#include "autograder/core/grade.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdlib>
#include <fstream>
#include <map>
#include <mutex>
#include <set>
#include <sstream>
#include <stdexcept>
#include <system_error>
#include <thread>

#include "autograder/core/bazel.h"
#include "autograder/core/files.h"
#include "autograder/core/process.h"
#include "autograder/core/stage.h"
#include "autograder/core/symbols.h"
#include "testing/report_channel.h"

namespace proctor {
namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

// The kit's own skeleton is staged beside the submissions: its binaries are
// built from kit code only, so the list of expected test cases comes from
// there and never from a submission. Ids starting with '_' are reserved.
constexpr char kSkeletonId[] = "_kit_skeleton";

// How much of a failing run's output a message keeps.
constexpr std::size_t kOutputInMessage = 3000;

struct TestBinary {
  std::string target;  // "public_test" or "hidden_test"
  bool hidden = false;
  std::vector<TestCaseInfo> cases;
};

struct Job {
  std::size_t submission;
  std::size_t binary;
  std::size_t test;
  Config config;
  int run;
};

// What one run of one test case says.
struct RunVerdict {
  bool passed = false;
  std::string message;
  double seconds = 0;
};

// The part of a failing run's output worth reading: a sanitizer report from
// its first line (where it names the bad access), otherwise the last lines.
std::string excerpt(const std::string& text, std::size_t size) {
  for (const char* marker : {"WARNING: ThreadSanitizer", "ERROR: AddressSanitizer",
                             "ERROR: LeakSanitizer", "runtime error:"}) {
    auto at = text.find(marker);
    if (at == std::string::npos) continue;
    at = text.rfind('\n', at);
    at = at == std::string::npos ? 0 : at + 1;
    std::string report = text.substr(at, size);
    return at + size < text.size() ? report + "\n[...]" : report;
  }
  return text.size() <= size ? text : "[...]\n" + text.substr(text.size() - size);
}

std::vector<std::string> test_environment(const fs::path& home) {
  return {
      "PATH=/usr/local/bin:/usr/bin:/bin",
      "HOME=" + home.string(),
      "TMPDIR=" + home.string(),
      "LANG=C.UTF-8",
      // Sanitizer findings end the process with a failure exit code.
      "ASAN_OPTIONS=abort_on_error=0:detect_leaks=1:exitcode=86",
      "UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1:exitcode=87",
      // halt_on_error: a race in a guard child (which ends with _exit) must
      // still end that process with a failure.
      "TSAN_OPTIONS=halt_on_error=1:exitcode=66:second_deadlock_stack=1",
  };
}

// What a test run must not see: the kit's solutions, hidden tests, samples
// and scratch (other submissions staged and unpacked), the grades, every
// submission's source, and Bazel's outputs and cache (other submissions'
// binaries, the reference's objects).
std::vector<fs::path> secrets(const Kit& kit, const std::vector<Staged>& staged,
                              const std::map<Config, fs::path>& bin_dirs) {
  const fs::path root = kit.root();
  std::vector<fs::path> hide{root / "solutions", root / "autograder" / "hidden",
                             root / "autograder" / "samples", kit.work_dir(), root / "out"};
  for (const auto& one : staged) hide.push_back(one.source);
  for (const auto& [config, bin] : bin_dirs) {
    // <output user root>/<hash>/execroot/<workspace>/bazel-out/<config>/bin
    for (fs::path dir = bin; !dir.empty() && dir != dir.root_path(); dir = dir.parent_path()) {
      if (dir.filename() == "execroot") {
        hide.push_back(dir.parent_path().parent_path());
        break;
      }
    }
  }
  if (const char* home = std::getenv("HOME"); home != nullptr && *home != '\0') {
    hide.push_back(fs::path(home) / ".cache" / "proctor");
  }
  std::sort(hide.begin(), hide.end());
  hide.erase(std::unique(hide.begin(), hide.end()), hide.end());
  return hide;
}

// A sealable memory file a run's harness writes its report to.
class ReportChannel {
 public:
  ReportChannel() : fd_(::memfd_create("proctor-report", MFD_CLOEXEC | MFD_ALLOW_SEALING)) {
    if (fd_ < 0) throw std::system_error(errno, std::generic_category(), "memfd_create");
  }
  ~ReportChannel() { ::close(fd_); }
  ReportChannel(const ReportChannel&) = delete;
  ReportChannel& operator=(const ReportChannel&) = delete;
  int fd() const { return fd_; }
  // Sealed against writing by the harness once it finished.
  bool sealed() const {
    const int seals = ::fcntl(fd_, F_GET_SEALS);
    return seals >= 0 && (seals & F_SEAL_WRITE) != 0;
  }
  std::string read() const {
    std::string data;
    char buffer[65536];
    for (off_t at = 0;;) {
      const ssize_t n = ::pread(fd_, buffer, sizeof buffer, at);
      if (n <= 0) break;
      data.append(buffer, static_cast<std::size_t>(n));
      at += n;
    }
    return data;
  }

 private:
  int fd_;
};

RunVerdict run_one(const fs::path& binary, const TestCaseInfo& test, const Lab& lab,
                   const Config& config, const std::vector<fs::path>& hide) {
  const RunFolder folder;
  const fs::path home = folder.path() / "home";
  fs::create_directories(home);
  Confinement limits;
  limits.deadline = std::chrono::seconds(lab.test_timeout_seconds);
  limits.cwd = folder.path();
  limits.env = test_environment(home);
  limits.hide = hide;
  // LeakSanitizer stops the world with ptrace at exit.
  limits.allow_ptrace = config == "asan";
  // Where no memory cgroup holds memory, plain builds get an address-space
  // limit instead (sanitizers reserve terabytes they never use).
  if (config == "plain") limits.max_address_space = std::size_t{16} << 30;
  // The report comes back in a memory file the harness seals when it is
  // done (testing/catch_main.cc): nothing the test leaves behind can rewrite
  // it, and an unsealed one means the harness never finished.
  const ReportChannel channel;
  limits.pass_fd = channel.fd();
  limits.env.push_back(std::string(report_channel::kDescriptorVariable) + "=" +
                       std::to_string(report_channel::kDescriptor));
  Confined run = run_confined({binary.string(), escape_test_spec(test.name), "-r", "xml"}, limits);
  RunVerdict verdict;
  verdict.seconds = run.seconds;
  // The harness says so on its standard error too: a test that merely exits
  // with the same code is told the harness did not finish.
  const bool tampered = run.exit.exited && run.exit.code == report_channel::kTampered &&
                        run.output.find(report_channel::kTamperedMessage) != std::string::npos;
  CaseVerdict report =
      read_case_verdict(channel.sealed() && !tampered ? channel.read() : "", test.name);
  if (!channel.sealed() && report.problem.empty()) {
    report.problem = "the test harness did not finish its report";
  }
  if (tampered) {
    verdict.message =
        "the test's report channel was written to by something other than the test harness, "
        "so the report was thrown away";
  } else if (run.out_of_memory) {
    verdict.message = "used more than its " + std::to_string(limits.max_memory >> 20) +
                      " MiB of memory and was killed (" + run.exit.describe() + ")";
  } else if (run.exit.timed_out) {
    verdict.message = "did not finish within " + std::to_string(lab.test_timeout_seconds) +
                      " s; the whole process tree was killed";
  } else if (!report.problem.empty()) {
    verdict.message = report.problem + " (the process ended with " + run.exit.describe() + ")";
    if (!report.messages.empty()) verdict.message += "\n" + report.messages;
  } else if (!report.success) {
    verdict.message = report.messages.empty() ? "failed" : report.messages;
  } else if (!run.exit.ok()) {
    verdict.message = "the assertions passed, but the process ended with " + run.exit.describe() +
                      " (a sanitizer finding or a crash at exit)";
  } else {
    verdict.passed = true;
    // A passing test may still have something to say (a timing check the
    // machine was too busy to decide): its warnings become its note.
    std::istringstream lines(report.messages);
    for (std::string line; std::getline(lines, line);) {
      if (line.rfind("Warning: ", 0) == 0) verdict.message += line.substr(9) + "\n";
    }
    return verdict;
  }
  if (!run.output.empty())
    verdict.message += "\n--- output ---\n" + excerpt(run.output, kOutputInMessage);
  return verdict;
}

// Every object file under `dir` (none if it does not exist).
std::vector<fs::path> objects_under(const fs::path& dir) {
  std::vector<fs::path> objects;
  std::error_code ec;
  for (auto it = fs::recursive_directory_iterator(dir, ec); !ec && it != fs::end(it);
       it.increment(ec)) {
    if (it->path().extension() == ".o") objects.push_back(it->path());
  }
  std::sort(objects.begin(), objects.end());
  return objects;
}

// A submission whose objects define what the harness, Catch2 or the runtime
// libraries own (a waitid of its own, a strong Catch2 function) would change
// the code that tests it, and one that runs code before main or after it
// would act outside every test: a build error that says which names. The
// symbols are read in the first configuration built; the start-up code in
// the plain build only, whichever place it has (each sanitizer adds
// initializers of its own).
void refuse_interposition(const Lab& lab, const std::vector<Staged>& staged, const fs::path& bin,
                          bool symbols, bool startup, std::vector<SubmissionResult>& results) {
  const std::string ns = "lab" + lab.number;
  std::vector<fs::path> harness = objects_under(bin / "testing" / "_objs" / "catch_main");
  for (const fs::path& tests :
       {bin / "labs" / lab.id / "_objs" / "public_tests",
        bin / "autograder" / "hidden" / lab.id / "_objs" / "hidden_tests"}) {
    const auto found = objects_under(tests);
    harness.insert(harness.end(), found.begin(), found.end());
  }
  const ReservedNames reserved = symbols ? reserved_names(harness, ns) : ReservedNames{};
  for (std::size_t i = 0; i < staged.size(); ++i) {
    if (results[i].status != Status::graded) continue;
    std::vector<std::string> found;
    std::vector<std::string> outside_tests;
    for (const auto& object : objects_under(bin / staged[i].package / "_objs" / "impl")) {
      const std::string source = object.stem().stem().string() + ".cc ";
      if (symbols) {
        for (auto& line : interposed_symbols(external_symbols(object), reserved, ns)) {
          found.push_back(source + line);
        }
      }
      if (startup) {
        for (auto& line : startup_work(object)) outside_tests.push_back(source + line);
      }
    }
    if (found.empty() && outside_tests.empty()) continue;
    results[i].status = Status::build_error;
    results[i].problem.clear();
    if (!found.empty()) {
      results[i].problem = "the submission would replace code it is tested with:\n";
      for (const auto& line : found) results[i].problem += "  " + line + "\n";
      results[i].problem += "Keep every helper in namespace " + ns +
                            " (or an unnamed namespace, or static), and do not define functions "
                            "of the C library or the test framework.\n";
    }
    if (!outside_tests.empty()) {
      results[i].problem += "the submission runs code outside the tests:\n";
      for (const auto& line : outside_tests) results[i].problem += "  " + line + "\n";
      results[i].problem +=
          "A global object whose constructor or destructor does work (a std::string, a "
          "std::vector, a std::thread, an object of your own class) and a function marked "
          "constructor run before main or after it, outside every test. Create such an object "
          "inside the function that uses it, or make it a function-local static.\n";
    }
    results[i].problem.pop_back();
  }
}

std::vector<TestCaseInfo> list_cases(const fs::path& binary) {
  return parse_test_list(run_output({binary.string(), "--proctor-list"}, binary.parent_path()));
}

// Tests that fork after running threads carry [no_tsan]: ThreadSanitizer
// does not support fork in a process that has had threads, so they are
// graded in the other configurations only.
bool skips_tsan(const TestCaseInfo& test) {
  return test.tags.find("[no_tsan]") != std::string::npos;
}

std::string format_eta(double seconds) {
  int s = static_cast<int>(seconds + 0.5);
  return s >= 60 ? std::to_string(s / 60) + "m" + std::to_string(s % 60) + "s"
                 : std::to_string(s) + "s";
}

}  // namespace

FileLock build_lock(const Kit& kit, const std::function<void(const std::string&)>& progress) {
  const fs::path path = kit.work_dir() / "build.lock";
  return FileLock(path, [&] {
    if (progress) {
      progress("waiting for another proctor in this checkout to finish building (" + path.string() +
               ")");
    }
  });
}

std::vector<Staged> stage_submissions(const Kit& kit, const Lab& lab,
                                      const std::vector<Submission>& submissions) {
  const FileLock lock = build_lock(kit, {});
  sweep_staged_packages(kit, lab, std::chrono::hours(24 * 7));
  std::vector<Staged> staged;
  for (const auto& submission : submissions) {
    staged.push_back(stage_submission(kit, lab, submission.id, submission.path));
  }
  return staged;
}

std::string kit_version(const Kit& kit, const Lab& lab, const GradeOptions& options) {
  Digest digest;
  const fs::path root = kit.root();
  auto add_tree = [&](const fs::path& dir, auto&& keep) {
    if (!fs::is_directory(dir)) return;
    std::vector<fs::path> files;
    for (const auto& entry : fs::recursive_directory_iterator(dir)) {
      if (entry.is_regular_file() && !entry.is_symlink() && keep(entry.path())) {
        files.push_back(entry.path());
      }
    }
    std::sort(files.begin(), files.end());
    for (const auto& file : files) digest.add_file(file.lexically_relative(root).string(), file);
  };
  auto everything = [](const fs::path&) { return true; };
  // The lab folder minus the student's files (their skeleton comes next):
  // in a student kit the lab folder is the student's own work.
  add_tree(lab.dir, [&](const fs::path& file) {
    const std::string name = file.filename().string();
    return file.parent_path() != lab.dir ||
           std::find(lab.student_files.begin(), lab.student_files.end(), name) ==
               lab.student_files.end();
  });
  for (const auto& file : lab.student_files)
    digest.add_file("skeleton/" + file, lab.skeleton_dir / file);
  add_tree(root / "solutions" / lab.id, everything);
  add_tree(root / "autograder" / "hidden" / lab.id, everything);
  // What the hidden tests of several labs share (the timing decisions in
  // autograder/hidden/timing): every folder there that is no lab's own.
  std::set<std::string> lab_ids;
  for (const Lab& each : kit.labs()) lab_ids.insert(each.id);
  std::error_code ec;
  std::vector<fs::path> shared;
  for (const auto& entry : fs::directory_iterator(root / "autograder" / "hidden", ec)) {
    if (entry.is_directory() && lab_ids.count(entry.path().filename().string()) == 0) {
      shared.push_back(entry.path());
    }
  }
  std::sort(shared.begin(), shared.end());
  for (const auto& dir : shared) add_tree(dir, everything);
  for (const char* dir : {"testing", "bazel", "third_party"}) add_tree(root / dir, everything);
  for (const char* file : {"WORKSPACE", ".bazelrc"}) digest.add_file(file, root / file);
  // The grader's own code decides scores too.
  digest.add_file("grader", "/proc/self/exe");
  const std::vector<Config> configs = options.configs.empty() ? lab.grade_configs : options.configs;
  for (const auto& config : configs) digest.add("config").add(config);
  digest.add("runs").add(std::to_string(options.runs > 0 ? options.runs : lab.runs));
  digest.add(options.public_only ? "public only" : "public and hidden");
  return digest.hex();
}

std::vector<TestResult> expected_tests(const Kit& kit, const Lab& lab, bool public_only) {
  std::optional<FileLock> lock;
  lock.emplace(build_lock(kit, {}));
  const Staged skeleton = stage_submission(kit, lab, kSkeletonId, lab.skeleton_dir);
  if (!skeleton.problem.empty())
    throw std::runtime_error("cannot stage the skeleton: " + skeleton.problem);
  std::vector<std::pair<std::string, bool>> binaries{{"public_test", false}};
  if (lab.has_hidden_tests && !public_only) binaries.emplace_back("hidden_test", true);
  std::vector<std::string> targets;
  for (const auto& [target, hidden] : binaries) targets.push_back(skeleton.label(target));
  Bazel bazel(kit.root(), kit.work_dir() / "logs");
  BuildResult build = bazel.build(targets, "plain");
  const fs::path bin_dir = bazel.bin_dir("plain");
  lock.reset();
  std::vector<TestResult> tests;
  for (const auto& [target, hidden] : binaries) {
    if (!build.built[skeleton.label(target)]) {
      throw std::runtime_error("the kit's own " + target + " for lab " + lab.id +
                               " does not build:\n" +
                               first_errors(build.errors[skeleton.label(target)], "") +
                               "Bazel's log: " + build.log.string());
    }
    for (auto& info : list_cases(bin_dir / skeleton.package / target)) {
      TestResult test;
      test.info = std::move(info);
      test.hidden = hidden;
      tests.push_back(std::move(test));
    }
  }
  return tests;
}

std::string check_isolation(const GradeOptions& options) {
  const auto missing = isolation().below_minimum();
  if (missing.empty()) return "";
  std::string lines;
  for (const auto& line : missing) lines += "\n  " + line;
  const char* accepted = std::getenv(kAcceptWeakIsolationVariable);
  if (!options.accept_weak_isolation && (accepted == nullptr || std::string(accepted) != "1")) {
    throw std::runtime_error(
        "refusing to grade: this machine does not give test runs the kit's minimum isolation:" +
        lines +
        "\n`proctor doctor` says which layers are missing and why. To grade here anyway, pass "
        "--accept-weak-isolation (or set " +
        std::string(kAcceptWeakIsolationVariable) + "=1); every report will say so.");
  }
  return "graded with less isolation than the kit's minimum (accepted by the instructor):" + lines;
}

std::vector<SubmissionResult> grade(const Kit& kit, const Lab& lab,
                                    const std::vector<Submission>& submissions,
                                    const GradeOptions& options) {
  return grade(kit, lab, stage_submissions(kit, lab, submissions), options);
}

std::vector<SubmissionResult> grade(const Kit& kit, const Lab& lab,
                                    const std::vector<Staged>& staged,
                                    const GradeOptions& options) {
  const std::string isolation_warning = check_isolation(options);
  const std::vector<Config> configs = options.configs.empty() ? lab.grade_configs : options.configs;
  const int runs = options.runs > 0 ? options.runs : lab.runs;
  auto say = [&](const std::string& line) {
    if (options.progress) options.progress(line);
  };
  Bazel bazel(kit.root(), kit.work_dir() / "logs", options.remote);

  std::vector<TestBinary> binaries{{"public_test", false, {}}};
  if (lab.has_hidden_tests && !options.public_only) binaries.push_back({"hidden_test", true, {}});

  // The kit's own skeleton is staged beside the submissions.
  std::optional<FileLock> building;
  building.emplace(build_lock(kit, say));
  const Staged skeleton = stage_submission(kit, lab, kSkeletonId, lab.skeleton_dir);
  if (!skeleton.problem.empty())
    throw std::runtime_error("cannot stage the skeleton: " + skeleton.problem);
  const std::string version =
      options.kit_version.empty() ? kit_version(kit, lab, options) : options.kit_version;
  std::vector<SubmissionResult> results(staged.size());
  for (std::size_t i = 0; i < staged.size(); ++i) {
    SubmissionResult& result = results[i];
    result.id = staged[i].id;
    result.lab = lab.id;
    result.source = staged[i].source;
    result.submission_digest = staged[i].digest;
    result.kit_version = version;
    result.ignored = staged[i].ignored;
    result.missing = staged[i].missing;
    result.review = staged[i].review;
    result.isolation_warning = isolation_warning;
    if (!staged[i].problem.empty()) {
      result.status = Status::rejected;
      result.problem = staged[i].problem;
    }
  }

  // Build: one Bazel invocation per configuration for the whole batch.
  std::map<Config, fs::path> bin_dirs;
  for (const Config& config : configs) {
    std::vector<std::string> targets;
    for (const auto& binary : binaries) targets.push_back(skeleton.label(binary.target));
    std::set<std::string> requested(targets.begin(), targets.end());
    for (std::size_t i = 0; i < staged.size(); ++i) {
      if (results[i].status != Status::graded) continue;
      for (const auto& binary : binaries) {
        // Submissions with the same files share their package: once each.
        const std::string label = staged[i].label(binary.target);
        if (requested.insert(label).second) targets.push_back(label);
      }
    }
    say("building " + std::to_string(targets.size()) + " test binaries (" + config + ")");
    CompileLimits compile_limits;
    compile_limits.packages_under = kStagePackages;
    compile_limits.time = options.compile_time_limit;
    BuildResult build = bazel.build(targets, config, compile_limits);
    for (const auto& binary : binaries) {
      const std::string label = skeleton.label(binary.target);
      if (!build.built[label]) {
        throw std::runtime_error(
            "the kit's own " + binary.target + " for lab " + lab.id + " does not build (" + config +
            "):\n" + first_errors(build.errors[label], "") + "Bazel's log: " + build.log.string());
      }
    }
    for (std::size_t i = 0; i < staged.size(); ++i) {
      if (results[i].status != Status::graded) continue;
      for (const auto& binary : binaries) {
        const std::string label = staged[i].label(binary.target);
        if (build.built[label]) continue;
        results[i].status = Status::build_error;
        const auto stopped = build.stopped.find(staged[i].package);
        const std::string own = staged[i].package + "/";
        // What the compiler said about the hidden tests or another student's
        // files is not the student's to read.
        const std::string visible = without_secret_sources(
            build.errors[label], {"autograder/hidden/", "solutions/", kStagePackages}, own);
        results[i].problem =
            stopped != build.stopped.end() ? stopped->second : first_errors(visible, own);
        break;
      }
    }
    bin_dirs[config] = bazel.bin_dir(config);
    if (config == configs.front() || config == "plain") {
      refuse_interposition(lab, staged, bin_dirs[config], config == configs.front(),
                           config == "plain", results);
    }
  }

  building.reset();  // Built: other graders of this checkout may build now.
  const std::vector<fs::path> hide = secrets(kit, staged, bin_dirs);

  // The expected test cases, from the skeleton's binaries.
  for (auto& binary : binaries) {
    binary.cases = list_cases(bin_dirs[configs.front()] / skeleton.package / binary.target);
  }
  std::vector<Job> jobs;
  std::vector<std::size_t> pending(results.size(), 0);
  for (std::size_t s = 0; s < results.size(); ++s) {
    for (std::size_t b = 0; b < binaries.size(); ++b) {
      for (std::size_t t = 0; t < binaries[b].cases.size(); ++t) {
        TestResult test;
        test.info = binaries[b].cases[t];
        test.hidden = binaries[b].hidden;
        test.passed = results[s].status == Status::graded;
        if (!test.passed)
          test.message = "not run: the submission " +
                         std::string(results[s].status == Status::build_error ? "does not build"
                                                                              : "was rejected");
        results[s].tests.push_back(test);
        if (results[s].status != Status::graded) continue;
        for (const Config& config : configs) {
          if (config == "tsan" && skips_tsan(test.info)) continue;
          for (int run = 1; run <= runs; ++run) jobs.push_back({s, b, t, config, run});
          pending[s] += static_cast<std::size_t>(runs);
        }
      }
    }
  }
  // Tests are stored per submission in binary order; find a job's slot.
  std::vector<std::size_t> binary_offset(binaries.size(), 0);
  for (std::size_t b = 1; b < binaries.size(); ++b) {
    binary_offset[b] = binary_offset[b - 1] + binaries[b - 1].cases.size();
  }

  std::mutex lock;
  std::atomic<std::size_t> next{0};
  std::size_t done = 0;
  const auto started = Clock::now();
  auto last_progress = started;
  const bool describe_run = configs.size() > 1 || runs > 1;
  auto finish = [&](std::size_t s) {
    SubmissionResult& result = results[s];
    for (auto& test : result.tests) {
      if (result.status == Status::graded && test.runs == 0) {
        test.passed = false;
        test.message = "not run: no configuration it is graded in applies to it";
      }
      test.score = test.passed ? test.info.points : 0;
    }
    if (options.on_result) options.on_result(result);
  };
  // Submissions with nothing to run are finished at once.
  for (std::size_t s = 0; s < results.size(); ++s) {
    if (pending[s] == 0) finish(s);
  }
  auto worker = [&] {
    for (std::size_t j = next++; j < jobs.size(); j = next++) {
      const Job& job = jobs[j];
      const TestBinary& binary = binaries[job.binary];
      const fs::path path = bin_dirs[job.config] / staged[job.submission].package / binary.target;
      RunVerdict verdict = run_one(path, binary.cases[job.test], lab, job.config, hide);
      std::lock_guard<std::mutex> guard(lock);
      TestResult& test = results[job.submission].tests[binary_offset[job.binary] + job.test];
      test.seconds = std::max(test.seconds, verdict.seconds);
      ++test.runs;
      if (verdict.passed && test.passed && test.message.empty()) test.message = verdict.message;
      if (!verdict.passed && test.passed) {
        test.passed = false;
        test.message = describe_run ? "[" + job.config + ", run " + std::to_string(job.run) +
                                          " of " + std::to_string(runs) + "] " + verdict.message
                                    : verdict.message;
      }
      results[job.submission].seconds += verdict.seconds;
      ++done;
      if (--pending[job.submission] == 0) finish(job.submission);
      auto now = Clock::now();
      if (now - last_progress >= options.progress_interval || done == jobs.size()) {
        last_progress = now;
        double elapsed = std::chrono::duration<double>(now - started).count();
        double eta = elapsed / static_cast<double>(done) * static_cast<double>(jobs.size() - done);
        say("ran " + std::to_string(done) + "/" + std::to_string(jobs.size()) +
            " test runs, about " + format_eta(eta) + " left");
      }
    }
  };
  std::vector<std::thread> workers;
  const int jobs_at_once = lab.parallel_tests ? std::max(1, options.jobs) : 1;
  for (int w = 0; w < jobs_at_once; ++w) workers.emplace_back(worker);
  for (auto& thread : workers) thread.join();
  return results;
}

}  // namespace proctor
