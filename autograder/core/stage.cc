#include "autograder/core/stage.h"

#include <archive.h>
#include <archive_entry.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <fstream>
#include <memory>
#include <regex>
#include <sstream>
#include <stdexcept>
#include <system_error>

#include "autograder/core/files.h"

namespace proctor {
namespace {

namespace fs = std::filesystem;

// Largest student source file taken from a submission.
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

// Every regular file under `root`, relative, sorted; links are reported as
// such. Version control and build output of a whole checkout are skipped.
std::vector<std::string> list_files(const fs::path& root) {
  std::vector<std::string> files;
  for (auto it = fs::recursive_directory_iterator(root); it != fs::recursive_directory_iterator();
       ++it) {
    const std::string name = it->path().filename().string();
    if (it->is_directory() && !it->is_symlink() &&
        (name == ".git" || name == ".proctor" || name == "__MACOSX")) {
      it.disable_recursion_pending();
      continue;
    }
    if (it->is_symlink() || it->is_regular_file()) {
      // Lexically: fs::relative would resolve a link to wherever it points.
      files.push_back(it->path().lexically_relative(root).string());
    }
  }
  std::sort(files.begin(), files.end());
  return files;
}

}  // namespace

namespace {

// The text the preprocessor sees: continued lines joined (line numbers kept
// by moving the lost newlines to the end of the joined line), comments
// replaced by a space, raw string literals blanked (one may span lines that
// look like directives); string and character literals kept.
enum class RawStrings { blank, keep };

std::string preprocessor_view(const std::string& text, RawStrings raw = RawStrings::blank) {
  std::string joined;
  int owed = 0;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '\\' && i + 1 < text.size() && text[i + 1] == '\n') {
      ++i;
      ++owed;
      continue;
    }
    joined += text[i];
    if (text[i] == '\n') {
      joined.append(static_cast<std::size_t>(owed), '\n');
      owed = 0;
    }
  }
  std::string out;
  for (std::size_t i = 0; i < joined.size();) {
    const char c = joined[i];
    if (c == '/' && i + 1 < joined.size() && joined[i + 1] == '/') {
      while (i < joined.size() && joined[i] != '\n') ++i;
      out += ' ';
    } else if (c == '/' && i + 1 < joined.size() && joined[i + 1] == '*') {
      const auto end = joined.find("*/", i + 2);
      const std::size_t stop = end == std::string::npos ? joined.size() : end + 2;
      out += ' ';
      out.append(
          static_cast<std::size_t>(std::count(joined.begin() + i, joined.begin() + stop, '\n')),
          '\n');
      i = stop;
    } else if (c == 'R' && i + 1 < joined.size() && joined[i + 1] == '"') {
      const auto open = joined.find('(', i + 2);
      const std::string delimiter =
          open == std::string::npos ? "" : ")" + joined.substr(i + 2, open - i - 2) + "\"";
      const auto end = open == std::string::npos ? open : joined.find(delimiter, open);
      const std::size_t stop = end == std::string::npos ? joined.size() : end + delimiter.size();
      // A raw string's lines are never directives: its text is blanked
      // (kept for the review notes, which look at literals too), its
      // newlines kept.
      for (std::size_t j = i; j < stop; ++j) {
        out += joined[j] == '\n' || raw == RawStrings::keep ? joined[j] : ' ';
      }
      i = stop;
    } else if (c == '"' || c == '\'') {
      std::size_t j = i + 1;
      while (j < joined.size() && joined[j] != c && joined[j] != '\n')
        j += joined[j] == '\\' ? 2 : 1;
      const std::size_t stop = std::min(j + 1, joined.size());
      out += joined.substr(i, stop - i);
      i = stop;
    } else {
      out += c;
      ++i;
    }
  }
  return out;
}

}  // namespace

