// The tables of "targets": reference, command and address targets, and a
// command target's "ready".
#include "harness/scenario/format_sections.hpp"
#include "harness/scenario/reference_targets.hpp"

namespace drover::format {
namespace {

constexpr const char* kArgsAbout =
    R"(The kind's arguments, passed as flags in the order written ("max_children": 4 is )"
    R"(--max-children 4; true is the bare flag, false none).)";

Key arg_key(const TargetArg& arg) {
  switch (arg.type) {
    case TargetArg::Type::kInt:
      return optional(arg.name, integer(arg.min, arg.max))
          .default_number(static_cast<double>(std::stoll(arg.default_value)))
          .about(arg.help);
    case TargetArg::Type::kBool:
      return optional(arg.name, boolean()).default_boolean(false).about(arg.help);
    case TargetArg::Type::kChoice:
      break;
  }
  return optional(arg.name, choice(arg.choices)).default_string(arg.default_value).about(arg.help);
}

Variant reference_kind(const ReferenceTarget& target) {
  Object args;
  for (const TargetArg& arg : target.args) args.keys.push_back(arg_key(arg));
  Key key = optional("args", object(std::make_shared<const Object>(std::move(args))));
  return {target.kind, target.summary, {key.about(kArgsAbout)}, {}};
}

ObjectPtr reference_target_object() {
  static const ObjectPtr kReference = [] {
    std::vector<Variant> kinds;
    for (const ReferenceTarget& target : reference_targets())
      kinds.push_back(reference_kind(target));
    return with_variants(
        Object{{
                   required("kind", choice({})),
                   // Each kind states its own (reference_kind).
                   optional("args", object(std::make_shared<const Object>())).about(kArgsAbout),
                   optional("ready_timeout", duration())
                       .default_string("10s")
                       .about("How long the target may take to print its READY line."),
                   optional("stop_grace", duration())
                       .default_string("3s")
                       .about("How long it has to exit after SIGTERM before SIGKILL."),
                   optional("host", text())
                       .about(R"(A host declared under "hosts": drover deploys and runs the )"
                              "target there; the fleets stay here unless they name hosts too."),
               },
               {},
               {},
               {}},
        "kind", std::move(kinds));
  }();
  return kReference;
}

ObjectPtr ready_object() {
  static const ObjectPtr kReady = std::make_shared<const Object>(
      Object{{
                 optional("udp", host_port_or_free_port())
                     .about("Ready once this UDP port is bound (on this machine)."),
                 optional("tcp", host_port_or_free_port())
                     .about("Ready once a TCP connection to this address succeeds."),
                 optional("stdout", regex_text())
                     .about("An ECMAScript regex a stdout line must match (a line over 4096 bytes "
                            "never does)."),
                 optional("timeout", duration())
                     .default_string("10s")
                     .about("How long the target may take to be ready."),
             },
             {at_most_one({"udp", "tcp"})},
             {},
             {}});
  return kReady;
}

ObjectPtr tls_object() {
  static const ObjectPtr kTls = std::make_shared<const Object>(Object{
      {
          optional("ca_file", text())
              .default_string("the system's store")
              .about(R"(PEM certificate authorities to trust; relative to the scenario's )"
                     R"(folder, or "{dir}/..." in a command target's folder of the run folder.)"),
          optional("cert_file", text())
              .about(R"(A PEM client certificate, for servers that ask for one; with "key_file".)"),
          optional("key_file", text()).about(R"(The client certificate's PEM private key.)"),
          optional("insecure", boolean())
              .default_string("false")
              .about("true: verify neither the certificate nor its name (drover warns)."),
          optional("server_name", text("^[^\\s/]+$"))
              .default_string("the url's or the address's host")
              .about("The name the certificate must carry, sent as SNI when it is a host name."),
      },
      {requires_key("cert_file", "key_file"), requires_key("key_file", "cert_file")},
      {},
      {}});
  return kTls;
}

Value tls_value() {
  return named("tls", object(tls_object()))
      .about(R"(HTTPS: speak TLS to this "http" target (OpenSSL); an https:// url implies it.)");
}

// "protocol" and "address" come from ready.udp or ready.tcp when not given;
// ready.udp fits only "udp", ready.tcp every other protocol.
std::vector<Rule> command_rules() {
  return {
      schema_rule(R"({"anyOf": [{"required": ["protocol", "address"]},
                                {"required": ["ready"], "properties": {"ready": {"anyOf": [
                                    {"required": ["udp"]}, {"required": ["tcp"]}]}}}]})"),
      schema_rule(
          R"({"if": {"required": ["protocol"], "properties": {"protocol": {"const": "udp"}}},
                      "then": {"properties": {"ready": {"not": {"required": ["tcp"]}}}}})"),
      schema_rule(R"({"if": {"required": ["protocol"],
                             "properties": {"protocol": {"not": {"const": "udp"}}}},
                      "then": {"properties": {"ready": {"not": {"required": ["udp"]}}}}})"),
  };
}

