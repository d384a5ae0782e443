#include "autograder/core/cluster.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>

#include "autograder/core/files.h"
#include "autograder/core/process.h"
#include "autograder/tests/scratch.h"

namespace fs = std::filesystem;

namespace {

// Runs a script the way Slurm runs an array task, in a kit whose proctor
// writes the arguments it was given one per line.
std::string run_as_task(const fs::path& dir, const std::string& script, const std::string& task) {
  proctor::write_atomically(dir / "job.sbatch", script);
  const fs::path kit = dir / "kit with a space";
  fs::create_directories(kit);
  proctor::write_atomically(kit / "proctor",
                            "#!/bin/sh\nfor a in \"$@\"; do printf '%s\\n' \"$a\"; done > \"" +
                                (dir / "argv").string() + "\"\n");
  fs::permissions(kit / "proctor", fs::perms::owner_all);
  const proctor::Exit ran = proctor::run_logged(
      {"env", "SLURM_ARRAY_TASK_ID=" + task, "bash", (dir / "job.sbatch").string()}, dir,
      dir / "job.log");
  REQUIRE(ran.ok());
  return proctor::read_file(dir / "argv");
}

proctor::SlurmJob job_in(const fs::path& dir) {
  proctor::SlurmJob job;
  job.kit = dir / "kit with a space";
  job.lab = "01_processes";
  job.class_dir = "/shared/class of 2026";
  job.out = "/shared/grades/01";
  job.shards = 3;
  job.cpus_per_task = 2;
  job.remote.cache = "http://cache:9090";
  return job;
}

}  // namespace

TEST_CASE("the array task grades its own part, with every path reaching proctor whole") {
  const fs::path dir = proctor::testing::scratch_dir("cluster_test", "grade-script");
  const proctor::SlurmJob job = job_in(dir);
  const std::string script = proctor::slurm_grade_script(job);
  CHECK_THAT(script, Catch::Contains("#SBATCH --array=1-3\n") &&
                         Catch::Contains("#SBATCH --cpus-per-task=2\n") &&
                         Catch::Contains("#SBATCH --output=/shared/grades/01/slurm/part-%a.log\n"));
  CHECK(run_as_task(dir, script, "2") ==
        "-j\n2\ngrade\n01_processes\n/shared/class of 2026\n--out\n/shared/grades/01/parts/2\n"
        "--shard\n2/3\n--remote-cache\nhttp://cache:9090\n");
}

TEST_CASE("the merge job joins every part into the class folder") {
  const fs::path dir = proctor::testing::scratch_dir("cluster_test", "merge-script");
  proctor::SlurmJob job = job_in(dir);
  job.partition = "teaching";
  const std::string script = proctor::slurm_merge_script(job);
  CHECK_THAT(script,
             Catch::Contains("#SBATCH --partition=teaching\n") && !Catch::Contains("--array"));
  CHECK(run_as_task(dir, script, "") ==
        "merge\n/shared/grades/01/class\n/shared/grades/01/parts/1\n/shared/grades/01/parts/2\n"
        "/shared/grades/01/parts/3\n");
}

TEST_CASE("shell quoting keeps any text one word") {
  CHECK(proctor::shell_quote("/plain/path-1.0") == "/plain/path-1.0");
  CHECK(proctor::shell_quote("a b") == "'a b'");
  CHECK(proctor::shell_quote("it's $HOME `x`") == "'it'\\''s $HOME `x`'");
  CHECK(proctor::shell_quote("") == "''");
}

TEST_CASE("the cache server's nginx takes GET and PUT under its folder only") {
  const std::string config = proctor::cache_server_config("/srv/cache", 9090, "www-data");
  CHECK_THAT(config, Catch::Contains("listen 9090;") && Catch::Contains("root /srv/cache/data;") &&
                         Catch::Contains("dav_methods PUT;") &&
                         Catch::Contains("create_full_put_path on;") &&
                         Catch::Contains("limit_except GET PUT { deny all; }") &&
                         Catch::Contains("user www-data;") &&
                         Catch::Contains("access_log /srv/cache/access.log;"));
  CHECK_THAT(proctor::cache_server_config("/srv/cache", 9090, ""), !Catch::Contains("user "));
}

TEST_CASE("a port already listened on is said to be taken") {
  const int port = proctor::free_port();
  CHECK_NOTHROW(proctor::check_port_free(port));
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(static_cast<std::uint16_t>(port));
  REQUIRE(::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0);
  REQUIRE(::listen(fd, 1) == 0);
  CHECK_THROWS_WITH(proctor::check_port_free(port),
                    Catch::Contains("port " + std::to_string(port) + " is taken"));
  ::close(fd);
  CHECK_THROWS_WITH(proctor::check_port_free(70000), Catch::Contains("not a port"));
}
