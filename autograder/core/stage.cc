#include "autograder/core/stage.h"

#include <archive.h>
#include <archive_entry.h>

#include <algorithm>
#include <fstream>
#include <memory>
#include <regex>
#include <sstream>
#include <stdexcept>

#include "autograder/core/files.h"

namespace proctor {
namespace {

namespace fs = std::filesystem;

// Largest student source file taken from a folder submission.
constexpr std::uintmax_t kMaxSourceBytes = 1u << 20;

bool ends_with(const std::string& text, const std::string& suffix) {
  return text.size() >= suffix.size() &&
         text.compare(text.size() - suffix.size(), suffix.size(), suffix) == 0;
}

void check_entry_path(const std::string& name) {
  if (name.empty() || name.front() == '/') {
    throw std::runtime_error("archive entry '" + name + "' has an absolute path");
  }
  for (const auto& part : fs::path(name)) {
    if (part == "..") throw std::runtime_error("archive entry '" + name + "' climbs out with '..'");
  }
}

// Every regular file under `root`, relative, sorted; links are reported as such.
std::vector<std::string> list_files(const fs::path& root) {
  std::vector<std::string> files;
  for (auto it = fs::recursive_directory_iterator(root); it != fs::recursive_directory_iterator();
       ++it) {
    if (it->is_symlink() || it->is_regular_file()) {
      files.push_back(fs::relative(it->path(), root).string());
    }
  }
  std::sort(files.begin(), files.end());
  return files;
}

}  // namespace

std::vector<std::string> review_notes(const std::string& file, const std::string& text) {
  static const std::vector<std::pair<std::regex, std::string>> patterns = {
      {std::regex(R"(catch2|Catch::|CATCH_|catch\.hpp)"), "uses the test framework"},
      {std::regex(R"(OverallResult|<TestCase|All tests passed)"), "writes test-report text"},
      {std::regex(R"(/proc/self/cmdline|program_invocation|\bargv\b.*\bmain\b)"),
       "reads the test process's command line"},
      {std::regex(R"(\bgetenv\b|\benviron\b)"), "reads the environment"},
      {std::regex(R"(\batexit\b|at_quick_exit|__attribute__\s*\(\(\s*(constructor|destructor))"),
       "runs code before main or at exit"},
      {std::regex(R"(\bptrace\b|process_vm_)"), "inspects other processes"},
  };
  std::vector<std::string> notes;
  std::istringstream in(text);
  std::string line;
  for (int number = 1; std::getline(in, line); ++number) {
    for (const auto& [pattern, why] : patterns) {
      if (!std::regex_search(line, pattern)) continue;
      notes.push_back(file + ":" + std::to_string(number) + ": " + why + ": " +
                      line.substr(0, 120));
      break;
    }
  }
  return notes;
}

bool is_archive(const fs::path& path) {
  const std::string name = path.filename().string();
  return ends_with(name, ".tar.gz") || ends_with(name, ".tgz") || ends_with(name, ".tar") ||
         ends_with(name, ".zip");
}

void unpack_archive(const fs::path& archive_path, const fs::path& into, const UnpackLimits& limits) {
  std::unique_ptr<archive, decltype(&archive_read_free)> reader(archive_read_new(),
                                                                &archive_read_free);
  archive_read_support_filter_gzip(reader.get());
  archive_read_support_format_tar(reader.get());
  archive_read_support_format_gnutar(reader.get());
  archive_read_support_format_zip(reader.get());
  if (archive_read_open_filename(reader.get(), archive_path.c_str(), 64 * 1024) != ARCHIVE_OK) {
    throw std::runtime_error("cannot open archive '" + archive_path.string() +
                             "': " + archive_error_string(reader.get()));
  }
  std::size_t files = 0;
  std::size_t total = 0;
  archive_entry* entry = nullptr;
  int status;
  while ((status = archive_read_next_header(reader.get(), &entry)) == ARCHIVE_OK) {
    const char* raw_name = archive_entry_pathname(entry);
    const std::string name = raw_name ? raw_name : "";
    check_entry_path(name);
    const auto type = archive_entry_filetype(entry);
    if (type == AE_IFDIR) {
      fs::create_directories(into / name);
      continue;
    }
    if (type != AE_IFREG || archive_entry_hardlink(entry) != nullptr) {
      throw std::runtime_error("archive entry '" + name +
                               "' is a link or special file; only regular files are accepted");
    }
    if (++files > limits.max_files) {
      throw std::runtime_error("archive holds more than " + std::to_string(limits.max_files) +
                               " files");
    }
    const fs::path target = into / name;
    fs::create_directories(target.parent_path());
    std::ofstream out(target, std::ios::binary);
    std::size_t size = 0;
    char buf[64 * 1024];
    la_ssize_t n;
    while ((n = archive_read_data(reader.get(), buf, sizeof buf)) > 0) {
      size += static_cast<std::size_t>(n);
      total += static_cast<std::size_t>(n);
      if (size > limits.max_file_bytes) {
        throw std::runtime_error("archive entry '" + name + "' is larger than " +
                                 std::to_string(limits.max_file_bytes >> 20) + " MiB");
      }
      if (total > limits.max_total_bytes) {
        throw std::runtime_error("archive unpacks to more than " +
                                 std::to_string(limits.max_total_bytes >> 20) + " MiB");
      }
      out.write(buf, n);
    }
    if (n < 0) {
      throw std::runtime_error("archive entry '" + name +
                               "' is damaged: " + archive_error_string(reader.get()));
    }
    out.close();
    // Keep the execute bits (scripts in a Gradescope zip), never set-id bits.
    const auto perms = static_cast<fs::perms>((archive_entry_perm(entry) & 0755) | 0600);
    fs::permissions(target, perms);
  }
  if (status != ARCHIVE_EOF) {
    throw std::runtime_error("cannot read archive '" + archive_path.string() +
                             "': " + archive_error_string(reader.get()));
  }
}

std::string safe_id(const std::string& raw) {
  std::string id;
  for (char c : raw) {
    id += (std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_') ? c : '_';
  }
  if (id.empty() || id.front() == '_') id = "s" + id;  // Leading '_' is reserved for the kit.
  return id.substr(0, 100);
}

std::string staged_build_file(const Lab& lab, const std::vector<std::string>& files) {
  std::string srcs;
  for (const auto& file : files) {
    // Written answers (.md, .txt) travel with the submission but are not code.
    if (ends_with(file, ".cc") || ends_with(file, ".h")) srcs += "\"" + file + "\", ";
  }
  const std::string header = "//labs/" + lab.id + ":" + lab.library + "_header";
  std::string text =
      "# Generated by proctor: one submission linked against the kit's tests.\n"
      "load(\"@rules_cc//cc:defs.bzl\", \"cc_binary\", \"cc_library\")\n\n"
      "cc_library(\n"
      "    name = \"impl\",\n"
      "    srcs = [" + srcs + "],\n"
      "    copts = [\"-Wall\", \"-Wextra\"],\n"
      "    tags = [\"manual\"],\n"
      "    deps = [\"" + header + "\"],\n"
      // The tests are linked first and need the submission's symbols.
      "    alwayslink = True,\n"
      ")\n";
  auto binary = [&](const std::string& name, const std::string& tests) {
    text += "\ncc_binary(\n"
            "    name = \"" + name + "\",\n"
            "    tags = [\"manual\"],\n"
            "    deps = [\":impl\", \"" + tests + "\", \"//testing:catch_main\"],\n"
            ")\n";
  };
  binary("public_test", "//labs/" + lab.id + ":public_tests");
  if (lab.has_hidden_tests) binary("hidden_test", "//autograder/hidden/" + lab.id + ":hidden_tests");
  return text;
}

Staged stage_submission(const Kit& kit, const Lab& lab, const std::string& id,
                        const fs::path& source) {
  Staged staged;
  staged.id = id;
  staged.source = source;
  staged.package = ".proctor/stage/" + lab.id + "/" + id;
  const fs::path dir = kit.root() / staged.package;
  std::error_code ec;
  fs::remove_all(dir, ec);
  fs::create_directories(dir);
  fs::path root = source;
  try {
    if (fs::is_regular_file(source) && is_archive(source)) {
      root = kit.work_dir() / "unpacked" / lab.id / id;
      fs::remove_all(root, ec);
      fs::create_directories(root);
      unpack_archive(source, root);
    } else if (!fs::is_directory(source)) {
      throw std::runtime_error("'" + source.string() +
                               "' is neither a folder nor a .tar.gz/.tgz/.tar/.zip archive");
    }
    // Submissions made with `proctor pack` hold labs/<lab>/<file>; a plain
    // upload holds the files at its top.
    const fs::path nested = fs::path("labs") / lab.id;
    std::vector<std::string> all = list_files(root);
    std::vector<std::string> used;
    for (const auto& file : lab.student_files) {
      fs::path found;
      for (const fs::path& candidate : {fs::path(file), nested / file}) {
        if (fs::exists(fs::symlink_status(root / candidate))) {
          found = candidate;
          break;
        }
      }
      if (found.empty()) {
        staged.missing.push_back(file);
        fs::copy_file(lab.dir / file, dir / file);
        continue;
      }
      const fs::path from = root / found;
      if (fs::is_symlink(from) || !fs::is_regular_file(from)) {
        throw std::runtime_error("'" + found.string() + "' is a link or not a regular file");
      }
      if (fs::file_size(from) > kMaxSourceBytes) {
        throw std::runtime_error("'" + found.string() + "' is larger than 1 MiB");
      }
      fs::copy_file(from, dir / file);
      for (auto& note : review_notes(file, read_file(dir / file))) staged.review.push_back(note);
      staged.taken.push_back(file);
      used.push_back(found.string());
    }
    for (const auto& file : all) {
      if (std::find(used.begin(), used.end(), file) == used.end()) staged.ignored.push_back(file);
    }
  } catch (const std::exception& e) {
    staged.problem = e.what();
    fs::remove_all(dir, ec);
    return staged;
  }
  std::ofstream(dir / "BUILD") << staged_build_file(lab, lab.student_files);
  return staged;
}

}  // namespace proctor
