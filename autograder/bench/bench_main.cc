// proctor bench: measures what processes and threads cost on this machine
// with Lab 04's harness, and what a batch of tasks costs through Lab 05's
// pools (the reference solutions in an instructor's kit, the student's own
// code in a student kit), prints a table, writes CSV and JSON, and renders
// plots with gnuplot.
//
// Usage: bench OUT_DIR

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iostream>
#include <map>
#include <nlohmann/json.hpp>
#include <regex>
#include <string>
#include <vector>

#include "labs/04_costs/costs.h"
#include "labs/05_pools/pools.h"

namespace fs = std::filesystem;

namespace {

// Each quantity is measured this many times; the table shows the median of
// the medians and their spread (min to max), which says how stable it is.
constexpr int kRepeats = 5;

struct Row {
  std::string key;
  std::string label;
  std::string group;
  std::vector<double> medians_ns;
  double median() const { return lab04::summarize(medians_ns).median_ns; }
  double low() const { return *std::min_element(medians_ns.begin(), medians_ns.end()); }
  double high() const { return *std::max_element(medians_ns.begin(), medians_ns.end()); }
};

std::string human(double ns) {
  char buf[32];
  if (ns >= 1e6) {
    std::snprintf(buf, sizeof buf, "%.2f ms", ns / 1e6);
  } else if (ns >= 1e3) {
    std::snprintf(buf, sizeof buf, "%.1f us", ns / 1e3);
  } else {
    std::snprintf(buf, sizeof buf, "%.1f ns", ns);
  }
  return buf;
}

Row run(const std::string& key, const std::string& label, const std::string& group,
        const std::function<double()>& once, int index, int total) {
  static const bool tty = ::isatty(STDERR_FILENO);
  Row row{key, label, group, {}};
  if (!tty) std::fprintf(stderr, "[%2d/%d] %s\n", index, total, label.c_str());
  for (int r = 0; r < kRepeats; ++r) {
    if (tty) {
      std::fprintf(stderr, "\r\033[K[%2d/%d] %s (%d/%d)", index, total, label.c_str(), r + 1,
                   kRepeats);
    }
    row.medians_ns.push_back(once());
  }
  return row;
}

// `perf bench sched pipe` pinned to one CPU, in ns per round trip, or a
// negative number if perf is not usable here.
double perf_pipe_round_trip_ns(const fs::path& scratch) {
  const fs::path out = scratch / "perf.txt";
  const std::string command =
      "taskset -c 0 perf bench sched pipe -l 20000 > '" + out.string() + "' 2>&1";
  if (std::system(command.c_str()) != 0) return -1;
  std::ifstream in(out);
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  std::smatch match;
  static const std::regex per_op(R"(([0-9.]+) usecs/op)");
  if (!std::regex_search(text, match, per_op)) return -1;
  return std::stod(match[1]) * 1000.0;
}

// The median time of one task of `workload` run in this thread, over 11.
double task_alone_ns(lab05::Workload workload) {
  std::vector<double> times;
  for (long seed = 0; seed < 11; ++seed) {
    const auto start = std::chrono::steady_clock::now();
    const long result = lab05::run_workload(workload, seed);
    asm volatile("" : : "r"(result));  // So that no optimizer drops the work.
    times.push_back(
        std::chrono::duration<double, std::nano>(std::chrono::steady_clock::now() - start).count());
  }
  std::nth_element(times.begin(), times.begin() + 5, times.end());
  return times[5];
}

// Lab 05: a batch of tasks through a thread pool, a process pool and a
// process per task, for each workload, kRepeats times; one row per way and
// workload (per task, in ns like every row), and the task alone. Empty, with
// the reason on stderr, where pool_costs cannot run (a student kit whose
// Lab 05 is not done yet).
std::vector<Row> pool_rows() {
  struct Batch {
    lab05::Workload workload;
    const char* name;
    std::size_t tasks;
    std::size_t workers;
  };
  const Batch batches[] = {{lab05::Workload::cpu, "cpu", 96, 2},
                           {lab05::Workload::io, "io", 96, 8}};
  std::vector<Row> rows;
  try {
    for (const Batch& batch : batches) {
      const std::string workload = batch.name == std::string("cpu") ? "CPU task" : "I/O task";
      const std::string at_once = ", " + std::to_string(batch.workers) + " at once";
      Row alone{std::string("pool_") + batch.name + "_alone", workload + " alone", "pools", {}};
      Row threads{std::string("pool_") + batch.name + "_threads",
                  workload + ", thread pool" + at_once,
                  "pools",
                  {}};
      Row pool{std::string("pool_") + batch.name + "_processes",
               workload + ", process pool" + at_once,
               "pools",
               {}};
      Row each{std::string("pool_") + batch.name + "_per_task",
               workload + ", process per task" + at_once,
               "pools",
               {}};
      for (int r = 0; r < kRepeats; ++r) {
        std::fprintf(stderr, "%spools: %s (%d/%d)%s", ::isatty(STDERR_FILENO) ? "\r\033[K" : "",
                     workload.c_str(), r + 1, kRepeats, ::isatty(STDERR_FILENO) ? "" : "\n");
        alone.medians_ns.push_back(task_alone_ns(batch.workload));
        const lab05::PoolCosts costs =
            lab05::pool_costs(batch.workload, batch.tasks, batch.workers);
        threads.medians_ns.push_back(costs.thread_pool_us * 1e3);
        pool.medians_ns.push_back(costs.process_pool_us * 1e3);
        each.medians_ns.push_back(costs.process_per_task_us * 1e3);
      }
      for (Row* row : {&alone, &threads, &pool, &each}) rows.push_back(*row);
    }
  } catch (const std::exception& e) {
    std::fprintf(stderr, "\nbench: Lab 05's pool costs not measured: %s\n", e.what());
    return {};
  }
  return rows;
}

void write_plots(const fs::path& dir, const std::vector<Row>& rows) {
  std::ofstream creation(dir / "creation.dat");
  int index = 0;
  for (const auto& row : rows) {
    if (row.group != "create") continue;
    creation << index++ << " \"" << row.label << "\" " << row.median() / 1e3 << " "
             << row.low() / 1e3 << " " << row.high() / 1e3 << "\n";
  }
  std::ofstream memory(dir / "fork_memory.dat");
  double thread_us = 0;
  for (const auto& row : rows) {
    if (row.key == "thread_std") thread_us = row.median() / 1e3;
    if (row.group != "memory") continue;
    memory << row.key.substr(row.key.rfind('_') + 1) << " " << row.median() / 1e3 << " "
           << row.low() / 1e3 << " " << row.high() / 1e3 << " " << thread_us << "\n";
  }
  // One line per way, one column per workload: a clustered bar chart of
  // each way's time per task over the task's ideal share (the task alone
  // divided among the workers), so that both workloads share one scale.
  std::ofstream pools(dir / "pools.dat");
  const auto median_of = [&](const std::string& key) {
    for (const auto& row : rows) {
      if (row.key == key) return row.median();
    }
    return 0.0;
  };
  const bool have_pools = median_of("pool_cpu_alone") > 0 && median_of("pool_io_alone") > 0;
  const std::pair<const char*, const char*> ways[] = {
      {"threads", "thread pool"}, {"processes", "process pool"}, {"per_task", "process per task"}};
  for (const auto& [way, label] : ways) {
    pools << "\"" << label << "\"";
    for (const auto& [workload, workers] : {std::pair{"cpu", 2}, std::pair{"io", 8}}) {
      const double share = median_of(std::string("pool_") + workload + "_alone") / workers;
      pools << " "
            << (have_pools ? median_of(std::string("pool_") + workload + "_" + way) / share : 0);
    }
    pools << "\n";
  }
  creation.close();
  memory.close();
  pools.close();
  for (const std::string format : {"png", "svg"}) {
    const std::string terminal = format == "png" ? "pngcairo noenhanced size 900,500 font ',10'"
                                                 : "svg noenhanced size 900,500 font ',10'";
    std::ofstream script(dir / ("plots-" + format + ".gp"));
    script << "set terminal " << terminal << "\n"
           << "set output '" << (dir / ("creation." + format)).string() << "'\n"
           << "set title 'Creating and reaping: threads vs processes (median, min-max of "
           << kRepeats << " runs)'\n"
           << "set ylabel 'microseconds (log scale)'\nset logscale y\nset grid ytics\n"
           << "set style fill solid 0.6\nset boxwidth 0.6\nset xtics rotate by -20\n"
           << "plot '" << (dir / "creation.dat").string()
           << "' using 1:3:xtic(2) with boxes notitle, '' using 1:3:4:5 with yerrorbars "
              "lc rgb 'black' notitle\n"
           << "unset logscale y\nset xtics norotate\n"
           << "set output '" << (dir / ("fork_memory." + format)).string() << "'\n"
           << "set title 'fork + _exit + wait vs the parent''s resident memory (4 KiB pages)'\n"
           << "set xlabel 'resident memory touched before fork (MiB)'\n"
           << "set ylabel 'microseconds'\nset key left top\n"
           << "plot '" << (dir / "fork_memory.dat").string()
           << "' using 1:2:3:4 with yerrorlines title 'fork', '' using 1:5 with lines dt 2 "
              "title 'thread create + join'\n";
    if (have_pools) {
      script << "set output '" << (dir / ("pools." + format)).string() << "'\n"
             << "set title 'A batch of 96 tasks: time per task over its ideal share (the task "
                "alone / workers), median of "
             << kRepeats << " batches'\n"
             << "unset xlabel\nset ylabel 'x the ideal share (1 = no overhead)'\n"
             << "set key left top\nset style data histograms\n"
             << "set style histogram clustered gap 1\nset style fill solid 0.7 border -1\n"
             << "set boxwidth 0.9\nset yrange [0:*]\n"
             << "plot '" << (dir / "pools.dat").string() << "' using 2:xtic(1) title 'CPU-bound ("
             << human(median_of("pool_cpu_alone"))
             << " a task), 2 workers', '' using 3 title 'I/O-bound ("
             << human(median_of("pool_io_alone"))
             << " a task), 8 workers', 1 with lines dt 2 lc rgb 'black' notitle\n";
    }
    script.close();
    const std::string command = "gnuplot '" + (dir / ("plots-" + format + ".gp")).string() + "'";
    if (std::system(command.c_str()) != 0) {
      std::fprintf(stderr, "bench: gnuplot failed for %s plots\n", format.c_str());
    }
  }
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: bench OUT_DIR\n");
    return 2;
  }
  const fs::path dir = fs::absolute(argv[1]);
  fs::create_directories(dir);
  using lab04::ProcessKind;
  using lab04::ThreadKind;
  struct Spec {
    std::string key, label, group;
    std::function<double()> once;
  };
  const std::vector<Spec> specs = {
      {"timer_resolution", "steady_clock resolution", "timer", lab04::timer_resolution_ns},
      {"timer_overhead", "steady_clock read pair", "timer", lab04::timer_overhead_ns},
      {"thread_std", "std::thread create+join", "create",
       [] { return lab04::thread_create_join_ns(ThreadKind::std_thread, 300); }},
      {"thread_pthread", "pthread create+join", "create",
       [] { return lab04::thread_create_join_ns(ThreadKind::pthread, 300); }},
      {"vfork", "vfork+_exit+wait", "create",
       [] { return lab04::process_create_ns(ProcessKind::vfork_exit, 100); }},
      {"posix_spawn", "posix_spawn /bin/true", "create",
       [] { return lab04::process_create_ns(ProcessKind::posix_spawn, 60); }},
      {"fork", "fork+_exit+wait", "create",
       [] { return lab04::process_create_ns(ProcessKind::fork_exit, 100); }},
      {"fork_exec", "fork+exec /bin/true", "create",
       [] { return lab04::process_create_ns(ProcessKind::fork_exec, 60); }},
      {"pipe_threads", "pipe round trip, threads", "switch",
       [] { return lab04::pipe_round_trip_ns(false, 3000); }},
      {"pipe_processes", "pipe round trip, processes", "switch",
       [] { return lab04::pipe_round_trip_ns(true, 3000); }},
      {"mutex", "mutex lock+unlock, uncontended", "sync", lab04::mutex_lock_unlock_ns},
      {"atomic_contended", "atomic increment, 2 threads", "sync",
       [] { return lab04::contended_increment_ns(true); }},
      {"mutex_contended", "mutex increment, 2 threads", "sync",
       [] { return lab04::contended_increment_ns(false); }},
      {"fork_mem_0", "fork with 0 MiB resident", "memory",
       [] { return lab04::fork_with_resident_ns(0, 20); }},
      {"fork_mem_64", "fork with 64 MiB resident", "memory",
       [] { return lab04::fork_with_resident_ns(64, 10); }},
      {"fork_mem_128", "fork with 128 MiB resident", "memory",
       [] { return lab04::fork_with_resident_ns(128, 8); }},
      {"fork_mem_256", "fork with 256 MiB resident", "memory",
       [] { return lab04::fork_with_resident_ns(256, 6); }},
  };
  std::vector<Row> rows;
  try {
    for (std::size_t i = 0; i < specs.size(); ++i) {
      rows.push_back(run(specs[i].key, specs[i].label, specs[i].group, specs[i].once,
                         static_cast<int>(i + 1), static_cast<int>(specs.size())));
    }
  } catch (const std::exception& e) {
    std::fprintf(stderr, "\nbench: error: %s\n", e.what());
    return 1;
  }
  for (Row& row : pool_rows()) rows.push_back(std::move(row));
  if (::isatty(STDERR_FILENO)) std::fprintf(stderr, "\r\033[K");

