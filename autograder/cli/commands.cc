#include "autograder/cli/commands.h"

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <mutex>
#include <nlohmann/json.hpp>
#include <thread>

#include "autograder/core/distribute.h"
#include "autograder/core/files.h"
#include "autograder/core/grade.h"
#include "autograder/core/process.h"
#include "autograder/core/report.h"
#include "autograder/core/samples.h"
#include "autograder/core/selftest.h"
#include "autograder/core/stage.h"

namespace proctor::cli {
namespace {

namespace fs = std::filesystem;

// Samples show grading semantics, not flakiness: one run per configuration
// keeps `demo` and the golden checks short even for labs that repeat tests.
constexpr int kSampleRuns = 1;

bool stderr_is_tty() {
  static const bool tty = ::isatty(STDERR_FILENO);
  return tty;
}

// Progress goes to stderr, rewriting one line on a terminal.
void progress(const std::string& line) {
  const bool tty = stderr_is_tty();
  if (tty) {
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
  options.jobs = common.jobs > 0 ? common.jobs
                                 : static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  options.progress = progress;
  options.progress_interval = std::chrono::milliseconds(stderr_is_tty() ? 200 : 15000);
  return options;
}

// True if `dir` holds one of the lab's files itself (rather than one folder or
// archive per student).
bool looks_like_one_submission(const Lab& lab, const fs::path& dir) {
  for (const auto& file : lab.student_files) {
    if (fs::exists(dir / file) || fs::exists(dir / "labs" / lab.id / file)) return true;
  }
  return false;
}

std::string id_of(const fs::path& path) {
  std::string name = path.filename().string();
  for (const char* suffix : {".tar.gz", ".tgz", ".tar", ".zip"}) {
    std::string s = suffix;
    if (name.size() > s.size() && name.compare(name.size() - s.size(), s.size(), s) == 0) {
      name.resize(name.size() - s.size());
      break;
    }
  }
  return safe_id(name);
}

// Expands the command line's submissions: a class folder becomes one
// submission per entry. Ids stay unique.
std::vector<Submission> collect(const Lab& lab, const std::vector<std::string>& paths) {
  std::vector<Submission> out;
  auto add = [&out](const fs::path& path) {
    std::string id = id_of(path);
    std::string unique = id;
    for (int n = 2; std::any_of(out.begin(), out.end(),
                                [&](const Submission& s) { return s.id == unique; });
         ++n) {
      unique = id + "-" + std::to_string(n);
    }
    out.push_back({unique, fs::absolute(path)});
  };
  for (const auto& raw : paths) {
    fs::path path(raw);
    if (!fs::exists(path)) throw std::runtime_error("cannot open '" + raw + "': No such file or directory");
    if (fs::is_directory(path) && !looks_like_one_submission(lab, path)) {
      std::vector<fs::path> entries;
      for (const auto& entry : fs::directory_iterator(path)) {
        if (entry.is_directory() || is_archive(entry.path())) entries.push_back(entry.path());
      }
      std::sort(entries.begin(), entries.end());
      if (entries.empty()) {
        throw std::runtime_error("'" + raw + "' holds neither " + lab.student_files.front() +
                                 " nor one folder or archive per student");
      }
      for (const auto& entry : entries) add(entry);
    } else {
      add(path);
    }
  }
  return out;
}

std::string class_table(const std::vector<SubmissionResult>& results) {
  std::vector<int> tasks;
  for (const auto& result : results) {
    for (const auto& task : task_scores(result)) {
      if (std::find(tasks.begin(), tasks.end(), task.task) == tasks.end()) tasks.push_back(task.task);
    }
  }
  std::sort(tasks.begin(), tasks.end());
  std::size_t width = 10;
  for (const auto& result : results) width = std::max(width, result.id.size() + 2);
  std::string out = std::string("  ") + "Submission" + std::string(width - 10, ' ');
  for (int task : tasks) out += "T" + std::to_string(task) + "    ";
  out += "Score   Status\n";
  for (const auto& result : results) {
    out += "  " + result.id + std::string(width - result.id.size(), ' ');
    auto scores = task_scores(result);
    for (int task : tasks) {
      std::string cell = "-";
      for (const auto& s : scores) {
        if (s.task == task) cell = format_points(s.score) + "/" + format_points(s.max_score);
      }
      out += cell + std::string(cell.size() < 6 ? 6 - cell.size() : 1, ' ');
    }
    std::string score = format_points(result.score()) + "/" + format_points(result.max_score());
    out += score + std::string(score.size() < 8 ? 8 - score.size() : 1, ' ') +
           to_string(result.status) + "\n";
  }
  return out;
}

}  // namespace

void error(const std::string& message) { std::cerr << "proctor: error: " << message << "\n"; }

int grade(const Kit& kit, const std::string& lab_name, const std::vector<std::string>& paths,
          const fs::path& out_root, bool regrade, const Common& common) {
  const Lab& lab = kit.find(lab_name);
  const fs::path out = fs::absolute(out_root);
  std::vector<Submission> all = collect(lab, paths);
  std::vector<Submission> todo;
  for (const auto& submission : all) {
    if (regrade || !fs::exists(out / submission.id / "results.json")) todo.push_back(submission);
  }
  if (todo.size() < all.size()) {
    std::cout << "Skipping " << all.size() - todo.size()
              << " submission(s) already graded in " << out.string() << " (--regrade to redo)\n";
  }
  GradeOptions options = options_for(common);
  std::mutex lock;
  options.on_result = [&](const SubmissionResult& result) {
    std::lock_guard<std::mutex> guard(lock);
    write_submission_outputs(result, out / result.id);
  };
  if (!todo.empty()) grade(kit, lab, todo, options);
  end_progress();

  std::vector<SubmissionResult> results;
  for (const auto& submission : all) {
    std::ifstream in(out / submission.id / "results.json");
    results.push_back(from_gradescope_results(nlohmann::json::parse(in)));
  }
  if (all.size() == 1) {
    std::ifstream in(out / all.front().id / "report.txt");
    std::cout << in.rdbuf();
    std::cout << "Results: " << (out / all.front().id).string() << "\n";
    return 0;
  }
  write_atomically(out / "gradebook.csv", gradebook_csv(results));
  write_atomically(out / "summary.txt", class_summary(results));
  std::cout << class_table(results) << "\n" << class_summary(results) << "\nGradebook: "
            << (out / "gradebook.csv").string() << "\nReports:   " << out.string()
            << "/<student>/report.txt\n";
  return 0;
}

int check(const Kit& kit, const std::string& lab_name, const Common& common) {
  const Lab& lab = kit.find(lab_name);
  GradeOptions options = options_for(common);
  options.public_only = true;
  auto results = grade(kit, lab, {{"your-work", lab.dir}}, options);
  end_progress();
  SubmissionResult& result = results.front();
  result.ignored.clear();  // The work tree holds the whole lab, not a submission.
  std::cout << text_report(result);
  if (lab.has_hidden_tests) {
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
  const bool reference = fs::exists(kit.root() / "solutions" / "04_costs" / "BUILD");
  std::vector<std::string> build{"bazel", "build", "--color=no", "--curses=no"};
  if (reference) build.push_back("--config=solution");
  build.push_back("//autograder/bench:bench");
  std::cout << "Measuring with " << (reference ? "the reference" : "your own (labs/04_costs)")
            << " harness; this takes about a minute.\n"
            << std::flush;
  const fs::path log = kit.work_dir() / "logs" / "build-bench.log";
  fs::create_directories(log.parent_path());
  if (!run_logged(build, kit.root(), log).ok()) {
    throw std::runtime_error("the bench does not build; see " + log.string());
  }
  // --config=solution builds into the same output tree as plain builds.
  const fs::path binary = kit.root() / "bazel-bin" / "autograder" / "bench" / "bench";
  Exit ran = run_logged({binary.string(), fs::absolute(out).string()}, kit.root(), "");
  if (!ran.ok()) throw std::runtime_error("the bench failed (" + ran.describe() + ")");
  return 0;
}

int docs(const Kit& kit) {
  const fs::path site = kit.root() / "out" / "docs" / "html";
  std::error_code ec;
  fs::remove_all(site, ec);
  fs::create_directories(site.parent_path());  // Doxygen makes only the last level.
  const fs::path log = kit.work_dir() / "logs" / "doxygen.log";
  fs::create_directories(log.parent_path());
  const Exit ran = run_logged({"doxygen", "docs/Doxyfile"}, kit.root(), log);
  const std::string warnings = read_file(log);
  if (!ran.ok() || !warnings.empty()) {
    throw std::runtime_error("the docs have warnings (they count as errors):\n" + warnings);
  }
  int pages = 0;
  for (const auto& entry : fs::directory_iterator(site)) pages += entry.path().extension() == ".html";
  std::cout << "Docs: " << (site / "index.html").string() << " (" << pages << " pages)\n";
  return 0;
}

int demo(const Kit& kit, const fs::path& out_root, const Common& common) {
  const fs::path out = fs::absolute(out_root);
  for (const Lab& lab : kit.labs()) {
    const auto started = std::chrono::steady_clock::now();
    std::vector<Sample> samples = materialize_samples(kit, lab);
    std::vector<Submission> submissions{{"skeleton", lab.dir}};
    for (const auto& sample : samples) submissions.push_back(sample.submission);
    GradeOptions options = options_for(common);
    options.runs = kSampleRuns;
    std::mutex lock;
    options.on_result = [&](const SubmissionResult& result) {
      std::lock_guard<std::mutex> guard(lock);
      write_submission_outputs(result, out / lab.id / result.id);
    };
    auto results = grade(kit, lab, submissions, options);
    end_progress();
    write_atomically(out / lab.id / "gradebook.csv", gradebook_csv(results));

    const double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    std::printf("Lab %s: %s (%zu submissions graded in %.0f s)\n\n", lab.id.c_str(),
                lab.title.c_str(), results.size(), seconds);
    std::cout << class_table(results) << "\n";
    if (lab.runs > kSampleRuns) {
      std::printf("(the demo runs each test once per configuration; grading runs it %d times)\n\n",
                  lab.runs);
    }
    if (!samples.empty()) {
      std::cout << "What each sample shows:\n";
      for (const auto& sample : samples) {
        std::printf("  %-26s %s\n", sample.name.c_str(), sample.about.c_str());
      }
      std::cout << "\n";
    }
    std::cout << "Reports:   " << (out / lab.id).string() << "/<submission>/report.txt\n"
              << "Gradebook: " << (out / lab.id / "gradebook.csv").string() << "\n\n";
  }
  return 0;
}

int selftest(const Kit& kit, bool update_golden, const Common& common) {
  int passed = 0;
  int failed = 0;
  std::cout << "== kit unit tests (bazel test //...)\n" << std::flush;
  Exit unit = run_logged({"bazel", "test", "--color=no", "--curses=no", "//..."}, kit.root(), "");
  if (unit.ok()) {
    ++passed;
  } else {
    ++failed;
    std::cout << "FAILED: kit unit tests (" << unit.describe() << ")\n";
  }
  std::cout << "== isolation: " << isolation().describe() << "\n";
  for (const Lab& lab : kit.labs()) {
    std::cout << "== invariant for lab " << lab.id << "\n" << std::flush;
    auto violations = check_invariant(kit, lab, options_for(common));
    end_progress();
    if (violations.empty()) {
      ++passed;
      std::cout << "ok: every graded test of lab " << lab.id
                << " passes on the reference and fails on the skeleton (";
      for (std::size_t i = 0; i < lab.selftest_configs.size(); ++i) {
        std::cout << (i ? ", " : "") << lab.selftest_configs[i];
      }
      std::cout << ")\n";
    } else {
      ++failed;
      for (const auto& v : violations) {
        std::cout << "VIOLATION lab " << v.lab << " [" << v.config << "] " << v.side << ": "
                  << v.test << "\n    " << v.detail << "\n";
      }
    }
  }
  for (const Lab& lab : kit.labs()) {
    std::vector<Sample> samples = materialize_samples(kit, lab);
    if (samples.empty()) continue;
    std::cout << "== golden results for the samples of lab " << lab.id << "\n" << std::flush;
    std::vector<Submission> submissions;
    for (const auto& sample : samples) submissions.push_back(sample.submission);
    GradeOptions options = options_for(common);
    options.runs = kSampleRuns;
    auto results = grade(kit, lab, submissions, options);
    end_progress();
    for (const auto& result : results) {
      const fs::path golden = golden_path(kit, lab, result.id);
      const nlohmann::json actual = golden_view(result);
      if (update_golden) {
        write_atomically(golden, actual.dump(2) + "\n");
        std::cout << "wrote " << golden.string() << "\n";
        continue;
      }
      std::vector<std::string> differences;
      if (!fs::exists(golden)) {
        differences.push_back("no golden file " + golden.string());
      } else {
        std::ifstream in(golden);
        differences = golden_differences(nlohmann::json::parse(in), actual);
      }
      if (differences.empty()) {
        ++passed;
        std::cout << "ok: " << lab.id << "/" << result.id << " scores "
                  << format_points(result.score()) << "/" << format_points(result.max_score())
                  << " (" << to_string(result.status) << ") as expected\n";
      } else {
        ++failed;
        std::cout << "FAILED: " << lab.id << "/" << result.id << " differs from its golden file:\n";
        for (const auto& line : differences) std::cout << "    " << line << "\n";
        std::cout << "  report: " << text_report(result) << "\n";
      }
    }
  }
  auto report = [&](const std::string& what, const std::vector<std::string>& problems) {
    if (problems.empty()) {
      ++passed;
      std::cout << "ok: " << what << "\n";
      return;
    }
    ++failed;
    std::cout << "FAILED: " << what << "\n";
    for (const auto& problem : problems) std::cout << "    " << problem << "\n";
  };
  const fs::path scratch = kit.root() / "out" / "selftest";
  std::cout << "== docs (Doxygen, then a headless browser)\n" << std::flush;
  {
    std::vector<std::string> problems;
    try {
      docs(kit);
      const fs::path log = scratch / "check_site.log";
      fs::create_directories(scratch);
      const Exit checked = run_logged({(kit.root() / "docs" / "tools" / "check_site.sh").string(),
                                       (kit.root() / "out" / "docs" / "html").string(),
                                       (scratch / "screenshots").string()},
                                      kit.root(), log);
      std::ifstream in(log);
      std::cout << in.rdbuf();
      if (!checked.ok()) problems.push_back("the browser check failed; see " + log.string());
    } catch (const std::exception& e) {
      problems.push_back(e.what());
    }
    report("the site builds without warnings, renders in Chromium and has no broken link",
           problems);
  }
  if (fs::exists(kit.root() / "labs" / "04_costs")) {
    std::cout << "== proctor bench\n" << std::flush;
    std::vector<std::string> missing;
    const auto started = std::chrono::steady_clock::now();
    try {
      bench(kit, scratch / "bench");
    } catch (const std::exception& e) {
      missing.push_back(e.what());
    }
    const double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    for (const char* file : {"bench.csv", "bench.json", "creation.png", "creation.svg",
                             "fork_memory.png", "fork_memory.svg"}) {
      if (!fs::exists(scratch / "bench" / file) || fs::file_size(scratch / "bench" / file) == 0) {
        missing.push_back(std::string("no ") + file);
      }
    }
    report("proctor bench wrote its table, CSV, JSON and both plots in " +
               std::to_string(static_cast<int>(seconds)) + " s",
           missing);
  }
  std::cout << "== the student kit (proctor release)\n" << std::flush;
  report("the release has no solutions or hidden tests, builds on its own, and its skeletons "
         "fail every public test",
         check_release(kit, scratch, options_for(common)));
  end_progress();
  for (const Lab& lab : kit.labs()) {
    if (!lab.has_hidden_tests || !lab.has_solution) continue;
    std::cout << "== Gradescope autograder for lab " << lab.id << "\n" << std::flush;
    report("run_autograder gives the reference solution of lab " + lab.id + " full marks",
           check_gradescope(kit, lab, scratch));
  }
  std::cout << "selftest: " << passed << " passed, " << failed << " failed\n";
  return failed == 0 ? 0 : 1;
}

}  // namespace proctor::cli
