#include "autograder/core/bazel.h"

#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <fstream>
#include <iterator>
#include <nlohmann/json.hpp>
#include <optional>
#include <regex>
#include <sstream>
#include <stdexcept>
#include <thread>

#include "autograder/core/files.h"
#include "autograder/core/process.h"

namespace proctor {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

std::string strip_newline(std::string text) {
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r')) text.pop_back();
  return text;
}

// One process of the machine, as far as a compile watch needs it.
struct CompilerProcess {
  pid_t pid = 0;
  // The package of the submission file it compiles.
  std::string package;
  double age_seconds = 0;
  std::size_t resident_bytes = 0;
};

// Compiler processes (the driver and cc1plus alike) working on a source file
// under `under`: their command line names it as "<under>.../<file>.cc".
std::vector<CompilerProcess> compilers_of(const std::string& under) {
  std::vector<CompilerProcess> found;
  double uptime = 0;
  std::ifstream("/proc/uptime") >> uptime;
  const double ticks = static_cast<double>(::sysconf(_SC_CLK_TCK));
  for (pid_t pid : process_ids()) {
    const fs::path proc = "/proc/" + std::to_string(pid);
    std::ifstream cmdline_file(proc / "cmdline");
    std::string cmdline;
    try {
      cmdline.assign(std::istreambuf_iterator<char>(cmdline_file),
                     std::istreambuf_iterator<char>());
    } catch (const std::ios_base::failure&) {
      continue;  // Gone between the listing and the read (ESRCH): nothing to watch.
    }
    std::string package;
    for (std::size_t at = 0; at < cmdline.size();) {
      const auto end = std::min(cmdline.find('\0', at), cmdline.size());
      const std::string arg = cmdline.substr(at, end - at);
      at = end + 1;
      const auto start = arg.find(under);
      if (start != std::string::npos && arg.size() > 3 && arg.substr(arg.size() - 3) == ".cc" &&
          (start == 0 || arg[start - 1] == '/')) {
        package = fs::path(arg.substr(start)).parent_path().string();
        break;
      }
    }
    if (package.empty()) continue;
    CompilerProcess process;
    process.pid = pid;
    process.package = package;
    std::ifstream stat_file(proc / "stat");
    std::string stat;
    std::getline(stat_file, stat);
    const auto close = stat.rfind(')');
    if (close != std::string::npos) {
      std::istringstream fields(stat.substr(close + 2));
      std::string field;
      // Fields from the state (3rd) on; starttime is the 22nd.
      for (int index = 3; index <= 22 && (fields >> field); ++index) {
        if (index == 22) process.age_seconds = uptime - std::stod(field) / ticks;
      }
    }
    std::ifstream status(proc / "status");
    for (std::string line; std::getline(status, line);) {
      if (line.rfind("VmRSS:", 0) == 0) process.resident_bytes = std::stoull(line.substr(6)) << 10;
    }
    found.push_back(process);
  }
  return found;
}

}  // namespace

std::vector<std::string> RemoteBuild::flags() const {
  std::vector<std::string> out;
  if (!cache.empty()) out.push_back("--remote_cache=" + cache);
  if (!executor.empty()) out.push_back("--remote_executor=" + executor);
  if (!instance_name.empty()) out.push_back("--remote_instance_name=" + instance_name);
  if (!cache.empty() || !executor.empty()) out.push_back("--disk_cache=");
  return out;
}

void RemoteBuild::validate() const {
  const auto check_url = [](const std::string& flag, const std::string& url,
                            const std::vector<std::string>& schemes) {
    if (url.empty()) return;
    const auto colon = url.find("://");
    const std::string scheme = colon == std::string::npos ? "" : url.substr(0, colon);
    std::string allowed;
    for (const auto& one : schemes) allowed += (allowed.empty() ? "" : ", ") + one + "://";
    if (std::find(schemes.begin(), schemes.end(), scheme) == schemes.end()) {
      throw std::invalid_argument(flag + " '" + url + "' is not a URL Bazel accepts there: it " +
                                  "must start with " + allowed);
    }
    const std::string rest = url.substr(colon + 3);
    if (rest.empty() || rest.front() == '/' || rest.front() == ':') {
      throw std::invalid_argument(flag + " '" + url + "' names no host");
    }
    if (std::any_of(url.begin(), url.end(),
                    [](unsigned char c) { return std::isspace(c) || std::iscntrl(c); })) {
      throw std::invalid_argument(flag + " '" + url + "' holds a blank or a control character");
    }
  };
  check_url("--remote-cache", cache, {"http", "https", "grpc", "grpcs"});
  check_url("--remote-executor", executor, {"grpc", "grpcs"});
  if (!instance_name.empty()) {
    if (cache.empty() && executor.empty()) {
      throw std::invalid_argument(
          "--remote-instance-name needs --remote-cache or --remote-executor");
    }
    if (std::any_of(instance_name.begin(), instance_name.end(),
                    [](unsigned char c) { return std::isspace(c) || std::iscntrl(c); })) {
      throw std::invalid_argument("--remote-instance-name '" + instance_name +
                                  "' holds a blank or a control character");
    }
  }
}