  nlohmann::json json;
  std::ofstream csv(dir / "bench.csv");
  csv << "quantity,label,median_ns,min_ns,max_ns,repeats\n";
  std::printf("%-40s %12s   %-24s\n", "Quantity", "Median", "Spread (min - max)");
  for (const auto& row : rows) {
    std::printf("%-40s %12s   %s - %s\n", row.label.c_str(), human(row.median()).c_str(),
                human(row.low()).c_str(), human(row.high()).c_str());
    csv << row.key << ",\"" << row.label << "\"," << row.median() << "," << row.low() << ","
        << row.high() << "," << row.medians_ns.size() << "\n";
    json[row.key] = {{"label", row.label},
                     {"median_ns", row.median()},
                     {"min_ns", row.low()},
                     {"max_ns", row.high()},
                     {"repeats", row.medians_ns}};
  }
  auto median_of = [&](const std::string& key) {
    for (const auto& row : rows) {
      if (row.key == key) return row.median();
    }
    return 0.0;
  };
  std::printf("\nOne fork+_exit+wait costs as much as %.0f thread creations here.\n",
              median_of("fork") / median_of("thread_std"));
  if (median_of("pool_cpu_threads") > 0) {
    std::printf(
        "A CPU-bound task costs %.2fx its share through a process pool, %.2fx through a "
        "process per task, against %.2fx through a thread pool (its share: the task "
        "alone over 2 workers).\n",
        median_of("pool_cpu_processes") / (median_of("pool_cpu_alone") / 2),
        median_of("pool_cpu_per_task") / (median_of("pool_cpu_alone") / 2),
        median_of("pool_cpu_threads") / (median_of("pool_cpu_alone") / 2));
  }
  const double perf = perf_pipe_round_trip_ns(dir);
  if (perf > 0) {
    std::printf(
        "Independent check: perf bench sched pipe (pinned) %s per round trip; the "
        "harness's process round trip is %.2fx that.\n",
        human(perf).c_str(), median_of("pipe_processes") / perf);
    json["perf_bench_sched_pipe"] = {{"median_ns", perf},
                                     {"ratio", median_of("pipe_processes") / perf}};
  } else {
    std::printf("Independent check skipped: perf bench sched pipe is not usable here.\n");
  }
  std::ofstream(dir / "bench.json") << json.dump(2) << "\n";
  write_plots(dir, rows);
  std::printf(
      "\nWrote %s/{bench.csv,bench.json,creation.png,creation.svg,fork_memory.png,"
      "fork_memory.svg,pools.png,pools.svg}\n",
      dir.string().c_str());
  return 0;
}