ObjectPtr command_target_object() {
  static const ObjectPtr kCommand = std::make_shared<const Object>(Object{
      {
          required("command", command_line())
              .about(R"(The program, then its arguments; "{port}" in any of them is the free )"
                     "port drover picks."),
          optional("protocol", protocol()),
          optional("address", host_port_or_free_port())
              .about("host:port the fleets use; from ready.udp or ready.tcp when left out."),
          optional("ready", named("ready", object(ready_object()))
                                .about("How drover knows the server is ready: a bound UDP port, an "
                                       "accepting TCP port, and/or a stdout line.")),
          optional("env", map_of("^[^=]+$", text())).about("Extra environment variables."),
          optional("cwd", text()).about("Relative to the scenario file's folder (the default)."),
          optional("files",
                   map_of("^[A-Za-z0-9_][A-Za-z0-9._-]*$", one_of({text(), array_of(text())})))
              .about(R"(Files written before it starts into its folder of the run folder, )"
                     R"("{dir}" in its command: name -> text, or its lines; "{port}" and )"
                     R"("{dir}" in them are substituted.)"),
          optional("tls", tls_value()),
          optional("stop_grace", duration())
              .default_string("3s")
              .about("How long it has to exit after SIGTERM before SIGKILL."),
          optional("host", text())
              .about(R"(A host declared under "hosts": the command runs there as given, in )"
                     R"(drover's run folder on the host (no "cwd", no "{port}", no )"
                     "ready.udp); the host part of its addresses becomes the host's address."),
      },
      command_rules(),
      {},
      {}});
  return kCommand;
}

ObjectPtr address_target_object() {
  static const ObjectPtr kAddress = std::make_shared<const Object>(
      Object{{
                 optional("address", host_port()),
                 optional("protocol", protocol()),
                 optional("url", text("^https?://"))
                     .about(R"(Instead of "address" and "protocol": an http:// or https:// )"
                            R"(url, "https://127.0.0.1:8443/base"; its path goes before every )"
                            "op's path."),
                 optional("tls", tls_value()),
                 // Known so the parser can say the address already places the server.
                 refused("host"),
             },
             {schema_rule(R"({"oneOf": [{"required": ["address", "protocol"],
                                         "not": {"required": ["url"]}},
                                        {"required": ["url"],
                                         "not": {"anyOf": [{"required": ["address"]},
                                                           {"required": ["protocol"]}]}}]})")},
             {},
             {}});
  return kAddress;
}

}  // namespace

Value target_value() {
  return named(
      "target",
      one_of({
          named("referenceTarget", object(reference_target_object()))
              .about("One of drover's reference targets (`drover targets` lists them)."),
          named("commandTarget", object(command_target_object()))
              .about(R"(The user's own server, started by drover. "protocol" and "address" )"
                     "default from ready.udp / ready.tcp; ready.tcp fits every protocol but udp."),
          named("addressTarget", object(address_target_object()))
              .about("A server already running; drover only connects."),
      }));
}

const Object& reference_target() {
  return *reference_target_object();
}

const Object& command_target() {
  return *command_target_object();
}

const Object& address_target() {
  return *address_target_object();
}

const Object& ready() {
  return *ready_object();
}

const Object& tls() {
  return *tls_object();
}

}  // namespace drover::format
