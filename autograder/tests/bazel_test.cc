#include "autograder/core/bazel.h"

#include <catch2/catch.hpp>

namespace {

const std::vector<std::string> kSecret = {"autograder/hidden/", "solutions/", ".proctor/stage/"};
const std::string kOwn = ".proctor/stage/b1/bob/";

}  // namespace

TEST_CASE("diagnostics about hidden tests and other submissions are cut, the student's kept") {
  const std::string log =
      "ERROR: /kit/.proctor/stage/b1/bob/BUILD:3:10: Compiling processes.cc failed\n"
      "/kit/.proctor/stage/b1/bob/processes.cc: In function 'int lab01::f()':\n"
      "/kit/.proctor/stage/b1/bob/processes.cc:12:3: error: 'x' was not declared\n"
      "   12 |   x = 1;\n"
      "      |   ^\n"
      "In file included from autograder/hidden/01_processes/hidden_test.cc:3:\n"
      "autograder/hidden/01_processes/hidden_test.cc:40:9: error: secret expected 42\n"
      "   40 |   CHECK(secret() == 42);\n"
      "      |         ^~~~~~\n"
      "/kit/solutions/01_processes/processes.cc:7:1: note: the answer is here\n"
      "    7 | int answer() { return 42; }\n"
      "/kit/.proctor/stage/b1/alice/processes.cc:1:1: error: alice's code\n"
      "    1 | alice();\n"
      "labs/01_processes/processes.h:20:5: note: declared here\n"
      "   20 |     int f();\n";
  const std::string shown = proctor::without_secret_sources(log, kSecret, kOwn);
  CHECK_THAT(shown, Catch::Contains("processes.cc:12:3: error: 'x' was not declared") &&
                        Catch::Contains("   12 |   x = 1;") &&
                        Catch::Contains("labs/01_processes/processes.h:20:5: note") &&
                        Catch::Contains("Compiling processes.cc failed"));
  CHECK_THAT(shown, !Catch::Contains("secret") && !Catch::Contains("42") &&
                        !Catch::Contains("alice") && !Catch::Contains("hidden_test"));
  CHECK_THAT(shown, Catch::Contains("[8 line(s) about the kit's hidden tests"));
}

TEST_CASE("a log with nothing secret is unchanged") {
  const std::string log = "a.cc:1:1: error: x\n    1 | x\n";
  CHECK(proctor::without_secret_sources(log, kSecret, kOwn) == log);
}

TEST_CASE("first_errors starts at the first error and keeps at most the lines asked for") {
  const std::string log =
      "INFO: building\n/s/b/a.cc: In function 'f':\n/s/b/a.cc:1:1: error: one\n"
      "/s/b/a.cc:2:1: error: two\n/s/b/a.cc:3:1: error: three\n";
  const std::string first = proctor::first_errors(log, "/s/b/", 2);
  CHECK(first == "a.cc: In function 'f':\na.cc:1:1: error: one\n[... more errors cut ...]\n");
}

TEST_CASE("the grader's Bazel command lines, with and without remote cache and execution") {
  using Argv = std::vector<std::string>;
  const std::vector<std::string> targets{"//.proctor/stage/01_processes/alice:public_test",
                                         "//.proctor/stage/01_processes/alice:hidden_test"};
  const proctor::Bazel local("/kit", "/tmp/bazel_test-scratch");
  CHECK(local.build_command(targets, "plain", "/s/events.json") ==
        Argv{"bazel", "build", "--keep_going", "--color=no", "--curses=no",
             "--build_event_json_file=/s/events.json", "--", targets[0], targets[1]});
  CHECK(local.bin_dir_command("tsan") == Argv{"bazel", "info", "--config=tsan", "bazel-bin"});

  proctor::RemoteBuild cache;
  cache.cache = "http://cache.example.edu:9090";
  const proctor::Bazel cached("/kit", "/tmp/bazel_test-scratch", cache);
  CHECK(cached.build_command(targets, "tsan", "/s/e.json") ==
        Argv{"bazel", "build", "--keep_going", "--color=no", "--curses=no",
             "--build_event_json_file=/s/e.json", "--config=tsan",
             "--remote_cache=http://cache.example.edu:9090", "--disk_cache=", "--", targets[0],
             targets[1]});
  // bazel info takes the same options, so that it names the same output folders.
  CHECK(cached.bin_dir_command("plain") == Argv{"bazel", "info",
                                                "--remote_cache=http://cache.example.edu:9090",
                                                "--disk_cache=", "bazel-bin"});

  proctor::RemoteBuild executed;
  executed.executor = "grpcs://remote.buildbuddy.io";
  executed.instance_name = "course/os-2026";
  executed.cache = "grpcs://remote.buildbuddy.io";
  const proctor::Bazel remote("/kit", "/tmp/bazel_test-scratch", executed);
  CHECK(remote.build_command({targets[0]}, "plain", "/s/e.json") ==
        Argv{"bazel", "build", "--keep_going", "--color=no", "--curses=no",
             "--build_event_json_file=/s/e.json", "--remote_cache=grpcs://remote.buildbuddy.io",
             "--remote_executor=grpcs://remote.buildbuddy.io",
             "--remote_instance_name=course/os-2026", "--disk_cache=", "--", targets[0]});
}

TEST_CASE("remote settings that Bazel would refuse, or misread, are refused first") {
  const auto refused = [](proctor::RemoteBuild remote) -> std::string {
    try {
      remote.validate();
    } catch (const std::invalid_argument& e) {
      return e.what();
    }
    return "";
  };
  proctor::RemoteBuild ok;
  ok.cache = "https://cache.example.edu/bazel";
  ok.executor = "grpc://10.0.0.5:8980";
  ok.instance_name = "main";
  CHECK(refused(ok).empty());
  CHECK(refused({}).empty());
  CHECK_THAT(refused({"cache.example.edu:9090", "", ""}),
             Catch::Contains("--remote-cache") && Catch::Contains("http://"));
  CHECK_THAT(refused({"ftp://cache", "", ""}), Catch::Contains("--remote-cache 'ftp://cache'"));
  CHECK_THAT(refused({"http://", "", ""}), Catch::Contains("names no host"));
  CHECK_THAT(refused({"http://a b", "", ""}), Catch::Contains("blank"));
  CHECK_THAT(refused({"", "http://exec:8980", ""}),
             Catch::Contains("--remote-executor") && Catch::Contains("grpc://"));
  CHECK_THAT(refused({"", "", "main"}), Catch::Contains("--remote-instance-name needs"));
}
