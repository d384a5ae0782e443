// The selftest check of grading beyond one machine, with real parts: a
// single-node Slurm cluster (munged, slurmctld and slurmd from Debian,
// started here in the foreground from a generated slurm.conf) grades a class
// as array tasks against a running `proctor cache-server`, merges the parts,
// and the merged gradebook must be the one a single-host grade writes.

#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <fstream>
#include <nlohmann/json.hpp>
#include <optional>
#include <random>
#include <set>
#include <sstream>
#include <thread>

#include "autograder/core/cluster.h"
#include "autograder/core/files.h"
#include "autograder/core/process.h"
#include "autograder/core/samples.h"
#include "autograder/core/selftest.h"

namespace proctor {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using Problems = std::vector<std::string>;
using Clock = std::chrono::steady_clock;

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

bool accepts(int port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(static_cast<std::uint16_t>(port));
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  const bool ok = ::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0;
  ::close(fd);
  return ok;
}

// A result as a grade of the same class elsewhere would write it: what
// differs from machine to machine (timings) taken out.
json without_timings(json value) {
  if (value.is_object()) {
    for (const char* key : {"seconds", "execution_time", "time"}) value.erase(key);
    for (auto& [key, item] : value.items()) item = without_timings(item);
  } else if (value.is_array()) {
    for (auto& item : value) item = without_timings(item);
  }
  return value;
}

// Copies a sample (folder or archive) into the class as `id`, its sources
// made distinct by `mark` so that they are built afresh and uploaded.
void put_submission(const fs::path& from, const fs::path& klass, const std::string& id,
                    const Lab& lab, const std::string& mark) {
  if (fs::is_regular_file(from)) {
    const std::string name = from.filename().string();
    fs::copy_file(from, klass / (id + name.substr(name.find('.'))));
    return;
  }
  fs::copy(from, klass / id, fs::copy_options::recursive);
  for (const auto& file : lab.student_files) {
    const fs::path source = klass / id / file;
    if (fs::exists(source)) std::ofstream(source, std::ios::app) << "\n// " << mark << "\n";
  }
}

}  // namespace

