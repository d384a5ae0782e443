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

// my solution for lab 1 tasks 1-3
namespace lab01 {

namespace {
void
closeIfOpen(int& fd)
{
    if (fd >= 0) {
        ::close(fd);
        fd = -1;
    }
}

std::system_error
errnoException(const char* call)
{
    return std::system_error(errno, std::generic_category(), call);
}
[[noreturn]] void
runChild(const std::vector<std::string>& argv, int newIn, int newOut, int errFd)
{
    if (newIn >= 0)
        ::dup2(newIn, STDIN_FILENO);
    if (newOut >= 0)
        ::dup2(newOut, STDOUT_FILENO);
    std::vector<char*> ptrs;
    for (const auto& word : argv)
        ptrs.push_back(const_cast<char*>(word.c_str()));
    ptrs.push_back(nullptr);
    ::execvp(ptrs[0], ptrs.data());
    const int e = errno;
    ssize_t ignored = ::write(errFd, &e, sizeof e);
    (void)ignored;
    ::_exit(127);
}
int
childExecErrno(int errFd)
{
    int e = 0;
    ssize_t r = 0;
    do {
        r = ::read(errFd, &e, sizeof e);
    } while (r < 0 && errno == EINTR);
    return r == static_cast<ssize_t>(sizeof e) ? e : 0;
}

pid_t
spawnWithIo(const std::vector<std::string>& argv, int newIn, int newOut)
{
    if (argv.empty())
        throw std::invalid_argument("spawn: argv is empty");
    int errPipe[2];
    if (::pipe2(errPipe, O_CLOEXEC) < 0)
        throw errnoException("pipe2");
    const pid_t childPid = ::fork();
    if (childPid < 0) {
        const auto e = errnoException("fork");
        closeIfOpen(errPipe[0]);
        closeIfOpen(errPipe[1]);
        throw e;
    }
    if (childPid == 0)
        runChild(argv, newIn, newOut, errPipe[1]);
    closeIfOpen(errPipe[1]);
    const int e = childExecErrno(errPipe[0]);
    closeIfOpen(errPipe[0]);
    if (e != 0) {
        wait_for(childPid);
        throw SpawnError(argv[0], e);
    }
    return childPid;
}

} // namespace

pid_t
spawn(const std::vector<std::string>& argv)
{
    return spawnWithIo(argv, -1, -1);
}

ExitStatus
wait_for(pid_t childPid)
{
    int raw = 0;
    while (::waitpid(childPid, &raw, 0) < 0) {
        if (errno != EINTR)
            throw errnoException("waitpid");
    }
    return decode_status(raw);
}

ExitStatus
run(const std::vector<std::string>& argv)
{
    return wait_for(spawn(argv));
}

ExitStatus
decode_status(int raw)
{
    ExitStatus status;
    if (WIFEXITED(raw)) {
        status.exited = true;
        status.code = WEXITSTATUS(raw);
    } else if (WIFSIGNALED(raw)) {
        status.signal = WTERMSIG(raw);
#ifdef WCOREDUMP
        status.core_dumped = WCOREDUMP(raw) != 0;
#endif
    }
    return status;
}

Captured
capture(const std::vector<std::string>& argv, const std::string& input)
{
    int toProg[2] = { -1, -1 };
    int fromProg[2] = { -1, -1 };
    if (::pipe2(toProg, O_CLOEXEC) < 0)
        throw errnoException("pipe2");
    if (::pipe2(fromProg, O_CLOEXEC) < 0) {
        const auto e = errnoException("pipe2");
        closeIfOpen(toProg[0]);
        closeIfOpen(toProg[1]);
        throw e;
    }
    pid_t childPid = -1;
    try {
        childPid = spawnWithIo(argv, toProg[0], fromProg[1]);
    } catch (...) {
        for (int* fd : { &toProg[0], &toProg[1], &fromProg[0], &fromProg[1] })
            closeIfOpen(*fd);
        throw;
    }
    closeIfOpen(toProg[0]);
    closeIfOpen(fromProg[1]);
    ::fcntl(toProg[1], F_SETFL, ::fcntl(toProg[1], F_GETFL) | O_NONBLOCK);
    struct sigaction ignore
    {
    }, previous{};
    ignore.sa_handler = SIG_IGN;
    ::sigaction(SIGPIPE, &ignore, &previous);
    Captured cap;
    std::size_t offset = 0;
    if (input.empty())
        closeIfOpen(toProg[1]);
    char tmp[65536];
    while (fromProg[0] >= 0) {
        pollfd fds[2] = { { fromProg[0], POLLIN, 0 },
                          { toProg[1], POLLOUT, 0 } };
        const nfds_t count = toProg[1] >= 0 ? 2 : 1;
        if (::poll(fds, count, -1) < 0) {
            if (errno == EINTR)
                continue;
            break;
        }
        if (count == 2 && fds[1].revents != 0) {
            const ssize_t n =
              ::write(toProg[1], input.data() + offset, input.size() - offset);
            if (n > 0)
                offset += static_cast<std::size_t>(n);
            if ((n < 0 && errno != EAGAIN && errno != EINTR) ||
                offset == input.size()) {
                closeIfOpen(toProg[1]);
            }
        }
        if (fds[0].revents != 0) {
            const ssize_t n = ::read(fromProg[0], tmp, sizeof tmp);
            if (n > 0) {
                cap.out.append(tmp, static_cast<std::size_t>(n));
            } else if (n == 0 || errno != EINTR) {
                closeIfOpen(fromProg[0]);
            }
        }
    }
    closeIfOpen(toProg[1]);
    ::sigaction(SIGPIPE, &previous, nullptr);
    cap.status = wait_for(childPid);
    return cap;
}

Captured
pipeline(const std::vector<std::vector<std::string>>& stages,
         const std::string& input)
{
    // TODO(student): Task 4.
    (void)stages;
    (void)input;
    throw std::logic_error("not implemented: pipeline");
}

TimedResult
run_with_timeout(const std::vector<std::string>& argv,
                 std::chrono::milliseconds limit)
{
    // TODO(student): Task 5.
    (void)argv;
    (void)limit;
    throw std::logic_error("not implemented: run_with_timeout");
}

Child::Child(const std::vector<std::string>& argv)
{
    // TODO(student): Task 6.
    (void)argv;
    throw std::logic_error("not implemented: Child::Child");
}

Child::Child(Child&& other) noexcept
{
    // TODO(student): Task 6.
    (void)other;
}

Child&
Child::operator=(Child&& other) noexcept
{
    // TODO(student): Task 6.
    (void)other;
    return *this;
}

Child::~Child()
{
    // TODO(student): Task 6.
}

ExitStatus
Child::wait()
{
    // TODO(student): Task 6.
    throw std::logic_error("not implemented: Child::wait");
}

void
Child::kill(int signal)
{
    // TODO(student): Task 6.
    (void)signal;
    throw std::logic_error("not implemented: Child::kill");
}

ExitStatus
run_in_child(const std::function<int()>& task)
{
    // TODO(student): Task 7.
    (void)task;
    throw std::logic_error("not implemented: run_in_child");
}

IsolationReport
run_isolation_experiment(int before, int child_writes)
{
    // TODO(student): Task 7.
    (void)before;
    (void)child_writes;
    throw std::logic_error("not implemented: run_isolation_experiment");
}

} // namespace lab01
