// proctor: the kit's command line. Flags are parsed here; the work is done by
// the commands in commands.cc on top of the grading library in core/.

#include <CLI/CLI.hpp>
#include <cstdlib>
#include <filesystem>
#include <iostream>

#include "autograder/cli/commands.h"

namespace fs = std::filesystem;

namespace {

// The kit is where ./proctor lives (it exports PROCTOR_KIT), or the nearest
// folder above the current one that holds WORKSPACE and labs/.
fs::path find_kit() {
  if (const char* kit = std::getenv("PROCTOR_KIT"); kit != nullptr && *kit != '\0') return kit;
  for (fs::path dir = fs::current_path(); !dir.empty(); dir = dir.parent_path()) {
    if (fs::exists(dir / "WORKSPACE") && fs::is_directory(dir / "labs")) return dir;
    if (dir == dir.root_path()) break;
  }
  return fs::current_path();
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"proctor: build, test and grade the processes-and-threads labs"};
  app.require_subcommand(1);
  proctor::cli::Common common;
  app.add_option("-j,--jobs", common.jobs, "test runs in parallel (default: one per core)")
      ->check(CLI::Range(1, 256));

  std::string lab;
  std::vector<std::string> submissions;
  std::string out;
  bool regrade = false;

  auto* grade = app.add_subcommand("grade", "grade submissions (folders, .tar.gz or .zip)");
  grade->add_option("LAB", lab, "lab number or folder, e.g. 01 or 01_processes")->required();
  grade->add_option("SUBMISSION", submissions,
                    "a submission, or a folder holding one per student (named by id)")
      ->required();
  grade->add_option("-o,--out", out, "where results go (default: out/grades/LAB)");
  grade->add_flag("--regrade", regrade, "grade again submissions that already have results");

  auto* check = app.add_subcommand("check", "run the public tests on your work and show your score");
  check->add_option("LAB", lab, "lab number or folder, e.g. 01")->required();

  auto* pack = app.add_subcommand("pack", "make your submission archive (checked to build first)");
  pack->add_option("LAB", lab, "lab number or folder, e.g. 01")->required();

  std::string target;
  auto* release = app.add_subcommand("release", "write the student kit (no solutions, no hidden tests)");
  release->add_option("OUT", target, "an empty or new folder")->required();

  auto* gradescope = app.add_subcommand("export-gradescope", "write a Gradescope autograder zip for a lab");
  gradescope->add_option("LAB", lab, "lab number or folder, e.g. 01")->required();
  gradescope->add_option("OUT", target, "the zip to write, e.g. lab01-autograder.zip")->required();

  auto* bench = app.add_subcommand("bench", "measure process and thread costs on this machine");
  bench->add_option("-o,--out", out, "where the table, CSV, JSON and plots go (default: out/bench)");

  auto* docs = app.add_subcommand("docs", "build the documentation site (out/docs/html)");

  auto* demo = app.add_subcommand("demo", "grade the bundled sample submissions of every lab");
  demo->add_option("-o,--out", out, "where results go (default: out/demo)");

  auto* selftest = app.add_subcommand(
      "selftest", "run the kit's tests and check every graded test against reference and skeleton");
  bool update_golden = false;
  selftest->add_flag("--update-golden", update_golden,
                     "rewrite the samples' golden results (review the diff!)");

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return e.get_exit_code() == 0 ? app.exit(e) : (app.exit(e), 2);
  }

  try {
    const proctor::Kit kit(find_kit());
    if (*grade) {
      return proctor::cli::grade(kit, lab, submissions,
                                 out.empty() ? kit.root() / "out" / "grades" : fs::path(out),
                                 regrade, common);
    }
    if (*check) return proctor::cli::check(kit, lab, common);
    if (*docs) return proctor::cli::docs(kit);
    if (*bench) {
      return proctor::cli::bench(kit, out.empty() ? kit.root() / "out" / "bench" : fs::path(out));
    }
    if (*pack) return proctor::cli::pack(kit, lab);
    if (*release) return proctor::cli::release(kit, target);
    if (*gradescope) return proctor::cli::export_gradescope(kit, lab, target);
    if (*demo) {
      return proctor::cli::demo(kit, out.empty() ? kit.root() / "out" / "demo" : fs::path(out),
                                common);
    }
    if (*selftest) return proctor::cli::selftest(kit, update_golden, common);
  } catch (const std::exception& e) {
    proctor::cli::error(e.what());
    return 1;
  }
  return 2;
}
