// proctor: the kit's command line. Flags are parsed here; the work is done by
// the commands in commands.cc on top of the grading library in core/.

#include <CLI/CLI.hpp>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <optional>

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
  // The kit decides which commands exist: a student kit offers only those
  // that work there. A kit that cannot be read is reported after parsing, so
  // that --help still works.
  std::optional<proctor::Kit> kit;
  std::string kit_problem;
  try {
    kit.emplace(find_kit());
  } catch (const std::exception& e) {
    kit_problem = e.what();
  }
  const bool instructor = !kit || kit->edition() == proctor::Edition::instructor;

  CLI::App app{instructor ? "proctor: build, test and grade the processes-and-threads labs"
                          : "proctor: check and pack your work on the processes-and-threads labs"};
  app.require_subcommand(1);
  proctor::cli::Common common;
  app.add_option("-j,--jobs", common.jobs, "test runs in parallel (default: one per core)")
      ->check(CLI::Range(1, 256));

  std::string lab;
  std::string out;
  std::string target;
  proctor::cli::GradeRequest request;
  CLI::App* grade = nullptr;
  CLI::App* release = nullptr;
  CLI::App* gradescope = nullptr;
  CLI::App* demo = nullptr;
  if (instructor) {
    grade = app.add_subcommand("grade", "grade submissions (folders, .tar.gz or .zip)");
    grade->add_option("LAB", request.lab, "lab number or folder, e.g. 01 or 01_processes")
        ->required();
    grade
        ->add_option("SUBMISSION", request.paths,
                     "a submission, or a folder holding one per student (named by id)")
        ->required();
    grade->add_option("-o,--out", out, "where results go (default: out/grades/LAB)");
    grade->add_flag("--regrade", request.regrade,
                    "grade again submissions whose recorded result still stands");
    grade->add_option("--id", request.id,
                      "grade the one SUBMISSION given as this student, whatever its shape");
    grade->add_flag("--accept-weak-isolation", request.accept_weak_isolation,
                    "grade even where test runs get less than the kit's minimum isolation "
                    "(see proctor doctor); every report says so");
  }

  auto* check =
      app.add_subcommand("check", "run the public tests on your work and show your score");
  check->add_option("LAB", lab, "lab number or folder, e.g. 01")->required();

  auto* pack = app.add_subcommand("pack", "make your submission archive (checked to build first)");
  pack->add_option("LAB", lab, "lab number or folder, e.g. 01")->required();

  if (instructor) {
    release =
        app.add_subcommand("release", "write the student kit (no solutions, no hidden tests)");
    release->add_option("OUT", target, "an empty or new folder")->required();

    gradescope =
        app.add_subcommand("export-gradescope", "write a Gradescope autograder zip for a lab");
    gradescope->add_option("LAB", lab, "lab number or folder, e.g. 01")->required();
    gradescope->add_option("OUT", target, "the zip to write, e.g. lab01-autograder.zip")
        ->required();
  }

  auto* bench = app.add_subcommand("bench", "measure process and thread costs on this machine");
  bench->add_option("-o,--out", out,
                    "where the table, CSV, JSON and plots go (default: out/bench)");

  auto* docs = app.add_subcommand("docs", "build the documentation site (out/docs/html)");

  auto* doctor =
      app.add_subcommand("doctor", "show which isolation layers this machine gives test runs");

  if (instructor) {
    demo = app.add_subcommand("demo", "grade the bundled sample submissions of every lab");
    demo->add_option("-o,--out", out, "where results go (default: out/demo)");
  }

  auto* selftest = app.add_subcommand(
      "selftest",
      instructor ? "run the kit's tests and check every graded test against reference and skeleton"
                 : "check that the kit builds and every public test fails on the skeletons");
  bool update_golden = false;
  std::string only;
  selftest->add_option("--only", only, "run only the checks whose name contains this text");
  int flake = 1;
  if (instructor) {
    selftest->add_flag("--update-golden", update_golden,
                       "rewrite the samples' golden results (review the diff!)");
    selftest
        ->add_option("--flake", flake,
                     "copies of each lab's reference and correct variants graded with every "
                     "core busy (0 leaves that check out)")
        ->check(CLI::Range(0, 1000));
  }

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return e.get_exit_code() == 0 ? app.exit(e) : (app.exit(e), 2);
  }

  if (!kit) {
    proctor::cli::error(kit_problem);
    return 1;
  }
  try {
    if (grade != nullptr && *grade) {
      request.out = out;
      return proctor::cli::grade(*kit, request, common);
    }
    if (*check) return proctor::cli::check(*kit, lab, common);
    if (*docs) return proctor::cli::docs(*kit);
    if (*doctor) return proctor::cli::doctor();
    if (*bench) {
      return proctor::cli::bench(*kit, out.empty() ? kit->root() / "out" / "bench" : fs::path(out));
    }
    if (*pack) return proctor::cli::pack(*kit, lab);
    if (release != nullptr && *release) return proctor::cli::release(*kit, target);
    if (gradescope != nullptr && *gradescope)
      return proctor::cli::export_gradescope(*kit, lab, target);
    if (demo != nullptr && *demo) {
      return proctor::cli::demo(*kit, out.empty() ? kit->root() / "out" / "demo" : fs::path(out),
                                common);
    }
    if (*selftest) return proctor::cli::selftest(*kit, update_golden, flake, only, common);
  } catch (const std::invalid_argument& e) {
    proctor::cli::error(e.what());
    return 2;
  } catch (const std::exception& e) {
    proctor::cli::error(e.what());
    return 1;
  }
  return 2;
}