Bazel::Bazel(fs::path workspace, fs::path scratch, RemoteBuild remote)
    : workspace_(std::move(workspace)), scratch_(std::move(scratch)), remote_(std::move(remote)) {
  fs::create_directories(scratch_);
  // Logs are named per process (see build()); those of earlier days go.
  std::error_code ec;
  const auto old = fs::file_time_type::clock::now() - std::chrono::hours(48);
  for (fs::directory_iterator it(scratch_, ec), end; !ec && it != end; it.increment(ec)) {
    const std::string name = it->path().filename().string();
    if (name.rfind("build-", 0) != 0 && name.rfind("info-", 0) != 0) continue;
    std::error_code stat_error;
    const auto written = fs::last_write_time(it->path(), stat_error);
    if (!stat_error && written < old) fs::remove(it->path(), stat_error);
  }
}

std::vector<std::string> Bazel::build_command(const std::vector<std::string>& targets,
                                              const Config& config, const fs::path& events) const {
  std::vector<std::string> argv{"bazel",        "build",
                                "--keep_going", "--color=no",
                                "--curses=no",  "--build_event_json_file=" + events.string()};
  for (const auto& flag : config_flags(config)) argv.push_back(flag);
  for (const auto& flag : remote_.flags()) argv.push_back(flag);
  argv.push_back("--");
  argv.insert(argv.end(), targets.begin(), targets.end());
  return argv;
}

std::vector<std::string> Bazel::bin_dir_command(const Config& config) const {
  std::vector<std::string> argv{"bazel", "info"};
  for (const auto& flag : config_flags(config)) argv.push_back(flag);
  for (const auto& flag : remote_.flags()) argv.push_back(flag);
  argv.push_back("bazel-bin");
  return argv;
}

std::vector<std::string> Bazel::config_flags(const Config& config) {
  if (config == "plain") return {};
  return {"--config=" + config};
}

