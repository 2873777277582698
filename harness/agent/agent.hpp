// drover-agent: runs one AgentJob on the host it was uploaded to and leaves
// what it recorded in a folder for drover to fetch.
//
// The conversation, over the process's signals and files (drover reaches it
// only through SSH commands): the agent prints READY once its clients are
// set up, starts its load on SIGUSR1 (go), prints "FIGURES {...}" with its
// totals so far every second while it runs, takes SIGUSR2 as word that the
// producers of its consumers' queue are done elsewhere, stops it early on SIGTERM,
// SIGINT or SIGHUP, and in any case by the job's bound after go, so an agent
// whose drover vanished ends by itself. It then writes
// <out>/recording.json (agent_recording.hpp) and, for correctness
// workloads, <out>/history.jsonl, prints DONE and exits 0. A job it cannot
// read exits 2; no go in time, or a folder it cannot write, exits 3.
//
// Its conversation goes to stdout; everything else it has to say (why it
// failed, a load stopped by its bound) goes to log, never to stderr itself:
// drover-agent's main writes it to stderr, which drover keeps as the agent's
// log. Runs on the calling thread, and blocks the agent's signals in it
// before it starts any other thread.
#pragma once

#include <string>

#include "harness/core/notice.hpp"

namespace drover {

// Returns the agent's exit code.
int run_agent(const std::string& job_path, const std::string& out_dir, const Notify& log);

}  // namespace drover
