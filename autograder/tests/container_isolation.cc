// Linked into process_bare_test and process_container_test: before any test
// runs, every isolation layer but the process group, the system call filter
// and (in process_container_test, where CONTAINER_RUN_ACCOUNTS is 1) the run
// accounts is turned off, as in a container (which lets a process filter its
// own system calls, and whose root may switch to other accounts when '/' and
// '/tmp' let them through).

#include "autograder/core/process.h"

namespace {

const bool container = [] {
  proctor::Isolation at_most;
  at_most.seccomp = true;
  at_most.run_accounts = CONTAINER_RUN_ACCOUNTS == 1;
  proctor::restrict_isolation(at_most);
  return true;
}();

}  // namespace
