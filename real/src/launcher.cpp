#include "dpcast/real/launcher.hpp"

#include <poll.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <iostream>
#include <optional>
#include <utility>
#include <vector>

#include "dpcast/models/error.hpp"
#include "dpcast/real/communicator.hpp"

namespace dpcast::real {
namespace {
using Clock = std::chrono::steady_clock;
constexpr std::uint32_t kMaxPayload = 1u << 20;

// Writes all of `bytes` to a socket (MSG_NOSIGNAL: a peer that is gone is an error, not SIGPIPE).
bool send_all(int fd, const char* bytes, std::size_t n) {
  while (n > 0) {
    const ssize_t w = ::send(fd, bytes, n, MSG_NOSIGNAL);
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) return false;
    bytes += w;
    n -= static_cast<std::size_t>(w);
  }
  return true;
}

std::string frame(const std::string& payload) {
  const auto n = static_cast<std::uint32_t>(payload.size());
  std::string f(sizeof n, '\0');
  std::memcpy(f.data(), &n, sizeof n);
  return f + payload;
}

// A complete frame at the front of `inbox`, removed from it; nullopt while incomplete.
std::optional<std::string> take_frame(std::string& inbox) {
  std::uint32_t n = 0;
  if (inbox.size() < sizeof n) return std::nullopt;
  std::memcpy(&n, inbox.data(), sizeof n);
  if (inbox.size() < sizeof n + n) return std::nullopt;
  std::string payload = inbox.substr(sizeof n, n);
  inbox.erase(0, sizeof n + n);
  return payload;
}

std::string how_it_ended(int rank, int status) {
  char text[160];
  if (WIFEXITED(status))
    std::snprintf(text, sizeof text, "rank %d exited with status %d", rank, WEXITSTATUS(status));
  else if (WIFSIGNALED(status))
    std::snprintf(text, sizeof text, "rank %d was killed by signal %d (%s)", rank, WTERMSIG(status),
                  strsignal(WTERMSIG(status)));
  else
    std::snprintf(text, sizeof text, "rank %d ended with wait status %d", rank, status);
  return text;
}

bool succeeded(int status) {
  return WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

[[noreturn]] void run_worker(int rank, int size, int fd, const std::function<int(WorkerChannel&)>& worker) {
  int rc = 3;
  try {
    WorkerChannel channel(rank, size, fd);
    rc = worker(channel);
  } catch (const std::exception& e) {
    std::cerr << "rank " << rank << ": " << e.what() << "\n";
  } catch (...) {
    std::cerr << "rank " << rank << ": unknown exception\n";
  }
  std::cout.flush();
  std::cerr.flush();
  std::fflush(nullptr);
  ::_exit(rc);  // no atexit handlers or static destructors of the parent's image
}

// One socket pair per worker: [0] the launcher's end, [1] the worker's.
using SocketPairs = std::vector<std::array<int, 2>>;

void close_sockets(SocketPairs& sockets) {
  for (auto& s : sockets)
    for (int& fd : s)
      if (fd >= 0) ::close(std::exchange(fd, -1));
}

SocketPairs open_sockets(int n) {
  SocketPairs sockets(static_cast<std::size_t>(n), {-1, -1});
  for (auto& s : sockets)
    if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, s.data()) != 0) {
      const std::string why = std::strerror(errno);
      close_sockets(sockets);
      throw Error("cannot start the workers: socketpair: " + why);
    }
  return sockets;
}

// Forks one worker per socket pair; each keeps only its own end. When a fork fails, the
// workers already started are killed and every socket closed.
std::vector<pid_t> fork_workers(SocketPairs& sockets, const std::function<int(WorkerChannel&)>& worker) {
  const int n = static_cast<int>(sockets.size());
  const pid_t parent = ::getpid();
  std::vector<pid_t> pids(static_cast<std::size_t>(n), -1);
  for (int r = 0; r < n; ++r) {
    const pid_t pid = ::fork();
    if (pid < 0) {
      const std::string why = std::strerror(errno);
      for (int k = 0; k < r; ++k) ::kill(pids[static_cast<std::size_t>(k)], SIGKILL);
      for (int k = 0; k < r; ++k) ::waitpid(pids[static_cast<std::size_t>(k)], nullptr, 0);
      close_sockets(sockets);
      throw Error("cannot start worker " + std::to_string(r) + ": fork: " + why);
    }
    if (pid == 0) {
      // The worker dies with the launcher; if the launcher is already gone, stop now.
      ::prctl(PR_SET_PDEATHSIG, SIGKILL);
      if (::getppid() != parent) ::_exit(1);
      for (int k = 0; k < n; ++k) {
        ::close(sockets[static_cast<std::size_t>(k)][0]);
        if (k != r) ::close(sockets[static_cast<std::size_t>(k)][1]);
      }
      run_worker(r, n, sockets[static_cast<std::size_t>(r)][1], worker);
    }
    pids[static_cast<std::size_t>(r)] = pid;
  }
  return pids;
}