std::string compile_time_reach(const std::string& file, const std::string& text) {
  static const std::regex directive(R"(^\s*#\s*(include|include_next|import|embed)\b\s*(.*))");
  static const std::regex incbin(R"(incbin)", std::regex::icase);
  // __has_include answers whether a file exists: one bit, but any file's.
  static const std::regex has_include(R"(__has_include(_next)?\s*\(\s*(.?))");
  std::istringstream in(preprocessor_view(text));
  std::string line;
  for (int number = 1; std::getline(in, line); ++number) {
    const std::string where = file + ":" + std::to_string(number) + ": ";
    std::smatch match;
    if (std::regex_search(line, incbin)) {
      return where + "embeds a file with .incbin: " + line.substr(0, 120);
    }
    for (auto it = std::sregex_iterator(line.begin(), line.end(), has_include);
         it != std::sregex_iterator(); ++it) {
      const std::string rest = line.substr(static_cast<std::size_t>(it->position(2)));
      const char open = rest.empty() ? '\0' : rest.front();
      const auto close = rest.find(open == '"' ? '"' : '>', 1);
      const std::string name = open == '"' || open == '<'
                                   ? rest.substr(1, close == std::string::npos ? close : close - 1)
                                   : "";
      if (name.empty() || name.front() == '/' || name.find("..") != std::string::npos) {
        return where + "asks about a file outside the submission: " + line.substr(0, 120);
      }
    }
    if (!std::regex_search(line, match, directive)) continue;
    if (match[1] == "embed") return where + "embeds a file with #embed: " + line.substr(0, 120);
    const std::string target = match[2];
    const char open = target.empty() ? '\0' : target.front();
    if (open != '"' && open != '<') {
      return where + "includes a file whose name a macro computes: " + line.substr(0, 120);
    }
    const auto close = target.find(open == '"' ? '"' : '>', 1);
    const std::string name = target.substr(1, close == std::string::npos ? close : close - 1);
    if (name.empty() || name.front() == '/' || name.find("..") != std::string::npos) {
      return where + "includes a file outside the submission: " + line.substr(0, 120);
    }
  }
  return "";
}

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
  // Comments are not code: only what the compiler reads is looked at
  // (string literals included, raw ones too); the note quotes the line as
  // written.
  std::vector<std::string> notes;
  std::istringstream code(preprocessor_view(text, RawStrings::keep));
  std::istringstream as_written(text);
  std::string line;
  std::string written;
  for (int number = 1; std::getline(code, line); ++number) {
    std::getline(as_written, written);
    for (const auto& [pattern, why] : patterns) {
      if (!std::regex_search(line, pattern)) continue;
      notes.push_back(file + ":" + std::to_string(number) + ": " + why + ": " +
                      written.substr(0, 120));
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

void unpack_archive(const fs::path& archive_path, const fs::path& into,
                    const UnpackLimits& limits) {
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
    // Folders count too: an archive of endless empty folders is no cheaper
    // to unpack than one of files.
    if (++files > limits.max_files) {
      throw std::runtime_error("archive holds more than " + std::to_string(limits.max_files) +
                               " files and folders");
    }
    const auto type = archive_entry_filetype(entry);
    if (type == AE_IFDIR) {
      fs::create_directories(into / name);
      continue;
    }
    if (type != AE_IFREG || archive_entry_hardlink(entry) != nullptr) {
      throw std::runtime_error("archive entry '" + name +
                               "' is a link or special file; only regular files are accepted");
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
    if (is_source_file(file)) srcs += "\"" + file + "\", ";
  }
  if (!srcs.empty()) srcs.resize(srcs.size() - 2);
  return "# Generated by proctor: one submission linked against the kit's tests.\n"
         "load(\"//bazel:submission.bzl\", \"submission\")\n\n"
         "submission(\n"
         "    hidden_tests = " +
         std::string(lab.has_hidden_tests ? "True" : "False") +
         ",\n"
         "    lab = \"" +
         lab.id +
         "\",\n"
         "    library = \"" +
         lab.library +
         "\",\n"
         "    srcs = [" +
         srcs +
         "],\n"
         ")\n";
}

Located locate_files(const Lab& lab, const fs::path& root) {
  Located located;
  located.all = list_files(root);
  const fs::path nested = fs::path("labs") / lab.id;
  for (const auto& file : lab.student_files) {
    std::vector<fs::path> elsewhere;
    fs::path found;
    for (const auto& entry : located.all) {
      const fs::path path(entry);
      if (path.filename() != file) continue;
      if (path == file || path == nested / file) {
        // The top wins over labs/<lab>/, which wins over anywhere else.
        if (found.empty() || path == file) found = path;
      } else {
        elsewhere.push_back(path);
      }
    }
    if (found.empty() && elsewhere.size() == 1) found = elsewhere.front();
    if (found.empty() && elsewhere.size() > 1) {
      std::string places;
      for (const auto& path : elsewhere) places += "\n  " + path.string();
      throw std::runtime_error("the submission holds " + std::to_string(elsewhere.size()) +
                               " files named " + file + " and none at its top:" + places +
                               "\nSubmit exactly one " + file + ".");
    }
    if (found.empty()) {
      located.missing.push_back(file);
    } else {
      located.found.emplace_back(file, found);
    }
  }
  return located;
}

namespace {

// What to tell someone whose upload holds none of the lab's files.
std::string what_to_upload(const Lab& lab, const std::vector<std::string>& held) {
  std::string names;
  for (const auto& file : lab.student_files) names += (names.empty() ? "" : ", ") + file;
  std::string out =
      "The submission holds none of the files lab " + lab.id + " grades (" + names + ").";
  if (held.empty()) {
    out += " It is empty.";
  } else {
    out += " It holds:";
    for (std::size_t i = 0; i < held.size() && i < 12; ++i) out += " " + held[i];
    if (held.size() > 12) out += " and " + std::to_string(held.size() - 12) + " more";
    out += ".";
  }
  return out + "\nUpload " + names + ", named exactly so, or the archive `./proctor pack " +
         lab.number + "` writes (out/" + lab.id + "-submission.tar.gz).";
}

// The name of a staged package: the digest of every file in it, names and
// contents (the sources, the skeleton's files put in for missing ones, the
// BUILD file), 24 hex digits.
std::string package_key(const fs::path& dir) {
  std::vector<std::string> names;
  for (const auto& entry : fs::directory_iterator(dir)) names.push_back(entry.path().filename());
  std::sort(names.begin(), names.end());
  Digest digest;
  for (const auto& name : names) digest.add_file(name, dir / name);
  return digest.hex().substr(0, 24);
}

// The digest of what the grade depends on from a staged submission.
std::string staged_digest(const Staged& staged, const fs::path& dir) {
  Digest digest;
  if (!staged.problem.empty()) return digest.add("rejected").add(staged.problem).hex();
  for (const auto& file : staged.taken) digest.add_file(file, dir / file);
  for (const auto& file : staged.missing) digest.add("missing").add(file);
  for (const auto& file : staged.ignored) digest.add("ignored").add(file);
  return digest.hex();
}

}  // namespace

OpenedSubmission open_submission(const Lab& lab, const fs::path& source, const fs::path& unpacked) {
  OpenedSubmission opened;
  opened.root = source;
  if (fs::is_regular_file(source) && is_archive(source)) {
    opened.root = unpacked / "archive";
    fs::create_directories(opened.root);
    unpack_archive(source, opened.root);
  } else if (!fs::is_directory(source)) {
    throw std::runtime_error("'" + source.string() +
                             "' is neither a folder nor a .tar.gz/.tgz/.tar/.zip archive");
  }
  opened.located = locate_files(lab, opened.root);
  if (opened.located.found.empty()) {
    // An upload of the archive `proctor pack` writes, beside nothing else
    // the lab grades (Gradescope puts uploads in a folder).
    std::vector<std::string> archives;
    for (const auto& file : opened.located.all) {
      if (is_archive(file)) archives.push_back(file);
    }
    if (archives.size() == 1 && opened.root == source) {
      const fs::path inner_root = unpacked / "inner";
      fs::create_directories(inner_root);
      unpack_archive(source / archives.front(), inner_root);
      Located inner = locate_files(lab, inner_root);
      if (!inner.found.empty()) {
        opened.ignored = opened.located.all;
        opened.ignored.erase(
            std::find(opened.ignored.begin(), opened.ignored.end(), archives.front()));
        opened.located = std::move(inner);
        opened.root = inner_root;
      }
    }
  }
  if (opened.located.found.empty()) {
    throw std::runtime_error(what_to_upload(lab, opened.located.all));
  }
  return opened;
}

fs::path checked_source(const OpenedSubmission& opened, const fs::path& found) {
  const fs::path path = opened.root / found;
  if (fs::is_symlink(path) || !fs::is_regular_file(path)) {
    throw std::runtime_error("'" + found.string() + "' is a link or not a regular file");
  }
  if (fs::file_size(path) > kMaxSourceBytes) {
    throw std::runtime_error("'" + found.string() + "' is larger than 1 MiB");
  }
  return path;
}

bool is_source_file(const std::string& file) {
  return ends_with(file, ".cc") || ends_with(file, ".h");
}

Staged stage_submission(const Kit& kit, const Lab& lab, const std::string& id,
                        const fs::path& source) {
  Staged staged;
  staged.id = id;
  staged.source = source;
  staged.package = kStagePackages + lab.id + "/" + id;
  const fs::path dir = kit.root() / staged.package;
  const fs::path unpacked = kit.work_dir() / "unpacked" / lab.id / id;
  std::error_code ec;
  fs::remove_all(dir, ec);
  fs::remove_all(unpacked, ec);
  fs::create_directories(dir);
  try {
    OpenedSubmission opened = open_submission(lab, source, unpacked);
    const Located& located = opened.located;
    staged.ignored = std::move(opened.ignored);
    std::vector<std::string> used;
    for (const auto& [file, found] : located.found) {
      fs::copy_file(checked_source(opened, found), dir / file);
      const std::string text = read_file(dir / file);
      if (const std::string reach = compile_time_reach(file, text); !reach.empty()) {
        throw std::runtime_error(reach +
                                 "\nInclude only the lab's headers and the standard library's, "
                                 "by their usual names.");
      }
      for (auto& note : review_notes(file, text)) staged.review.push_back(note);
      staged.taken.push_back(file);
      used.push_back(found.string());
    }
    for (const auto& file : located.missing) {
      staged.missing.push_back(file);
      fs::copy_file(lab.skeleton_dir / file, dir / file);
    }
    for (const auto& file : located.all) {
      if (std::find(used.begin(), used.end(), file) == used.end()) staged.ignored.push_back(file);
    }
    std::sort(staged.ignored.begin(), staged.ignored.end());
  } catch (const std::exception& e) {
    staged.problem = e.what();
    staged.taken.clear();
    staged.missing.clear();
    staged.ignored.clear();
    staged.review.clear();
    fs::remove_all(dir, ec);
    fs::remove_all(unpacked, ec);
    staged.digest = staged_digest(staged, dir);
    return staged;
  }
  fs::remove_all(unpacked, ec);  // Only the staged copies are needed from here on.
  staged.digest = staged_digest(staged, dir);
  write_atomically(dir / "BUILD", staged_build_file(lab, lab.student_files));
  // The package is named by what it holds, so that identical submissions
  // (two students' same files, the same student graded on another machine)
  // are one Bazel package: built once, and found in a shared cache.
  const std::string package =
      kStagePackages + lab.id + "/" + kContentPackages + "/" + package_key(dir);
  const fs::path content = kit.root() / package;
  fs::create_directories(content.parent_path());
  if (::rename(dir.c_str(), content.c_str()) != 0) {
    // Already there (ENOTEMPTY, EEXIST): the same files, by their digest.
    if (errno != ENOTEMPTY && errno != EEXIST) {
      throw std::system_error(errno, std::generic_category(),
                              "cannot move " + dir.string() + " to " + content.string());
    }
    fs::remove_all(dir, ec);
    // In use again: not old (see sweep_staged_packages).
    fs::last_write_time(content, fs::file_time_type::clock::now(), ec);
  }
  staged.package = package;
  return staged;
}

void sweep_staged_packages(const Kit& kit, const Lab& lab, std::chrono::hours age) {
  const fs::path lab_dir = kit.root() / kStagePackages / lab.id;
  const auto old = fs::file_time_type::clock::now() - age;
  const auto sweep = [&](const fs::path& dir, bool keep_content) {
    std::error_code ec;
    for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
      if (keep_content && it->path().filename() == kContentPackages) continue;
      std::error_code stat_error;
      const auto written = fs::last_write_time(it->path(), stat_error);
      if (!stat_error && written < old) fs::remove_all(it->path(), stat_error);
    }
  };
  sweep(lab_dir / kContentPackages, false);
  // Folders under students' names are left only by a grader that was
  // killed while staging (or by kits before packages were named by content).
  sweep(lab_dir, true);
}

}  // namespace proctor
