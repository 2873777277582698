// The tables of "checks" (a variant per invariant) and "faults" (a variant
// per action).
#include "harness/core/invariant.hpp"
#include "harness/scenario/format_sections.hpp"

namespace drover::format {
namespace {

Variant invariant(Invariant i, std::string about, std::vector<Key> parameter) {
  return {std::string(invariant_name(i)), std::move(about), std::move(parameter), {}};
}

ObjectPtr check_object() {
  static const ObjectPtr kCheck = with_variants(
      Object{{required("invariant", choice({})),
              required("target", name_text(kNameExtras))
                  .about("The name of a target: one drover starts for no_zombies, one speaking "
                         "tickets for no_oversell, queue for exactly_once, pool for "
                         "pool_complete.")},
             {},
             {},
             {}},
      "invariant",
      {
          invariant(Invariant::kNoZombies, "No child of the target is left unreaped.", {}),
          invariant(Invariant::kNoOversell,
                    "No more tickets sold than the stock, no serial sold twice, and the final "
                    "count is the stock minus the sales.",
                    {optional("stock", integer_from(1)).about("Tickets in stock at start.")}),
          invariant(Invariant::kExactlyOnce,
                    "Every acknowledged PUT consumed exactly once, and the queue never deeper "
                    "than maxsize.",
                    {optional("maxsize", integer_from(1)).about("Most items queued at once.")}),
          invariant(
              Invariant::kPoolComplete,
              "Every SUBMIT answered exactly once with n*n, never more than workers "
              "tasks at once.",
              {optional("workers", integer_from(1)).about("Tasks the pool may run at once.")}),
      });
  return kCheck;
}

Key restart_after() {
  return optional("restart_after", duration())
      .about(
          "Start it again after so long (reference targets on the same port; ticket_db "
          "keeps its file).");
}

Key lasting(const char* about) {
  return optional("for", duration()).about(about);
}

Variant network() {
  return {"network",
          "Through a fault proxy between the target and its fleets.",
          {
              lasting("How long it lasts; without it, until the load ends."),
              required("mode", choice({"drop", "latency", "bandwidth", "reset", "blackhole"})),
              optional("rate", number_above(0, 1))
                  .about("drop: the share of datagrams (UDP) or new connections (TCP) dropped."),
              optional("latency", duration()).about("latency: added to each request."),
              optional("jitter", duration()).about("latency: +- uniformly, at most latency."),
              optional("bandwidth", integer(1, kMaxBandwidth))
                  .about("bandwidth: bytes per second, each direction."),
          },
          {}};
}

Variant partition() {
  return {"partition",
          "nftables rules in the network namespace of the target's host (root, and a namespace "
          "host).",
          {
              required("target", text())
                  .about(R"(A target on a declared host ("host") whose address belongs to a )"
                         "network namespace of this machine."),
              optional("every", duration())
                  .about(R"(Again every so long until the load ends (needs "for").)"),
              lasting("How long it lasts; without it, until the load ends."),
              optional("from", array_of(text()).at_least(1).without_repeats())
                  .about("The declared hosts (or targets on them) the host is cut off from; "
                         "without it, from everything but drover's SSH connection to it."),
          },
          {}};
}

ObjectPtr fault_object() {
  static const ObjectPtr kFault = with_variants(
      Object{{required("action", choice({})),
              required("target", text()).about("The target it strikes."),
              optional("at", duration()).about("Since the load started: the first time."),
              optional("every", duration()).about("Again every so long until the load ends.")},
             {at_least_one({"at", "every"})},
             {},
             {}},
      "action",
      {
          {"kill", "SIGKILL to the target's process group.", {restart_after()}, {}},
          {"terminate", "SIGTERM to the target's process group.", {restart_after()}, {}},
          {"pause",
           "SIGSTOP to the target's process group.",
           {lasting("How long it lasts; without it, until a resume or the end of the load.")},
           {}},
          {"resume", "SIGCONT to the target's process group.", {}, {}},
          {"kill_worker", "SIGKILL to one running child of a forking target.", {}, {}},
          network(),
          partition(),
      });
  return kFault;
}

}  // namespace

Value check_value() {
  return named("check", object(check_object()))
      .about(
          "An invariant checked on a target, beyond those its reference kind implies. The "
          "parameter (stock, maxsize, workers) is taken from a reference target's args; any "
          "other target must give it.");
}

Value fault_value() {
  return named("fault", object(fault_object()))
      .about(
          "One fault: kill, terminate, pause, resume, kill_worker (process faults on targets "
          "drover starts), network (through a fault proxy between the target and its "
          "fleets) or partition (nftables rules in the network namespace of the target's "
          "host; needs root and a namespace host).");
}

const Object& check() {
  return *check_object();
}

const Object& fault() {
  return *fault_object();
}

}  // namespace drover::format