// The launcher's view of one worker.
struct Worker {
  pid_t pid = -1;
  int fd = -1;
  bool alive = true;
  int status = 0;
  bool stopped = false;  // signalled by the launcher
  std::string inbox;
};

bool bad_input(int status) {
  return WIFEXITED(status) && WEXITSTATUS(status) == 2;
}

// Watches the workers until every one has ended: relays rank 0's frames to the others, reaps
// the ended, and after the first failure stops the rest (SIGTERM, then SIGKILL).
class Watch {
 public:
  Watch(std::vector<Worker> workers, double grace_s)
      : workers_(std::move(workers)),
        grace_(std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(grace_s))),
        alive_(static_cast<int>(workers_.size())) {}

  void run() {
    while (alive_ > 0) {
      relay();
      reap();
      stop_after_failure();
    }
    for (Worker& x : workers_)
      if (x.fd >= 0) ::close(x.fd);
  }

  [[nodiscard]] LaunchResult result() const;

 private:
  void relay();
  void reap();
  void stop_after_failure();
  void signal_alive(int signal_number, bool continue_too);

  std::vector<Worker> workers_;
  Clock::duration grace_;
  int alive_;
  int failed_ = -1;
  std::optional<Clock::time_point> term_at_, kill_at_;
  bool termed_ = false, killed_ = false;
};

// One poll round: relay rank 0's frames to the others; notice closed sockets.
void Watch::relay() {
  const int n = static_cast<int>(workers_.size());
  std::vector<pollfd> fds;
  std::vector<int> ranks;
  for (int r = 0; r < n; ++r)
    if (workers_[static_cast<std::size_t>(r)].fd >= 0) {
      fds.push_back({workers_[static_cast<std::size_t>(r)].fd, POLLIN, 0});
      ranks.push_back(r);
    }
  if (fds.empty()) {
    ::usleep(20000);
    return;
  }
  if (::poll(fds.data(), fds.size(), 20) <= 0) return;
  for (std::size_t i = 0; i < fds.size(); ++i) {
    if (!(fds[i].revents & (POLLIN | POLLHUP | POLLERR))) continue;
    Worker& from = workers_[static_cast<std::size_t>(ranks[i])];
    char buffer[4096];
    const ssize_t got = ::recv(from.fd, buffer, sizeof buffer, 0);
    if (got < 0 && errno == EINTR) continue;
    if (got <= 0) {
      ::close(std::exchange(from.fd, -1));
      continue;
    }
    if (ranks[i] != 0) continue;  // only rank 0 broadcasts
    from.inbox.append(buffer, static_cast<std::size_t>(got));
    while (auto payload = take_frame(from.inbox)) {
      const std::string f = frame(*payload);
      for (int r = 1; r < n; ++r)
        if (workers_[static_cast<std::size_t>(r)].fd >= 0)
          (void)send_all(workers_[static_cast<std::size_t>(r)].fd, f.data(), f.size());
    }
  }
}

// Reap the workers that ended; the first failure sets when the others are stopped.
void Watch::reap() {
  for (int r = 0; r < static_cast<int>(workers_.size()); ++r) {
    Worker& x = workers_[static_cast<std::size_t>(r)];
    if (!x.alive) continue;
    int status = 0;
    const pid_t got = ::waitpid(x.pid, &status, WNOHANG);
    if (got != x.pid) continue;
    x.alive = false;
    x.status = status;
    --alive_;
    if (failed_ < 0 && !succeeded(status)) {
      failed_ = r;
      // Bad input is found alike by every worker, and rank 0 reports it: let them end on
      // their own. Anything else: the others may be waiting on this one; stop them now.
      term_at_ = Clock::now() + (bad_input(status) ? grace_ : Clock::duration::zero());
      kill_at_ = *term_at_ + grace_;
    }
  }
}