Problems check_cluster_grading(const Kit& kit, const Lab& lab, const SelftestOptions& options) {
  const fs::path work = fs::absolute(options.scratch / "cluster");
  std::error_code ec;
  fs::remove_all(work, ec);
  for (const char* sub : {"logs", "class"}) fs::create_directories(work / sub);
  const fs::path klass = work / "class";
  const fs::path logs = work / "logs";

  // The class: every sample once but three that wait out a deadline in
  // most of their tests (the samples check grades them), then copies of the
  // skeleton and, one in six, of a correct solution, up to 60 students:
  // varied outcomes at the least test time. Every file carries a line of
  // this run's own, so that its builds are new to the cache; the copies carry
  // the same line, so that identical submissions share their package (built
  // once, whichever task grades them).
  const std::set<std::string> slow{"fd_leak", "deadline_sleeps_limit", "hang_in_one_test"};
  const std::string mark =
      "cluster selftest " + std::to_string(std::random_device{}()) + std::to_string(::getpid());
  std::vector<fs::path> correct;
  int students = 0;
  for (const auto& sample : materialize_samples(kit, lab)) {
    if (sample.correct) correct.push_back(sample.submission.path);
    if (slow.count(sample.name)) continue;
    char id[16];
    std::snprintf(id, sizeof id, "s%02d-", students++);
    put_submission(sample.submission.path, klass, id + sample.name, lab, mark);
  }
  for (int copy = 0; students < 60; ++copy) {
    char id[16];
    std::snprintf(id, sizeof id, "c%02d", students++);
    const fs::path from = copy % 6 == 5 && !correct.empty()
                              ? correct[static_cast<std::size_t>(copy / 6) % correct.size()]
                              : lab.skeleton_dir;
    put_submission(from, klass, id, lab, mark);
  }

  // The cache server and the cluster, in the foreground. nginx's workers
  // run as www-data, which may not reach into the kit (under /root, say):
  // the cache lives in a folder of its own under /tmp.
  char cache_template[] = "/tmp/proctor-cluster-cache-XXXXXX";
  if (::mkdtemp(cache_template) == nullptr) return {"cannot make a folder under /tmp"};
  const fs::path cache_dir = cache_template;
  fs::permissions(cache_dir, fs::perms::owner_all | fs::perms::group_exec | fs::perms::others_exec,
                  ec);
  struct RemoveAtEnd {
    fs::path dir;
    ~RemoveAtEnd() {
      std::error_code ignored;
      fs::remove_all(dir, ignored);
    }
  } remove_cache{cache_dir};
  const int cache_port = free_port();
  Daemon cache({(kit.root() / "proctor").string(), "cache-server", "--port",
                std::to_string(cache_port), "--dir", cache_dir.string()},
               logs / "cache-server.log");
  std::optional<LocalCluster> cluster;
  try {
    cluster.emplace(work / "slurm", 3);  // Three one-core tasks at once, as on three nodes.
  } catch (const std::exception& e) {
    return {std::string("the one-node cluster did not start: ") + e.what()};
  }
  for (int tick = 0; tick < 100 && !accepts(cache_port) && cache.running(); ++tick)
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  if (!accepts(cache_port)) {
    return {"proctor cache-server did not listen on port " + std::to_string(cache_port) + ": " +
            last_lines(logs / "cache-server.log", 4)};
  }

  // The instructor's command, as on a cluster.
  Problems problems;
  const fs::path out = work / "graded";
  const auto started = Clock::now();
  const std::string cache_url = "http://127.0.0.1:" + std::to_string(cache_port);
  const Exit submitted = run_logged(
      {"env", "SLURM_CONF=" + cluster->conf().string(), (kit.root() / "proctor").string(), "slurm",
       lab.number, klass.string(), "--out", out.string(), "--shards", "3", "--cpus-per-task", "1",
       "--remote-cache", cache_url},
      kit.root(), logs / "proctor-slurm.log");
  if (!submitted.ok()) {
    return {"proctor slurm ended with " + submitted.describe() + ": " +
            last_lines(logs / "proctor-slurm.log", 5)};
  }
  bool finished = false;
  while (!finished && Clock::now() - started < std::chrono::minutes(25)) {
    std::this_thread::sleep_for(std::chrono::seconds(2));
    finished = cluster->ask({"squeue", "-h", "-o", "%i"}).empty() &&
               fs::exists(out / "slurm" / "merge.log");
  }
  const double cluster_seconds = std::chrono::duration<double>(Clock::now() - started).count();
  if (!finished) problems.push_back("the Slurm jobs did not end within 25 minutes");
  if (!fs::exists(out / "class" / "gradebook.csv")) {
    problems.push_back("no merged gradebook; the merge job said: " +
                       last_lines(out / "slurm" / "merge.log", 6));
    for (int part = 1; part <= 3; ++part) {
      problems.push_back("part " + std::to_string(part) + " said: " +
                         last_lines(out / "slurm" / ("part-" + std::to_string(part) + ".log"), 6));
    }
    return problems;
  }

  // Every daemon stopped, and nothing of the check left running.
  cluster->stop();
  cache.stop();
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  for (pid_t pid : process_ids()) {
    const std::string cmdline =
        read_file_if_exists("/proc/" + std::to_string(pid) + "/cmdline").value_or("");
    if (pid != ::getpid() && (cmdline.find(work.string()) != std::string::npos ||
                              cmdline.find(cache_dir.string()) != std::string::npos)) {
      std::string shown = cmdline;
      std::replace(shown.begin(), shown.end(), '\0', ' ');
      problems.push_back("left running after the cluster stopped: pid " + std::to_string(pid) +
                         " " + shown);
    }
  }

  // A part's folder takes no grade of the whole class.
  const Exit mixed = run_logged({(kit.root() / "proctor").string(), "grade", lab.number,
                                 klass.string(), "--out", (out / "parts" / "1").string()},
                                kit.root(), logs / "whole-into-part.log");
  if (mixed.ok() || !contains(read_file(logs / "whole-into-part.log"), "holds a part of a class")) {
    problems.push_back("grading the whole class into a part's folder was not refused; see " +
                       (logs / "whole-into-part.log").string());
  }

  // The same class on one host, as one grade.
  const auto single_started = Clock::now();
  const fs::path single = work / "single";
  const Exit graded = run_logged({(kit.root() / "proctor").string(), "grade", lab.number,
                                  klass.string(), "--out", single.string()},
                                 kit.root(), logs / "single-host.log");
  const double single_seconds =
      std::chrono::duration<double>(Clock::now() - single_started).count();
  if (!graded.ok()) {
    problems.push_back("the single-host grade ended with " + graded.describe() + "; see " +
                       (logs / "single-host.log").string());
    return problems;
  }
  for (const char* file : {"gradebook.csv", "summary.txt"}) {
    if (read_file_if_exists(out / "class" / file) != read_file_if_exists(single / file)) {
      problems.push_back(std::string(file) +
                         " of the merged parts differs from the single-host "
                         "grade's: diff " +
                         (out / "class" / file).string() + " " + (single / file).string());
    }
  }
  int compared = 0;
  for (const auto& entry : fs::directory_iterator(single)) {
    const fs::path record = entry.path() / "result.json";
    if (!fs::exists(record)) continue;
    ++compared;
    const fs::path merged = out / "class" / entry.path().filename() / "result.json";
    const auto merged_text = read_file_if_exists(merged);
    if (!merged_text || without_timings(json::parse(*merged_text)) !=
                            without_timings(json::parse(read_file(record)))) {
      problems.push_back(entry.path().filename().string() +
                         ": its merged result differs from the single-host one beyond timings");
    }
  }
  if (compared < 60) {
    problems.push_back("the single-host grade has " + std::to_string(compared) +
                       " students, not the class's " + std::to_string(students));
  }

  // The tasks built through the cache: action results and outputs stored.
  int stored_results = 0;
  int stored_outputs = 0;
  int lookups = 0;
  std::istringstream access(read_file_if_exists(cache_dir / "access.log").value_or(""));
  for (std::string line; std::getline(access, line);) {
    const bool stored =
        line.find("\" 201 ") != std::string::npos || line.find("\" 204 ") != std::string::npos;
    stored_results += stored && line.find("\"PUT /ac/") != std::string::npos;
    stored_outputs += stored && line.find("\"PUT /cas/") != std::string::npos;
    lookups += line.find("\"GET /ac/") != std::string::npos;
  }
  // Each of the ~20 samples that build (and the copies' few packages)
  // compiles once and links twice.
  if (stored_results < 50 || stored_outputs < 50 || lookups < 50) {
    problems.push_back("the array tasks barely used the cache: " + std::to_string(lookups) +
                       " lookups, " + std::to_string(stored_results) + " action results and " +
                       std::to_string(stored_outputs) + " outputs stored (see " +
                       (cache_dir / "access.log").string() + ")");
  }
  char figures[320];
  std::snprintf(figures, sizeof figures,
                "%d students of lab %s: 3 Slurm array tasks and the merge in %.0f s (cache: %d "
                "lookups, %d action results and %d outputs stored), one host in %.0f s; merged "
                "gradebook identical",
                compared, lab.id.c_str(), cluster_seconds, lookups, stored_results, stored_outputs,
                single_seconds);
  options.say(figures);
  return problems;
}

}  // namespace proctor
