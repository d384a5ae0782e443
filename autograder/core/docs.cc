#include "autograder/core/docs.h"

#include <algorithm>
#include <stdexcept>

#include "autograder/core/files.h"
#include "autograder/core/process.h"

namespace proctor {

namespace fs = std::filesystem;

Site build_docs(const Kit& kit) {
  const fs::path site = kit.root() / "out" / "docs" / "html";
  std::error_code ec;
  fs::remove_all(site, ec);
  fs::create_directories(site.parent_path());  // Doxygen makes only the last level.
  // The labs' inputs follow from the labs present.
  std::string config = "@INCLUDE = docs/Doxyfile\n";
  for (const Lab& lab : kit.labs()) {
    config += "INPUT += " + fs::relative(lab.dir / "README.md", kit.root()).string();
    std::vector<fs::path> headers;
    for (const auto& entry : fs::directory_iterator(lab.dir)) {
      if (entry.path().extension() == ".h") headers.push_back(entry.path());
    }
    std::sort(headers.begin(), headers.end());
    for (const auto& header : headers) config += " " + fs::relative(header, kit.root()).string();
    config += "\n";
  }
  const fs::path generated = kit.work_dir() / "docs" / "Doxyfile";
  write_atomically(generated, config);
  const fs::path log = kit.work_dir() / "logs" / "doxygen.log";
  fs::create_directories(log.parent_path());
  const Exit ran = run_logged({"doxygen", generated.string()}, kit.root(), log);
  const std::string warnings = read_file(log);
  if (!ran.ok() || !warnings.empty()) {
    throw std::runtime_error("the docs have warnings (they count as errors; Doxygen ended with " +
                             ran.describe() + "):\n" + warnings);
  }
  Site built{site / "index.html", 0};
  if (!fs::exists(built.index))
    throw std::runtime_error("Doxygen wrote no " + built.index.string());
  for (const auto& entry : fs::directory_iterator(site))
    built.pages += entry.path().extension() == ".html";
  return built;
}

void run_bench(const Kit& kit, const fs::path& out) {
  const Lab& lab = kit.find("04");
  const bool reference = lab.has_solution;
  std::vector<std::string> build{"bazel", "build", "--color=no", "--curses=no"};
  if (reference) build.push_back("--config=solution");
  build.push_back("//autograder/bench:bench");
  const fs::path log = kit.work_dir() / "logs" / "build-bench.log";
  fs::create_directories(log.parent_path());
  if (!run_logged(build, kit.root(), log).ok()) {
    throw std::runtime_error("the bench does not build; see " + log.string());
  }
  // --config=solution builds into the same output tree as plain builds.
  const fs::path binary = kit.root() / "bazel-bin" / "autograder" / "bench" / "bench";
  const Exit ran = run_logged({binary.string(), fs::absolute(out).string()}, kit.root(), "");
  if (!ran.ok()) throw std::runtime_error("the bench failed (" + ran.describe() + ")");
}

}  // namespace proctor