BuildResult Bazel::build(const std::vector<std::string>& targets, const Config& config,
                         const CompileLimits& limits) {
  BuildResult result;
  // Graders may run side by side in one checkout (the array tasks of a
  // cluster job on one node): each names its files by its process id.
  const std::string tag =
      config + "-" + std::to_string(::getpid()) + "-" + std::to_string(invocation_++);
  const fs::path events = scratch_ / ("build-" + tag + ".json");
  result.log = scratch_ / ("build-" + tag + ".log");
  const std::vector<std::string> argv = build_command(targets, config, events);
  fs::remove(events);
  const int pid = start_logged(argv, workspace_, result.log);
  // Bazel has no deadline for one compile action (before 8.3): the grader
  // watches the compilers of submission files itself while the build runs.
  std::optional<Exit> finished;
  while (!(finished = try_wait(pid))) {
    if (!limits.packages_under.empty()) {
      for (const auto& compiler : compilers_of(limits.packages_under)) {
        std::string why;
        if (compiler.age_seconds > static_cast<double>(limits.time.count())) {
          why = "compiling took longer than " + std::to_string(limits.time.count()) +
                " s, so the compiler was stopped (a loop or recursion the compiler evaluates, "
                "or templates that multiply?)";
        } else if (compiler.resident_bytes > limits.memory) {
          why = "compiling used more than " + std::to_string(limits.memory >> 20) +
                " MiB of memory, so the compiler was stopped (templates that multiply?)";
        }
        if (why.empty()) continue;
        ::kill(compiler.pid, SIGKILL);
        result.stopped.emplace(compiler.package, why);
      }
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
  }
  if (!fs::exists(events)) {
    throw std::runtime_error("bazel did not run; see " + result.log.string());
  }
  for (const auto& target : targets) result.built[target] = false;
  std::ifstream in(events);
  std::string line;
  std::map<std::string, std::string> action_errors;
  while (std::getline(in, line)) {
    json event = json::parse(line, nullptr, false);
    if (event.is_discarded() || !event.contains("id")) continue;
    const json& id = event["id"];
    if (id.contains("targetCompleted")) {
      const std::string label = id["targetCompleted"].value("label", "");
      bool ok = event.contains("completed") && event["completed"].value("success", false);
      if (result.built.count(label)) result.built[label] = ok;
    } else if (id.contains("actionCompleted") && event.contains("action")) {
      const json& action = event["action"];
      if (action.value("success", false)) continue;  // proto3 JSON omits false.
      std::string label = action.value("label", id["actionCompleted"].value("label", ""));
      std::string text;
      if (action.contains("stderr")) {
        std::string uri = action["stderr"].value("uri", "");
        if (uri.rfind("file://", 0) == 0) text = read_file(uri.substr(7));
      }
      action_errors[label] += text;
    }
  }
  // A test binary fails to build because its submission's library did not
  // compile: report the library's errors under every target of that package.
  for (auto& [target, ok] : result.built) {
    if (ok) continue;
    const std::string package = target.substr(0, target.find(':'));
    std::string errors;
    for (const auto& [label, text] : action_errors) {
      if (label == target || label.rfind(package + ":", 0) == 0) errors += text;
    }
    if (errors.empty()) errors = "the build failed; Bazel's log: " + result.log.string();
    result.errors[target] = errors;
  }
  return result;
}

fs::path Bazel::bin_dir(const Config& config) {
  auto found = bin_dirs_.find(config);
  if (found != bin_dirs_.end()) return found->second;
  fs::path dir = strip_newline(
      run_output(bin_dir_command(config), workspace_,
                 scratch_ / ("info-" + config + "-" + std::to_string(::getpid()) + ".log")));
  bin_dirs_[config] = dir;
  return dir;
}

fs::path Bazel::output_user_root() {
  return fs::path(strip_newline(run_output({"bazel", "info", "output_base"}, workspace_,
                                           scratch_ / "info-output_base.log")))
      .parent_path();
}

std::string without_secret_sources(const std::string& log,
                                   const std::vector<std::string>& secret_prefixes,
                                   const std::string& own) {
  // A diagnostic starts with the file it is about ("path:12:5: error: ...",
  // "path: In function ...", "In file included from path:3,", "    from
  // path:4:"); the lines after it that start with blanks (quoted source,
  // carets) belong to it.
  static const std::regex located(R"(^(?:In file included from |\s+from )?([^\s:]+):)");
  const auto secret = [&](const std::string& path) {
    if (!own.empty() && path.find(own) != std::string::npos) return false;
    return std::any_of(secret_prefixes.begin(), secret_prefixes.end(), [&](const auto& prefix) {
      return path.rfind(prefix, 0) == 0 || path.find("/" + prefix) != std::string::npos;
    });
  };
  std::istringstream in(log);
  std::string out;
  int cut = 0;
  bool cutting = false;
  for (std::string line; std::getline(in, line);) {
    std::smatch match;
    if (std::regex_search(line, match, located)) {
      cutting = secret(match[1]);
    } else if (line.empty() || !std::isspace(static_cast<unsigned char>(line.front()))) {
      cutting = false;
    }
    if (cutting) {
      ++cut;
      continue;
    }
    out += line + "\n";
  }
  if (cut > 0) {
    out += "[" + std::to_string(cut) +
           " line(s) about the kit's hidden tests or other files you cannot see were cut]\n";
  }
  return out;
}

std::string first_errors(const std::string& log, const std::string& strip, int max_lines) {
  std::istringstream in(log);
  std::vector<std::string> lines;
  std::string line;
  while (std::getline(in, line)) {
    for (auto at = line.find(strip); !strip.empty() && at != std::string::npos;
         at = line.find(strip)) {
      line.erase(at, strip.size());
    }
    lines.push_back(line);
  }
  size_t first = 0;
  while (first < lines.size() && lines[first].find("error") == std::string::npos) ++first;
  if (first == lines.size()) first = 0;
  // Keep the "In function ..." context line just before the first error.
  if (first > 0 && lines[first - 1].find(": In ") != std::string::npos) --first;
  std::string out;
  int kept = 0;
  for (size_t i = first; i < lines.size() && kept < max_lines; ++i, ++kept) out += lines[i] + "\n";
  if (lines.size() - first > static_cast<size_t>(max_lines)) out += "[... more errors cut ...]\n";
  return out;
}

}  // namespace proctor
