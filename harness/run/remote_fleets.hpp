// Fleets placed on SSH hosts ("hosts" of a fleet): each host runs its share
// of the fleet's clients in a drover-agent (harness/agent/agent.hpp) that
// drover uploads with a job, starts, sets going together with the local
// load, and stops; its recording and history come back over SFTP and are
// merged into the run's: histograms added bucket by bucket (percentiles are
// computed once, over every host), per-second series added second by
// second, history events renumbered onto drover's clock.
//
// Not thread-safe: the runner's thread owns it, as it owns the hosts'
// sessions. Destroy it before the RemoteTargets whose hosts it uses: its
// destructor stops agents still running.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "harness/agent/agent_recording.hpp"
#include "harness/agent/job.hpp"
#include "harness/core/clock.hpp"
#include "harness/core/notice.hpp"
#include "harness/drivers/queue_producers.hpp"
#include "harness/history/history_log.hpp"
#include "harness/measure/recorder.hpp"
#include "harness/run/figures.hpp"
#include "harness/run/remote_targets.hpp"

namespace drover {

// One fleet's share on one host, as it came back.
struct ShareRecording {
  std::string fleet;
  std::string host;
  int clients = 0;
  Recording recording;  // laid out in the run's slots: the fleet's only
  Duration load_duration{};
};

// What every agent recorded, as collect() brought it back.
struct RemoteRecording {
  // Every share's recording, laid out in the run's slots and moved onto
  // drover's clock: to add to the local one.
  Recording merged;
  std::vector<ShareRecording> shares;  // each share's own, for per-host figures
};

struct RemoteFleetsOptions {
  std::string run_dir;     // the local run folder: agents/<fleet>@<host>/, logs/
  std::string agent_path;  // drover-agent here, uploaded to every fleet host
  std::uint64_t seed = 1;
  bool record_history = true;
  // From go, the bound every agent stops its load by (the run's watchdog
  // bound is the natural choice): an agent whose drover is gone ends.
  Duration bound = std::chrono::minutes(10);
  // Where warnings go (an agent's unreadable figures, a log that stays
  // behind on its host).
  Notify notify;
};

class RemoteFleets {
 public:
  RemoteFleets(const Scenario& scenario, RemoteTargets& hosts, RemoteFleetsOptions options);
  ~RemoteFleets();
  RemoteFleets(const RemoteFleets&) = delete;
  RemoteFleets& operator=(const RemoteFleets&) = delete;

  // Uploads drover-agent and each share's job, starts every agent and waits
  // until each is ready. address_of(fleet) is how the fleet's target is
  // reached from its hosts. Throws HostError naming the host and fleet.
  void start(const std::function<std::string(const FleetSpec&)>& address_of);
  // Sets every agent's load going; call right after the local load started
  // at load_start. Agents that cannot be told are errors() of the run.
  // producers: the local fleets' queue producers, per target. A queue's
  // consumers, here or there, drain only once its producers have ended
  // wherever they run: local consumers are held (one more producer
  // running) until the producers' agents have exited, and consumers'
  // agents are told (SIGUSR2) once those and the local producers have.
  void go(TimePoint load_start, std::map<std::string, QueueProducers>& producers);
  // Whether every agent has ended its load; asks the hosts (and reads the
  // agents' latest figures) at most every 500 ms.
  bool finished();
  // Adds every agent's latest figures (a second old at most) to into, laid
  // out in slots: the fleets on hosts in the live view.
  void add_live(std::vector<SlotRecording>& into, const std::vector<FleetSlots>& slots) const;
  // Whether an agent was lost or could not be told to go: the run is
  // broken, and collect() will say why.
  bool failed() const;
  // Asks every agent still running to stop its load now; idempotent.
  void stop();
  // Waits (bounded) for every agent to exit, fetches its recording,
  // history and logs, and returns the recordings laid out in slots; history
  // events go into history (may be null), onto drover's clock. Throws
  // HostError when an agent failed or left no recording.
  RemoteRecording collect(const std::vector<FleetSlots>& slots, HistoryLog* history);
  // The longest any agent's load lasted, counted from drover's load start.
  Duration longest_load() const { return longest_; }

 private:
  struct Agent;
  // start()'s steps.
  void upload_agents();
  AgentJob job_for(const Agent& agent, const std::string& address) const;
  void launch(Agent& agent, const AgentJob& job);
  void await_ready();
  // collect()'s steps.
  void await_exit();
  void fetch_logs(Agent& agent);
  AgentRecording fetch_recording(Agent& agent);
  void add_history(Agent& agent, Duration shift, HistoryLog& history);

  void read_figures(Agent& agent);
  void coordinate_drains();
  void tell_consumers(const std::string& target);
  void warn(const Agent& agent, const std::string& message) const;
  // Per queue target with producers on hosts or consumers on hosts.
  struct Drain {
    QueueProducers* local = nullptr;
    bool holding_local = false;  // one of the local producers running is ours
    bool agents_told = false;
  };
  std::map<std::string, Drain> drains_;
  const Scenario& scenario_;
  RemoteTargets& hosts_;
  RemoteFleetsOptions options_;
  std::vector<std::unique_ptr<Agent>> agents_;
  TimePoint last_poll_{};
  bool stopping_ = false;
  Duration longest_{};
};

}  // namespace drover
