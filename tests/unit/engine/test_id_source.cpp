// The handle's id source: random version-4 uuids drawn from a pool of system
// randomness, never shared with a forked child; a seed replays a sequence.
#include <doctest/doctest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstring>
#include <set>
#include <string>

#include "engine/id_source.hpp"

using opora::engine::IdSource;

TEST_CASE("uuids are version 4, lower case, and do not repeat") {
  IdSource ids;
  std::set<std::string> seen;
  for (int i = 0; i < 1000; ++i) {  // several pools
    const std::string u = ids.uuid();
    REQUIRE(u.size() == 36);
    CHECK(u[14] == '4');
    CHECK(std::strchr("89ab", u[19]) != nullptr);
    CHECK(u.find_first_not_of("0123456789abcdef-") == std::string::npos);
    CHECK(seen.insert(u).second);
  }
}

TEST_CASE("a seed gives the same uuids again") {
  IdSource a(7);
  IdSource b(7);
  for (int i = 0; i < 5; ++i) CHECK(a.uuid() == b.uuid());
  CHECK(IdSource(8).uuid() != IdSource(7).uuid());
}

TEST_CASE("a forked child draws uuids of its own, not the parent's next ones") {
  IdSource ids;
  ids.uuid();  // the pool is drawn before the fork
  int pipe_fd[2];
  REQUIRE(pipe(pipe_fd) == 0);
  const pid_t child = fork();
  REQUIRE(child >= 0);
  if (child == 0) {
    const std::string u = ids.uuid();
    const ssize_t written = write(pipe_fd[1], u.data(), u.size());
    _exit(written == static_cast<ssize_t>(u.size()) ? 0 : 1);
  }
  close(pipe_fd[1]);
  char buf[36];
  size_t got = 0;
  while (got < sizeof buf) {
    const ssize_t n = read(pipe_fd[0], buf + got, sizeof buf - got);
    if (n <= 0) break;
    got += static_cast<size_t>(n);
  }
  close(pipe_fd[0]);
  int status = 0;
  waitpid(child, &status, 0);
  REQUIRE(got == sizeof buf);
  CHECK(WIFEXITED(status));
  CHECK(std::string(buf, got) != ids.uuid());
}