void Watch::stop_after_failure() {
  const auto now = Clock::now();
  if (term_at_ && !termed_ && now >= *term_at_) {
    termed_ = true;
    // A stopped worker (SIGSTOP, a debugger) takes SIGTERM only once continued.
    signal_alive(SIGTERM, true);
  }
  if (kill_at_ && !killed_ && now >= *kill_at_) {
    killed_ = true;
    signal_alive(SIGKILL, false);
  }
}

void Watch::signal_alive(int signal_number, bool continue_too) {
  for (Worker& x : workers_)
    if (x.alive) {
      x.stopped = true;
      ::kill(x.pid, signal_number);
      if (continue_too) ::kill(x.pid, SIGCONT);
    }
}

LaunchResult Watch::result() const {
  LaunchResult result;
  if (failed_ < 0) return result;
  const int status = workers_[static_cast<std::size_t>(failed_)].status;
  result.failed_rank = failed_;
  result.exit_status = bad_input(status) ? 2 : 1;
  const Worker& lead = workers_[0];
  if (bad_input(status) && !lead.stopped && bad_input(lead.status)) return result;  // rank 0 said what was wrong
  result.message = how_it_ended(failed_, status);
  std::string stopped;
  int count = 0;
  for (int r = 0; r < static_cast<int>(workers_.size()); ++r)
    if (workers_[static_cast<std::size_t>(r)].stopped) {
      stopped += (count++ ? ", " : "") + std::to_string(r);
    }
  if (count > 0) result.message += "; stopped rank" + std::string(count > 1 ? "s " : " ") + stopped;
  return result;
}
}  // namespace

std::string WorkerChannel::broadcast_from_rank0(const std::string& payload, double timeout_s) {
  if (size_ == 1) return payload;
  if (rank_ == 0) {
    if (payload.size() > kMaxPayload) throw Error("broadcast_from_rank0: more than 1 MiB");
    if (!send_all(fd_, frame(payload).data(), payload.size() + sizeof(std::uint32_t)))
      throw CommTimeout("rank 0: cannot reach the launcher (" + std::string(std::strerror(errno)) + ")");
    return payload;
  }
  const auto until =
      Clock::now() + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(timeout_s));
  std::string inbox;
  while (true) {
    if (auto p = take_frame(inbox)) return *p;
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(until - Clock::now()).count();
    if (left <= 0) {
      char seconds[32];
      std::snprintf(seconds, sizeof seconds, "%g", timeout_s);
      throw CommTimeout("rank " + std::to_string(rank_) + ": rank 0's broadcast has not come after " + seconds +
                        " s: rank 0 has died or hangs");
    }
    pollfd p{fd_, POLLIN, 0};
    const int ready = ::poll(&p, 1, static_cast<int>(std::min<long long>(left, 1000)));
    if (ready < 0 && errno != EINTR)
      throw CommTimeout("rank " + std::to_string(rank_) + ": poll: " + std::strerror(errno));
    if (ready <= 0) continue;
    char buffer[4096];
    const ssize_t got = ::recv(fd_, buffer, sizeof buffer, 0);
    if (got < 0 && errno == EINTR) continue;
    if (got <= 0)
      throw CommTimeout("rank " + std::to_string(rank_) + ": the launcher has gone before rank 0's broadcast came");
    inbox.append(buffer, static_cast<std::size_t>(got));
    if (inbox.size() >= sizeof(std::uint32_t)) {
      std::uint32_t n = 0;
      std::memcpy(&n, inbox.data(), sizeof n);
      if (n > kMaxPayload) throw CommTimeout("rank " + std::to_string(rank_) + ": a malformed broadcast");
    }
  }
}

LaunchResult launch_workers(const LaunchOptions& options, const std::function<int(WorkerChannel&)>& worker) {
  const int n = options.workers;
  if (n < 1) throw Error("launch_workers: needs at least one worker");
  std::cout.flush();
  std::cerr.flush();
  std::fflush(nullptr);  // or the children would print what the parent had buffered

  SocketPairs sockets = open_sockets(n);
  const std::vector<pid_t> pids = fork_workers(sockets, worker);
  for (auto& s : sockets) ::close(std::exchange(s[1], -1));
  std::vector<Worker> workers;
  for (int r = 0; r < n; ++r) {
    Worker x;
    x.pid = pids[static_cast<std::size_t>(r)];
    x.fd = sockets[static_cast<std::size_t>(r)][0];
    workers.push_back(x);
  }
  Watch watch(std::move(workers), options.grace_s);
  watch.run();
  return watch.result();
}

}  // namespace dpcast::real
