// The scenario document's table, and those of "hosts" and "setup".
#include "harness/core/invariant.hpp"
#include "harness/scenario/format_sections.hpp"

namespace drover::format {
namespace {

constexpr const char* kVariableName = "^[^=]+$";

ObjectPtr auth_object() {
  static const ObjectPtr kAuth = std::make_shared<const Object>(Object{
      {
          optional("key_file", text().at_least(1))
              .about(R"(Private key; "~/" is $HOME, a relative path is under the scenario's )"
                     "folder."),
          optional("passphrase_env", text(kVariableName))
              .about("The key's passphrase, from this environment variable."),
          optional("passphrase_file", text().at_least(1))
              .about("The key's passphrase, the first line of this file."),
          optional("password_env", text(kVariableName))
              .about("The login password, from this environment variable."),
          optional("password_file", text().at_least(1))
              .about("The login password, the first line of this file."),
          optional("agent", boolean()).default_boolean(false).about("ssh-agent at $SSH_AUTH_SOCK."),
          // Secrets never go into a scenario: the parser points to the
          // _env and _file forms.
          refused("password"),
          refused("passphrase"),
      },
      {
          at_most_one({"password_env", "password_file"}),
          at_most_one({"passphrase_env", "passphrase_file"}),
          at_least_one({"key_file", "password_env", "password_file", "agent"}),
          requires_key("passphrase_env", "key_file"),
          requires_key("passphrase_file", "key_file"),
      },
      {},
      {}});
  return kAuth;
}

ObjectPtr host_object() {
  static const ObjectPtr kHost = std::make_shared<const Object>(
      Object{{
                 required("address", text().at_least(1))
                     .about(R"(A literal IPv4 or IPv6 address, or "localhost" (names are not )"
                            "resolved)."),
                 optional("port", integer(1, kMaxPort)).default_number(22),
                 required("user", text().at_least(1)).about("The login."),
                 required("auth", object(auth_object()))
                     .about(R"(Tried in this order: agent, key file, password; at least one. A )"
                            R"("password" or "passphrase" written here is an error.)"),
                 optional("known_hosts", text().at_least(1))
                     .about("The file the host's key must be in. Default ~/.ssh/known_hosts."),
                 optional("host_key_policy", choice({"strict", "accept-new"}))
                     .default_string("strict")
                     .about("strict: the host key must be in known_hosts; accept-new: an unknown "
                            "host's key is recorded (a changed key is always refused)."),
                 optional("connect_timeout", duration())
                     .default_string("10s")
                     .about("How long connecting may take."),
             },
             {},
             {},
             {}});
  return kHost;
}

ObjectPtr setup_step_object() {
  static const ObjectPtr kStep = std::make_shared<const Object>(
      Object{{
                 optional("host", text())
                     .about(R"(A host declared under "hosts"; without it the step runs on this )"
                            "machine, in the scenario's folder."),
                 required("run", command_line())
                     .about("The program, then its arguments, passed as they are (never through a "
                            "shell)."),
                 optional("allow_failure", boolean())
                     .default_boolean(false)
                     .about("A failed step is logged and the run goes on."),
                 optional("timeout", duration())
                     .default_string("60s")
                     .about("The step is killed, with all it started, when it takes longer."),
             },
             {},
             {},
             {}});
  return kStep;
}

ObjectPtr data_file_object() {
  static const ObjectPtr kDataFile = std::make_shared<const Object>(Object{
      {
          optional("order", choice({"round_robin", "random", "once"}))
              .default_string("round_robin")
              .about(R"(How requests take rows: "round_robin", client c's operation n takes )"
                     R"(row (c + n) mod rows; "random", a row from the client's seeded random )"
                     R"(stream; "once", each row at most once in the whole run, and the run )"
                     "ends with an error when none is left."),
          optional("format", choice({"csv", "lines"}))
              .about(R"("csv": the first row names the columns (RFC 4180 quoting); "lines": )"
                     R"(each line is a value. Default: "csv" for a name ending in ".csv", )"
                     R"("lines" otherwise.)"),
      },
      {},
      {},
      {}});
  return kDataFile;
}

ObjectPtr scenario_object() {
  static const ObjectPtr kScenario = std::make_shared<const Object>(Object{
      {
          required("name", name_text(kScenarioNameExtras)).about("Names the run folder."),
          optional("description", text()).about("What the run shows, for its reader."),
          optional("expect", choice({std::string(expect_name(Expect::kPass)),
                                     std::string(expect_name(Expect::kViolation))}))
              .default_string(expect_name(Expect::kPass))
              .about(R"("violation": the target is deliberately broken and catching an )"
                     "invariant violation is the pass."),
          required("targets", map_of(name_pattern(kNameExtras), target_value()).at_least(1))
              .about("The servers under test, by name."),
          required("fleets", array_of(fleet_value()).at_least(1))
              .about("The fleets of clients that drive the targets."),
          required("load", load_value()),
          optional("thresholds", thresholds_value()),
          optional("checks", array_of(check_value()))
              .about("Invariants to check besides those the reference targets bring."),
          optional("faults", array_of(fault_value()))
              .about("What the nemesis does to targets during the load (not with the capacity "
                     "model)."),
          optional("hosts", map_of(name_pattern(kNameExtras),
                                   named("host", object(host_object()))
                                       .about("How to reach one host over SSH (libssh2: ed25519 or "
                                              "ECDSA keys, not RSA).")))
              .about(R"(SSH hosts targets ("target.host") and fleets ("fleet.hosts") can run )"
                     "on, by name. Secrets are never written here: give where to find them."),
          optional("data", map_of(std::string(kDataFileNamePattern),
                                  named("dataFile", object(data_file_object()))
                                      .about("How the rows of one data file are handed out.")))
              .about("Files that {data:FILE:COLUMN} and {data:FILE} placeholders take values "
                     "from, by their path relative to the scenario's folder; each is read "
                     "once, when the scenario is, and at most 256 MiB."),
          optional("setup", array_of(named("setupStep", object(setup_step_object()))))
              .about("Commands run in order before any target starts: on a declared host over "
                     R"(SSH, or on this machine without "host". A failure (unless )"
                     "allow_failure) ends the run with exit code 3."),
      },
      {},
      {},
      {}});
  return kScenario;
}

}  // namespace

Value scenario() {
  return object(scenario_object())
      .about(
          "One drover run: the targets to start or reach, the fleets of clients that drive "
          "them, the load, and what counts as a pass. `drover validate FILE` checks what "
          "this schema cannot (a fleet or check naming an undefined target, a workload or "
          "check that does not fit its target's protocol, a framing on a UDP target, check "
          "parameters against the target's args, regexes, payload sizes). See "
          "scenarios/README.md.");
}

const Object& host() {
  return *host_object();
}

const Object& auth() {
  return *auth_object();
}

const Object& data_file() {
  return *data_file_object();
}

const Object& setup_step() {
  return *setup_step_object();
}

}  // namespace drover::format
