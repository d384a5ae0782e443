#include "autograder/cli/commands.h"

#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <nlohmann/json.hpp>
#include <thread>

#include "autograder/core/batch.h"
#include "autograder/core/bazel.h"
#include "autograder/core/caches.h"
#include "autograder/core/class_page.h"
#include "autograder/core/cluster.h"
#include "autograder/core/distribute.h"
#include "autograder/core/docs.h"
#include "autograder/core/files.h"
#include "autograder/core/grade.h"
#include "autograder/core/process.h"
#include "autograder/core/report.h"
#include "autograder/core/samples.h"
#include "autograder/core/selftest.h"
#include "autograder/core/similarity.h"
#include "autograder/core/stage.h"

namespace proctor::cli {
namespace {

namespace fs = std::filesystem;

// Samples show grading semantics, not flakiness: one run per configuration
// keeps `demo` short even for labs that repeat tests.
constexpr int kSampleRuns = 1;

bool stderr_is_tty() {
  static const bool tty = ::isatty(STDERR_FILENO);
  return tty;
}

// Progress goes to stderr, rewriting one line on a terminal.
void progress(const std::string& line) {
  if (stderr_is_tty()) {
    std::fprintf(stderr, "\r\033[K%s", line.c_str());
  } else {
    std::fprintf(stderr, "%s\n", line.c_str());
  }
}

void end_progress() {
  if (stderr_is_tty()) std::fprintf(stderr, "\r\033[K");
}

// Grading options shared by every command; a log file gets fewer progress lines.
GradeOptions options_for(const Common& common) {
  GradeOptions options;
  options.jobs = common.jobs > 0
                     ? common.jobs
                     : static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  options.progress = progress;
  options.progress_interval = std::chrono::milliseconds(stderr_is_tty() ? 200 : 15000);
  return options;
}

// Bazel 4.2 never shrinks its disk cache nor removes the output bases of
// deleted checkouts; the commands that build the most (grade, demo,
// selftest) sweep both first, so that repeated use does not fill the disk.
// PROCTOR_DISK_CACHE_GB sets the disk cache's size (default 10).
void sweep_caches(const Kit& kit) {
  std::uintmax_t gigabytes = 10;
  if (const char* set = std::getenv("PROCTOR_DISK_CACHE_GB"); set != nullptr && *set != '\0') {
    // A value that is not a whole number of at least 1 would trim the whole
    // cache: say so and keep the default.
    char* end = nullptr;
    errno = 0;
    const unsigned long long asked = std::strtoull(set, &end, 10);
    if (errno != 0 || *end != '\0' || asked == 0 || asked > 1000000 || set[0] == '-') {
      std::cerr << "proctor: warning: PROCTOR_DISK_CACHE_GB is '" << set
                << "', not a whole number of gigabytes from 1 to 1000000; using 10\n";
    } else {
      gigabytes = asked;
    }
  }
  try {
    Bazel bazel(kit.root(), kit.work_dir() / "logs");
    const CacheSweep swept = sweep_bazel_caches(bazel.output_user_root(), disk_cache_of(kit.root()),
                                                gigabytes * 1000 * 1000 * 1000);
    if (const std::string said = swept.describe(); !said.empty()) std::cout << said << std::endl;
  } catch (const std::exception& e) {
    std::cerr << "proctor: warning: Bazel's caches were not swept: " << e.what() << "\n";
  }
}

}  // namespace

void error(const std::string& message) { std::cerr << "proctor: error: " << message << "\n"; }

int grade(const Kit& kit, const GradeRequest& request, const Common& common) {
  const Lab& lab = kit.find(request.lab);
  sweep_caches(kit);
  request.remote.validate();
  std::optional<Shard> shard;
  if (!request.shard.empty()) shard = parse_shard(request.shard);
  const fs::path out = request.out.empty() ? kit.root() / "out" / "grades" / lab.id : request.out;
  std::vector<Submission> submissions;
  if (!request.id.empty()) {
    if (request.paths.size() != 1) throw std::invalid_argument("--id takes exactly one SUBMISSION");
    if (shard) throw std::invalid_argument("--shard splits a class; --id grades one submission");
    if (!fs::exists(request.paths.front())) {
      throw std::runtime_error("cannot open '" + request.paths.front() +
                               "': No such file or directory");
    }
    submissions.push_back({safe_id(request.id), fs::absolute(request.paths.front())});
  } else {
    submissions = collect_submissions(lab, request.paths);
  }
  const ResultStore store(out, lab);
  BatchOptions options{options_for(common), request.regrade, shard};
  options.grading.accept_weak_isolation = request.accept_weak_isolation;
  options.grading.remote = request.remote;
  const BatchOutcome outcome = grade_batch(kit, lab, submissions, store, options);
  end_progress();
  if (outcome.results.size() == 1 && !shard) {
    std::cout << text_report(outcome.results.front())
              << "Results:   " << (store.dir() / outcome.results.front().id).string() << "\n";
  } else {
    std::cout << class_table(outcome.results) << "\n";
  }
  std::cout << "Gradebook: " << (store.dir() / "gradebook.csv").string() << " ("
            << outcome.class_results.size()
            << " student(s))\nSummary:   " << (store.dir() / "summary.txt").string()
            << "\nClass:     " << (store.dir() / "index.html").string() << "\n";
  if (shard) {
    std::cout << "This is part " << shard->index << "/" << shard->count
              << " of the class; once every part is graded, join them with: proctor merge OUT "
                 "PART-FOLDERS...\n";
  }
  return 0;
}

int merge(const Kit& kit, const fs::path& out, const std::vector<fs::path>& parts) {
  if (parts.empty()) throw std::invalid_argument("merge needs the results folder of every part");
  const Merged merged = merge_shards(kit.find(results_lab(parts.front())), out, parts);
  const fs::path dir = fs::absolute(out).lexically_normal();
  std::cout << "Merged " << merged.parts << " part(s) of lab " << merged.lab << ": "
            << merged.students << " student(s)\nGradebook: " << (dir / "gradebook.csv").string()
            << "\nSummary:   " << (dir / "summary.txt").string()
            << "\nClass:     " << (dir / "index.html").string() << "\n";
  return 0;
}

int similar(const Kit& kit, const std::string& lab_name, const std::vector<std::string>& paths,
            const fs::path& out, int threshold) {
  const Lab& lab = kit.find(lab_name);
  SimilarityOptions options;
  options.threshold = threshold;
  options.out =
      fs::absolute(out.empty() ? kit.root() / "out" / "grades" / lab.id / kSimilarityFolder : out)
          .lexically_normal();
  const std::vector<Submission> submissions = collect_submissions(lab, paths);
  const SimilarityReport report =
      compare_submissions(lab, submissions, options, kit.work_dir() / "similar" / lab.id);
  std::printf("Compared %zu submissions of lab %s in %.1f s (%zu left out)\n",
              report.compared.size(), lab.id.c_str(), report.seconds, report.left_out.size());
  const std::size_t shown =
      std::min(report.pairs.size(), static_cast<std::size_t>(std::max(report.suspicious, 5)));
  if (shown > 0) std::cout << "\n  score  first in second  second in first  pair\n";
  for (std::size_t i = 0; i < shown; ++i) {
    const SimilarPair& pair = report.pairs[i];
    std::printf("  %4d%%  %14d%%  %15d%%  %s and %s%s\n", pair.score(), pair.first_in_second,
                pair.second_in_first, pair.first.c_str(), pair.second.c_str(),
                pair.score() >= threshold ? "" : "   (below the threshold)");
  }
  for (std::size_t i = 0; i < report.groups.size() && i < 10; ++i) {
    std::string members;
    for (const auto& id : report.groups[i]) members += (members.empty() ? "" : ", ") + id;
    if (members.size() > 100) members = members.substr(0, 97) + "...";
    std::printf("%s  group of %zu: %s\n", i == 0 ? "\n" : "", report.groups[i].size(),
                members.c_str());
  }
  std::printf("\n%d pair(s) at or above %d%%.\nReport:    %s\nPairs:     %s\n", report.suspicious,
              threshold, (options.out / "index.html").c_str(), (options.out / "pairs.csv").c_str());
  // Beside a grade of the same lab, the class page links the report.
  const fs::path results = options.out.parent_path();
  if (fs::exists(results / "grades.json")) {
    try {
      const ResultStore store(results, lab);
      store.write_class_pages();
      std::cout << "Class:     " << (results / "index.html").string() << " (links it)\n";
    } catch (const std::exception& e) {
      std::cout << "(the class page in " << results.string() << " was not updated: " << e.what()
                << ")\n";
    }
  }
  return 0;
}

int cache_server(const fs::path& dir, int port) {
  exec_cache_server(dir, port);  // Returns only by throwing.
}

namespace {
volatile std::sig_atomic_t stop_requested = 0;
void request_stop(int) { stop_requested = 1; }
}  // namespace

int local_cluster(const fs::path& dir, int cpus) {
  // A flag, not a blocked signal: a blocked signal would stay blocked in the
  // daemons started below, past their exec.
  struct sigaction action {};
  action.sa_handler = request_stop;
  ::sigaction(SIGINT, &action, nullptr);
  ::sigaction(SIGTERM, &action, nullptr);
  LocalCluster cluster(dir, cpus);
  std::cout << "A one-node Slurm cluster runs here, offering " << cpus
            << " CPU(s) (its files and logs in " << fs::absolute(dir).string()
            << ").\nIn another shell:\n  export SLURM_CONF=" << cluster.conf().string()
            << "\n  ./proctor slurm LAB CLASS --out OUT --shards " << cpus
            << " --cpus-per-task 1\n  squeue\nCtrl-C stops it.\n"
            << std::flush;
  while (stop_requested == 0) {
    if (const std::string ended = cluster.ended(); !ended.empty()) {
      cluster.stop();
      throw std::runtime_error(ended + " ended; its log is in " + (dir / "logs").string());
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
  cluster.stop();
  std::cout << "Stopped the cluster.\n";
  return 0;
}

int slurm(const Kit& kit, SlurmJob job, bool dry_run) {
  const Lab& lab = kit.find(job.lab);
  job.lab = lab.id;
  job.remote.validate();
  if (job.shards < 1) throw std::invalid_argument("--shards must be at least 1");
  job.kit = kit.root();
  job.class_dir = fs::absolute(job.class_dir).lexically_normal();
  job.out = fs::absolute(job.out).lexically_normal();
  // #SBATCH lines are split at blanks and end at a newline.
  const auto plain = [](const std::string& flag, const std::string& value) {
    const bool ok = std::all_of(value.begin(), value.end(), [](unsigned char c) {
      return std::isgraph(c) && c != '\'' && c != '"' && c != '\\';
    });
    if (!ok) {
      throw std::invalid_argument(flag + " '" + value +
                                  "' holds a blank, a quote or a control character, which an "
                                  "#SBATCH line cannot carry");
    }
  };
  plain("--out", job.out.string());
  plain("--time", job.time);
  if (!job.partition.empty()) plain("--partition", job.partition);
  // Parts of another split would be refused by every task, an hour later.
  for (int index = 1; index <= job.shards; ++index) {
    const auto recorded = read_file_if_exists(job.part_dir(index) / "shard.json");
    if (!recorded) continue;
    const auto part = nlohmann::json::parse(*recorded, nullptr, false);
    if (part.is_object() && part.value("count", job.shards) != job.shards) {
      throw std::runtime_error(
          "'" + job.part_dir(index).string() + "' holds part " + std::to_string(index) +
          " of a split in " + std::to_string(part.value("count", 0)) + ", not in " +
          std::to_string(job.shards) + "; choose another --out, or remove its parts folder");
    }
  }
  // Said now, not by every task on its node an hour later.
  const std::size_t students =
      collect_submissions(lab, std::vector<std::string>{job.class_dir.string()}).size();
  if (dry_run) {
    std::cout << "# " << students << " submission(s) of lab " << lab.id << " in " << job.shards
              << " part(s). Nothing submitted (--dry-run).\n"
              << "# " << (job.slurm_dir() / "grade.sbatch").string() << "\n"
              << slurm_grade_script(job) << "\n# " << (job.slurm_dir() / "merge.sbatch").string()
              << "\n"
              << slurm_merge_script(job) << "\n# submitted as:\n#   sbatch --parsable "
              << (job.slurm_dir() / "grade.sbatch").string()
              << "\n#   sbatch --parsable --dependency=afterany:<array job id> "
              << (job.slurm_dir() / "merge.sbatch").string() << "\n";
    return 0;
  }
  const SlurmSubmission submitted = submit_slurm(job);
  std::cout << "Submitted lab " << lab.id << ", " << students << " submission(s) in " << job.shards
            << " part(s): array job " << submitted.grade_job << ", merge job "
            << submitted.merge_job << " (runs once every part has ended)\n"
            << "Parts:   " << (job.out / "parts").string() << "/1.." << job.shards
            << "\nClass:   " << job.merged_dir().string() << " (gradebook.csv once merged)\n"
            << "Logs:    " << job.slurm_dir().string() << "\nWatch:   squeue -j "
            << submitted.grade_job << "," << submitted.merge_job << "\n";
  return 0;
}

int check(const Kit& kit, const std::string& lab_name, const Common& common) {
  const Lab& lab = kit.find(lab_name);
  GradeOptions options = options_for(common);
  options.public_only = true;
  options.accept_weak_isolation = true;  // The student's own code, on their own machine.
  auto results = grade(kit, lab, std::vector<Submission>{{"your-work", lab.dir}}, options);
  end_progress();
  SubmissionResult& result = results.front();
  result.ignored.clear();  // The work tree holds the whole lab, not a submission.
  std::cout << text_report(result);
  if (lab.has_hidden_tests || kit.edition() == Edition::student) {
    std::cout << "(public tests only: the grader also runs hidden tests on the same tasks)\n";
  }
  return 0;
}

int pack(const Kit& kit, const std::string& lab_name) {
  const Lab& lab = kit.find(lab_name);
  const fs::path archive = pack_submission(kit, lab);
  std::cout << "Packed";
  for (const auto& file : lab.student_files) std::cout << " " << file;
  std::cout << " (it builds). Submit this file:\n" << archive.string() << "\n";
  return 0;
}

int release(const Kit& kit, const fs::path& out) {
  const std::size_t files = release_kit(kit, out);
  std::cout << "Wrote the student kit (" << files << " files, no solutions or hidden tests) to "
            << fs::absolute(out).string() << "\n";
  return 0;
}

int export_gradescope(const Kit& kit, const std::string& lab_name, const fs::path& zip) {
  const Lab& lab = kit.find(lab_name);
  proctor::export_gradescope(kit, lab, zip);
  std::cout << "Wrote the Gradescope autograder for lab " << lab.id << " to "
            << fs::absolute(zip).string()
            << "\nUpload it as the assignment's autograder (setup.sh and run_autograder are at "
               "its root).\n";
  return 0;
}

int bench(const Kit& kit, const fs::path& out) {
  std::cout << "Measuring with "
            << (kit.find("04").has_solution ? "the reference" : "your own (labs/04_costs)")
            << " harness; this takes about a minute.\n"
            << std::flush;
  run_bench(kit, out);
  return 0;
}

int docs(const Kit& kit) {
  const Site site = build_docs(kit);
  std::cout << "Docs: " << site.index.string() << " (" << site.pages << " pages)\n";
  return 0;
}

int demo(const Kit& kit, const fs::path& out, const Common& common) {
  sweep_caches(kit);
  std::cout << "Isolation on this machine: " << isolation().describe() << "\n";
  for (const auto& missing : isolation().below_minimum()) {
    std::cout << "WARNING: below the kit's minimum for grading a class: " << missing
              << "\n  (the demo grades the kit's own samples anyway; see proctor doctor)\n";
  }
  std::cout << "\n" << std::flush;
  for (const Lab& lab : kit.labs()) {
    const auto started = std::chrono::steady_clock::now();
    std::vector<Sample> samples = materialize_samples(kit, lab);
    std::vector<Submission> submissions{{"skeleton", lab.skeleton_dir}};
    for (const auto& sample : samples) submissions.push_back(sample.submission);
    // The demo's folders are its own: each run starts them afresh.
    const fs::path dir = fs::absolute(out) / lab.id;
    std::error_code ec;
    if (fs::exists(dir / "grades.json") || out == kit.root() / "out" / "demo")
      fs::remove_all(dir, ec);
    const ResultStore store(dir, lab);
    BatchOptions options{options_for(common), true, std::nullopt};
    // The kit's own samples: graded whatever the isolation (said above).
    options.grading.accept_weak_isolation = true;
    options.grading.runs = kSampleRuns;
    options.grading.configs = lab.sample_configs;
    const BatchOutcome outcome = grade_batch(kit, lab, submissions, store, options);
    end_progress();

    const double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    std::printf("Lab %s: %s (%zu submissions graded in %.0f s)\n\n", lab.id.c_str(),
                lab.title.c_str(), outcome.results.size(), seconds);
    std::cout << class_table(outcome.results) << "\n";
    if (lab.runs > kSampleRuns) {
      std::printf("(the demo runs each test once per configuration; grading runs it %d times)\n\n",
                  lab.runs);
    }
    if (lab.sample_configs != lab.grade_configs) {
      std::string graded;
      for (const Config& config : lab.sample_configs)
        graded += (graded.empty() ? "" : ", ") + config;
      std::printf(
          "(the demo grades these samples in %s only; grading also runs the other "
          "configurations lab.json names)\n\n",
          graded.c_str());
    }
    if (!samples.empty()) {
      std::cout << "What each sample shows:\n";
      for (const auto& sample : samples) {
        std::printf("  %-26s %s\n", sample.name.c_str(), sample.about.c_str());
      }
      std::cout << "\n";
    }
    std::cout << "Reports:   " << dir.string() << "/<submission>/report.txt\n"
              << "Gradebook: " << (dir / "gradebook.csv").string() << "\n"
              << "Class:     " << (dir / "index.html").string() << "\n\n";
  }
  return 0;
}

int doctor() {
  const Isolation& found = isolation();
  std::cout << "Isolation of test runs on this machine (uid " << ::geteuid() << "):\n";
  for (const auto& layer : found.layers()) {
    std::cout << "  " << (layer.present ? "yes  " : "NO   ") << layer.name << "\n";
    if (!layer.present) std::cout << "         without it: " << layer.without << "\n";
  }
  const auto missing = found.below_minimum();
  if (missing.empty()) {
    std::cout << "Grading a class here: yes, the kit's minimum isolation holds.\n";
  } else {
    std::cout << "Grading a class here: refused without --accept-weak-isolation, because:\n";
    for (const auto& line : missing) std::cout << "  " << line << "\n";
  }
  return 0;
}

int selftest(const Kit& kit, bool update_golden, int flake, const std::string& only,
             const Common& common) {
  sweep_caches(kit);
  SelftestOptions options;
  options.flake_copies = flake;
  options.grading = options_for(common);
  options.grading.accept_weak_isolation = true;
  options.update_golden = update_golden;
  options.scratch = kit.root() / "out" / "selftest";
  options.say = [](const std::string& line) {
    end_progress();
    std::cout << "  " << line << "\n" << std::flush;
  };
  std::cout << selftest_scope(kit) << "\n";
  std::cout << "Isolation on this machine: " << isolation().describe() << "\n" << std::flush;
  if (!isolation().below_minimum().empty()) {
    // The graders selftest starts (journeys, Gradescope) must grade here too.
    std::cout << "WARNING: below the kit's minimum isolation for grading a class ("
              << isolation().below_minimum().front()
              << "); selftest grades anyway, and `proctor grade` here would refuse without "
                 "--accept-weak-isolation\n";
    ::setenv(kAcceptWeakIsolationVariable, "1", 1);
  }
  int passed = 0;
  int failed = 0;
  const auto checks = selftest_checks(kit, options);
  for (const Check& check : checks) {
    if (!only.empty() && check.name.find(only) == std::string::npos) continue;
    std::cout << "== " << check.name << "\n" << std::flush;
    const auto started = std::chrono::steady_clock::now();
    std::vector<std::string> problems;
    try {
      problems = check.run();
    } catch (const std::exception& e) {
      problems.push_back(e.what());
    }
    end_progress();
    const int seconds = static_cast<int>(
        std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count() + 0.5);
    if (problems.empty()) {
      ++passed;
      std::cout << "ok (" << seconds << " s)\n";
    } else {
      ++failed;
      std::cout << "FAILED (" << seconds << " s):\n";
      for (const auto& problem : problems) std::cout << "    " << problem << "\n";
    }
    std::cout << std::flush;
  }
  std::cout << "selftest: " << passed << " passed, " << failed << " failed\n";
  return failed == 0 ? 0 : 1;
}

}  // namespace proctor::cli
