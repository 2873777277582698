// Whether a history could have been written by drover's clients at all,
// before any invariant is judged on it: a checker fed a crafted or
// corrupted history would otherwise pass it. One check for every workload.
//
// A history is well-formed when:
// - every completion (ok, fail, info) follows an invoke of the same
//   operation by the same client, and is not timed before it;
// - a client has at most one operation open at a time, except SUBMITs,
//   which a pool client pipelines: those pair by task id, and a SUBMIT
//   answer for no open task is the server's doing, left to pool_complete
//   to report (a repeated answer, or one for a task never submitted);
// - the targets' final states (fleet "@<target>") are stamped after the
//   load's last event (when every fleet runs on this machine: times from
//   other hosts are shifted onto drover's clock by an estimate).
//
// Events of other fleets (the nemesis' "@nemesis") are not looked at.
// Memory grows with the number of clients. Not thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "harness/checks/checker.hpp"
#include "harness/history/event.hpp"

namespace drover {

class WellFormedness {
 public:
  explicit WellFormedness(const std::vector<CheckScope>& scopes);

  // line: the event's line in the file, for the message.
  void observe(const Event& event, std::uint64_t line);
  // After the last event: the first problem found, as "LINE: what is
  // wrong"; nullopt when the history is well-formed.
  std::optional<std::string> problem() const;

 private:
  struct OpenTask {
    std::int64_t task;
    std::uint64_t time_ns;
    std::uint64_t line;
  };
  // What one client has open.
  struct Client {
    bool open = false;
    std::string f;
    std::uint64_t time_ns = 0;
    std::uint64_t line = 0;
    std::vector<OpenTask> tasks;  // SUBMITs
  };
  struct Stamp {
    std::uint64_t time_ns = 0;
    std::uint64_t line = 0;
    std::string what;
  };

  void invoke(Client& c, const Event& e, std::uint64_t line);
  void complete(Client& c, const Event& e, std::uint64_t line);
  void submit(Client& c, const Event& e, std::uint64_t line);
  void flag(std::uint64_t line, std::string what);

  std::vector<std::string> fleets_;  // load fleets first, then "@<target>"s
  std::size_t load_fleets_ = 0;
  std::unordered_map<std::uint64_t, Client> clients_;
  std::optional<Stamp> last_load_;
  std::optional<Stamp> first_final_;
  std::optional<std::string> problem_;
  bool one_clock_ = true;
};

}  // namespace drover
