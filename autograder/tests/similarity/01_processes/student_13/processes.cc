// lab 1
#include "labs/01_processes/processes.h"
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <stdexcept>
#include <system_error>

namespace lab01
{

ExitStatus
decode_status (int ws)
{
  ExitStatus st;
  if (WIFEXITED (ws))
    {
      st.exited = true;
      st.code = WEXITSTATUS (ws);
    }
  else if (WIFSIGNALED (ws))
    {
      st.signal = WTERMSIG (ws);
#ifdef WCOREDUMP
      st.core_dumped = WCOREDUMP (ws) != 0;
#endif
    }
  return st;
}

namespace
{

// close helper (safe to call twice)
void
shut (int &fd)
{
  if (fd >= 0)
    {
      ::close (fd);
      fd = -1;
    }
}

std::system_error
sys_fail (const char *what)
{
  return std::system_error (errno, std::generic_category (), what);
}

// child side of spawn; sends errno back if execvp fails
[[noreturn]] void
child_exec (const std::vector<std::string> &argv, int input_fd, int output_fd,
            int status_fd)
{
  if (input_fd >= 0)
    ::dup2 (input_fd, STDIN_FILENO);
  if (output_fd >= 0)
    ::dup2 (output_fd, STDOUT_FILENO);
  std::vector<char *> cargv;
  for (const auto &w : argv)
    cargv.push_back (const_cast<char *> (w.c_str ()));
  cargv.push_back (nullptr);
  ::execvp (cargv[0], cargv.data ());
  const int err = errno;
  ssize_t ignored = ::write (status_fd, &err, sizeof err);
  (void)ignored;
  ::_exit (127);
}

// returns errno from the child or 0 on success
int
exec_errno_of (int status_fd)
{
  int err = 0;
  ssize_t nread = 0;
  do
    {
      nread = ::read (status_fd, &err, sizeof err);
    }
  while (nread < 0 && errno == EINTR);
  return nread == static_cast<ssize_t> (sizeof err) ? err : 0;
}

pid_t
launch_with (const std::vector<std::string> &argv, int input_fd, int output_fd)
{
  if (argv.empty ())
    throw std::invalid_argument ("spawn: argv is empty");
  int status_pipe[2];
  if (::pipe2 (status_pipe, O_CLOEXEC) < 0)
    throw sys_fail ("pipe2");
  const pid_t pid = ::fork ();
  if (pid < 0)
    {
      const auto err = sys_fail ("fork");
      shut (status_pipe[0]);
      shut (status_pipe[1]);
      throw err;
    }
  if (pid == 0)
    child_exec (argv, input_fd, output_fd, status_pipe[1]);
  shut (status_pipe[1]);
  const int err = exec_errno_of (status_pipe[0]);
  shut (status_pipe[0]);
  if (err != 0)
    {
      wait_for (pid);
      throw SpawnError (argv[0], err);
    }
  return pid;
}

} // namespace

pid_t
spawn (const std::vector<std::string> &argv)
{
  return launch_with (argv, -1, -1);
}

ExitStatus
wait_for (pid_t pid)
{
  int ws = 0;
  while (::waitpid (pid, &ws, 0) < 0)
    {
      if (errno != EINTR)
        throw sys_fail ("waitpid");
    }
  return decode_status (ws);
}

Captured
capture (const std::vector<std::string> &argv, const std::string &input)
{
  int stdin_fds[2] = { -1, -1 };
  int stdout_fds[2] = { -1, -1 };
  if (::pipe2 (stdin_fds, O_CLOEXEC) < 0)
    throw sys_fail ("pipe2");
  if (::pipe2 (stdout_fds, O_CLOEXEC) < 0)
    {
      const auto err = sys_fail ("pipe2");
      shut (stdin_fds[0]);
      shut (stdin_fds[1]);
      throw err;
    }
  pid_t pid = -1;
  try
    {
      pid = launch_with (argv, stdin_fds[0], stdout_fds[1]);
    }
  catch (...)
    {
      for (int *fd : { &stdin_fds[0], &stdin_fds[1], &stdout_fds[0], &stdout_fds[1] })
        shut (*fd);
      throw;
    }
  shut (stdin_fds[0]);
  shut (stdout_fds[1]);
  ::fcntl (stdin_fds[1], F_SETFL, ::fcntl (stdin_fds[1], F_GETFL) | O_NONBLOCK);
  // don't die if the program stops reading
  struct sigaction sig_ign
  {
  }, old_action{};
  sig_ign.sa_handler = SIG_IGN;
  ::sigaction (SIGPIPE, &sig_ign, &old_action);
  Captured result;
  std::size_t sent = 0;
  if (input.empty ())
    shut (stdin_fds[1]);
  char chunk[65536];
  while (stdout_fds[0] >= 0)
    {
      pollfd watch[2] = { { stdout_fds[0], POLLIN, 0 }, { stdin_fds[1], POLLOUT, 0 } };
      const nfds_t nwatch = stdin_fds[1] >= 0 ? 2 : 1;
      if (::poll (watch, nwatch, -1) < 0)
        {
          if (errno == EINTR)
            continue;
          break;
        }
      if (nwatch == 2 && watch[1].revents != 0)
        {
          const ssize_t k
              = ::write (stdin_fds[1], input.data () + sent, input.size () - sent);
          if (k > 0)
            sent += static_cast<std::size_t> (k);
          if ((k < 0 && errno != EAGAIN && errno != EINTR) || sent == input.size ())
            {
              shut (stdin_fds[1]);
            }
        }
      if (watch[0].revents != 0)
        {
          const ssize_t k = ::read (stdout_fds[0], chunk, sizeof chunk);
          if (k > 0)
            {
              result.out.append (chunk, static_cast<std::size_t> (k));
            }
          else if (k == 0 || errno != EINTR)
            {
              shut (stdout_fds[0]);
            }
        }
    }
  shut (stdin_fds[1]);
  ::sigaction (SIGPIPE, &old_action, nullptr);
  result.status = wait_for (pid);
  return result;
}

ExitStatus
run (const std::vector<std::string> &argv)
{
  return wait_for (spawn (argv));
}

Captured
pipeline (const std::vector<std::vector<std::string> > &stages, const std::string &input)
{
  // TODO(student): Task 4.
  (void)stages;
  (void)input;
  throw std::logic_error ("not implemented: pipeline");
}

TimedResult
run_with_timeout (const std::vector<std::string> &argv, std::chrono::milliseconds limit)
{
  // TODO(student): Task 5.
  (void)argv;
  (void)limit;
  throw std::logic_error ("not implemented: run_with_timeout");
}

Child::Child (const std::vector<std::string> &argv)
{
  // TODO(student): Task 6.
  (void)argv;
  throw std::logic_error ("not implemented: Child::Child");
}

Child::Child (Child &&other) noexcept
{
  // TODO(student): Task 6.
  (void)other;
}

Child &
Child::operator= (Child &&other) noexcept
{
  // TODO(student): Task 6.
  (void)other;
  return *this;
}

Child::~Child ()
{
  // TODO(student): Task 6.
}

ExitStatus
Child::wait ()
{
  // TODO(student): Task 6.
  throw std::logic_error ("not implemented: Child::wait");
}

void
Child::kill (int signal)
{
  // TODO(student): Task 6.
  (void)signal;
  throw std::logic_error ("not implemented: Child::kill");
}

ExitStatus
run_in_child (const std::function<int ()> &task)
{
  // TODO(student): Task 7.
  (void)task;
  throw std::logic_error ("not implemented: run_in_child");
}

IsolationReport
run_isolation_experiment (int before, int child_writes)
{
  // TODO(student): Task 7.
  (void)before;
  (void)child_writes;
  throw std::logic_error ("not implemented: run_isolation_experiment");
}

} // namespace lab01
