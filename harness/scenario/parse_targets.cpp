// "targets": reference, command and address targets.
#include <algorithm>
#include <cctype>
#include <cerrno>
#include <fstream>
#include <system_error>

#include <fmt/format.h>

#include "harness/core/host_port.hpp"
#include "harness/core/regex.hpp"
#include "harness/scenario/parse_sections.hpp"
#include "harness/scenario/reference_targets.hpp"

namespace drover::scenario_json {
namespace {

using namespace std::chrono_literals;

constexpr std::string_view kPortPlaceholder = "{port}";
// What every reference target prints once it is listening.
constexpr const char* kReadyLine = R"(^READY (udp|tcp) (\S+)$)";
constexpr const char* kForms =
    "must have exactly one of \"kind\" (a reference target), \"command\" (a server drover "
    "starts) or \"address\" (a server already running)";

std::optional<std::string> read_host_port(ObjectReader& r, std::string_view key, Need need,
                                          bool placeholder_allowed) {
  std::optional<std::string> text = r.string(key, need);
  if (!text) return std::nullopt;
  if (Expected<void> ok = check_host_port(*text, placeholder_allowed); !ok) {
    r.problems().at(r.at(key), ok.error());
    return std::nullopt;
  }
  return text;
}

// The protocol named by "protocol", or nullopt (reported) when it names none.
std::optional<Protocol> read_protocol(ObjectReader& r, Need need) {
  static const std::vector<Protocol> kProtocols{Protocol::kUdp,     Protocol::kTcp,
                                                Protocol::kTickets, Protocol::kQueue,
                                                Protocol::kPool,    Protocol::kHttp};
  std::vector<std::string> names;
  for (Protocol p : kProtocols) names.emplace_back(protocol_name(p));
  std::optional<std::string> name = r.choice("protocol", need, names);
  if (!name) return std::nullopt;
  return kProtocols[static_cast<std::size_t>(std::find(names.begin(), names.end(), *name) -
                                             names.begin())];
}

void parse_reference(ObjectReader& r, ParseContext& ctx, TargetSpec& t, DeclaredTarget& declared) {
  Problems& problems = ctx.problems;
  t.source = TargetSpec::Source::kReference;
  std::optional<std::string> kind = r.string("kind", Need::kRequired);
  const ReferenceTarget* ref = kind ? find_reference_target(*kind) : nullptr;
  if (kind && ref == nullptr) {
    std::vector<std::string> kinds;
    for (const auto& known : reference_targets()) kinds.push_back(known.kind);
    problems.at(r.at("kind"), fmt::format("unknown kind \"{}\" (known: {})", *kind, joined(kinds)));
  }
  if (ref != nullptr) {
    t.kind = ref->kind;
    t.protocol = ref->protocol;
    declared.protocol = ref->protocol;
    declared.source = t.source;
    declared.reference = ref;
  }

  if (const Json* args = r.get("args")) {
    std::string args_at = r.at("args");
    if (!args->is_object()) {
      problems.at(args_at, "must be an object");
    } else if (ref != nullptr) {
      std::vector<std::string> names;
      for (const TargetArg& a : ref->args) names.push_back(a.name);
      for (const auto& [name, value] : args->items()) {
        std::string at = child(args_at, name);
        auto arg = std::find_if(ref->args.begin(), ref->args.end(),
                                [&name = name](const TargetArg& a) { return a.name == name; });
        if (arg == ref->args.end()) {
          problems.at(at, fmt::format("unknown arg for {} (known: {})", ref->kind, joined(names)));
          continue;
        }
        std::string flag = flag_for_arg(name);
        switch (arg->type) {
          case TargetArg::Type::kInt: {
            std::optional<std::int64_t> n = integer_value(value);
            if (!n || *n < arg->min || *n > arg->max) {
              problems.at(at, fmt::format("must be an integer from {} to {}", arg->min, arg->max));
              n.reset();
            } else {
              t.argv.insert(t.argv.end(), {flag, std::to_string(*n)});
            }
            declared.int_args.emplace_back(name, n);
            break;
          }
          case TargetArg::Type::kBool:
            if (!value.is_boolean()) {
              problems.at(at, "must be true or false");
            } else if (value.get<bool>()) {
              t.argv.push_back(flag);
            }
            break;
          case TargetArg::Type::kChoice: {
            const auto& choices = arg->choices;
            if (!value.is_string() || std::find(choices.begin(), choices.end(),
                                                value.get<std::string>()) == choices.end()) {
              problems.at(at, "must be " + quoted_choices(choices));
            } else {
              t.argv.insert(t.argv.end(), {flag, value.get<std::string>()});
            }
            break;
          }
        }
      }
    }
  }
  t.ready.probe = ReadySpec::Probe::kNone;
  t.ready.stdout_regex = kReadyLine;
  t.ready.timeout = r.duration("ready_timeout", Need::kOptional, Zero::kRefused).value_or(10s);
  t.stop_grace = r.duration("stop_grace", Need::kOptional, Zero::kAllowed).value_or(3s);
  t.cwd = ctx.folder.string();
}

void parse_command_line(ObjectReader& r, TargetSpec& t) {
  const Json* command = r.get("command", Need::kRequired);
  if (command == nullptr) return;
  std::string at = r.at("command");
  bool strings = command->is_array() && std::all_of(command->begin(), command->end(),
                                                    [](const Json& e) { return e.is_string(); });
  if (!strings) {
    r.problems().at(at, "must be an array of strings");
  } else if (command->empty()) {
    r.problems().at(at, "must not be empty (the program to run, then its arguments)");
  }
  if (!strings) return;
  for (std::size_t i = 0; i < command->size(); ++i) {
    const auto& element = (*command)[i].get_ref<const std::string&>();
    // Only the program must be named: an empty argument is a legitimate
    // word of an argv ("--save" ""), and the program gets it as it is.
    if (i == 0 && element.empty()) {
      r.problems().at(child(at, i), "must not be empty (the program to run)");
    }
    refuse_nul(r.problems(), element, child(at, i));
    t.argv.push_back(element);
  }
}

// What "ready" says of its probe.
struct ReadyProbe {
  // It names one ("udp" or "tcp"), even a wrong one: then "protocol" and
  // "address" are not reported missing on top.
  bool named = false;
  std::optional<Protocol> protocol;  // what the probe implies, when it is clear
};

ReadyProbe parse_ready(ObjectReader& r, TargetSpec& t) {
  const Json* ready = r.get("ready");
  if (ready == nullptr) return {};
  ObjectReader rr(r.problems(), *ready, r.at("ready"), format::ready().known_keys());
  if (!rr.ok()) return {true, std::nullopt};
  ReadyProbe probe{rr.has("udp") || rr.has("tcp"), std::nullopt};
  if (rr.has("udp") && rr.has("tcp")) {
    r.problems().at(rr.pointer(), "give at most one of \"udp\" and \"tcp\"");
  } else if (rr.has("udp") || rr.has("tcp")) {
    bool udp = rr.has("udp");
    probe.protocol = udp ? Protocol::kUdp : Protocol::kTcp;
    t.ready.probe = udp ? ReadySpec::Probe::kUdpBound : ReadySpec::Probe::kTcpConnect;
    t.ready.address = read_host_port(rr, udp ? "udp" : "tcp", Need::kOptional, true).value_or("");
  }
  if (std::optional<std::string> regex = rr.string("stdout", Need::kOptional)) {
    if (auto compiled = compile_regex(*regex)) {
      t.ready.stdout_regex = *regex;
    } else {
      r.problems().at(rr.at("stdout"), fmt::format("is not a valid regex ({})", compiled.error()));
    }
  }
  t.ready.timeout = rr.duration("timeout", Need::kOptional, Zero::kRefused).value_or(10s);
  return probe;
}

// "files": name -> text, or an array of lines (joined, each ending in a
// newline). A name is one file in the target's folder, never a path.
void parse_files(ObjectReader& r, Problems& problems, TargetSpec& t) {
  const Json* files = r.get("files");
  if (!files) return;
  if (!files->is_object()) {
    problems.at(r.at("files"), "must be an object: file name -> text or lines");
    return;
  }
  for (const auto& [name, value] : files->items()) {
    const std::string at = child(r.at("files"), name);
    const bool plain = std::all_of(name.begin(), name.end(), [](char c) {
      return std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '_' || c == '-';
    });
    if (name.empty() || name.front() == '.' || name.front() == '-' || !plain) {
      problems.at(at, "is not a file name: letters, digits, '.', '_' and '-', not a path");
      continue;
    }
    std::string text;
    if (value.is_array()) {
      for (std::size_t i = 0; i < value.size(); ++i) {
        if (auto line = read_string(problems, value[i], child(at, i))) text += *line + "\n";
      }
    } else if (auto whole = read_string(problems, value, at)) {
      text = *whole;
    }
    if (refuse_nul(problems, text, at)) t.files.emplace_back(name, std::move(text));
  }
}

void parse_command(ObjectReader& r, ParseContext& ctx, TargetSpec& t, DeclaredTarget& declared) {
  Problems& problems = ctx.problems;
  t.source = TargetSpec::Source::kCommand;
  t.kind = "command";
  declared.source = t.source;
  parse_command_line(r, t);

  ReadyProbe probe = parse_ready(r, t);
  std::optional<Protocol> probe_protocol = probe.protocol;
  std::optional<Protocol> chosen = read_protocol(r, Need::kOptional);
  // ready.tcp only says the server accepts TCP connections: any protocol
  // over TCP fits it ("tickets" with ready.tcp is a ticket server).
  if (chosen && probe_protocol && is_udp(*chosen) != is_udp(*probe_protocol)) {
    bool plain = *chosen == Protocol::kUdp || *chosen == Protocol::kTcp;
    problems.at(
        r.at("protocol"),
        fmt::format("\"{}\"{} does not match the ready probe (\"{}\")", protocol_name(*chosen),
                    plain ? "" : " runs over TCP, which", protocol_name(*probe_protocol)));
    // Which one was meant is unknown: fleets and checks are not judged
    // against a guess.
    probe_protocol.reset();
    chosen.reset();
  } else if (!r.has("protocol") && !probe.named) {
    problems.at(r.at("protocol"), "required when \"ready\" has neither \"udp\" nor \"tcp\"");
  }
  if (!chosen) chosen = probe_protocol;
  if (chosen) {
    t.protocol = *chosen;
    declared.protocol = *chosen;
  }

  if (r.has("address")) {
    t.address = read_host_port(r, "address", Need::kOptional, true).value_or("");
  } else if (probe.named) {
    t.address = t.ready.address;
  } else {
    problems.at(r.at("address"), "required when \"ready\" has neither \"udp\" nor \"tcp\"");
  }

  if (const Json* env = r.get("env")) {
    if (!env->is_object()) {
      problems.at(r.at("env"), "must be an object");
    } else {
      for (const auto& [name, value] : env->items()) {
        std::string at = child(r.at("env"), name);
        if (name.empty() || name.find_first_of(std::string_view("=\0", 2)) != std::string::npos) {
          problems.at(at, "is not an environment variable name");
        } else if (auto text = read_string(problems, value, at)) {
          if (refuse_nul(problems, *text, at)) t.env.emplace_back(name, *text);
        }
      }
    }
  }
  parse_files(r, problems, t);
  std::filesystem::path cwd = ctx.folder;
  if (std::optional<std::string> text = r.string("cwd", Need::kOptional)) cwd /= *text;
  cwd = cwd.lexically_normal();
  // "dir/." normalises to "dir/"; the supervisor and logs want "dir".
  if (!cwd.has_filename() && cwd.has_relative_path()) cwd = cwd.parent_path();
  t.cwd = cwd.string();
  t.stop_grace = r.duration("stop_grace", Need::kOptional, Zero::kAllowed).value_or(3s);

  auto has_placeholder = [](const std::string& s) { return s.find(kPortPlaceholder) != s.npos; };
  t.wants_free_port = std::any_of(t.argv.begin(), t.argv.end(), has_placeholder) ||
                      has_placeholder(t.address) || has_placeholder(t.ready.address) ||
                      std::any_of(t.files.begin(), t.files.end(),
                                  [&](const auto& f) { return has_placeholder(f.second); });
}

// "url": "http://127.0.0.1:8080/base" sets the protocol, the address and
// the base path every op's path goes under.
void parse_url(ObjectReader& r, TargetSpec& t, DeclaredTarget& declared) {
  std::optional<std::string> text = r.string("url", Need::kRequired);
  if (!text) return;
  Expected<ParsedUrl> url = parse_http_url(*text);
  if (!url) {
    r.problems().at(r.at("url"), url.error());
    return;
  }
  if (url->scheme == "https") t.tls = TlsSpec{};
  t.url_scheme = url->scheme;
  t.url_host = url->host;
  t.base_path = url->path;
  declared.base_path = url->path;
  t.address = url->address;
  t.protocol = Protocol::kHttp;
  declared.protocol = t.protocol;
}

// A file of "tls": absolute, or relative to the scenario's folder, or (a
// command target's) "{dir}/...", which is read once the target runs; the
// others must be readable now.
void parse_tls_file(ObjectReader& tr, const ParseContext& ctx, const TargetSpec& t,
                    std::string_view key, std::string& into) {
  std::optional<std::string> text = tr.string(key, Need::kOptional);
  if (!text) return;
  if (text->starts_with(kDirPlaceholder)) {
    if (t.source != TargetSpec::Source::kCommand)
      tr.problems().at(tr.at(key), "\"{dir}\" is a command target's folder: not here");
    into = *text;
    return;
  }
  into = (ctx.folder / *text).lexically_normal().string();
  if (std::ifstream in(into); !in) {
    tr.problems().at(tr.at(key),
                     fmt::format("cannot read \"{}\" ({})", *text,
                                 std::error_code(errno, std::generic_category()).message()));
  }
}

// "tls": HTTPS to an "http" target; an https:// url has set the defaults.
void parse_tls(ObjectReader& r, const ParseContext& ctx, TargetSpec& t) {
  const Json* value = r.get("tls");
  if (value == nullptr) return;
  if (t.url_scheme == "http") {
    r.problems().at(r.at("tls"), "an http:// url speaks plain HTTP: give an https:// url");
  }
  ObjectReader tr(r.problems(), *value, r.at("tls"), format::tls().known_keys());
  if (!tr.ok()) return;
  TlsSpec tls;
  parse_tls_file(tr, ctx, t, "ca_file", tls.ca_file);
  parse_tls_file(tr, ctx, t, "cert_file", tls.cert_file);
  parse_tls_file(tr, ctx, t, "key_file", tls.key_file);
  if (tr.has("cert_file") != tr.has("key_file")) {
    bool cert = tr.has("cert_file");
    tr.problems().at(tr.at(cert ? "key_file" : "cert_file"),
                     cert ? "missing: \"cert_file\" needs the key beside it"
                          : "missing: \"key_file\" needs the certificate beside it");
  }
  tls.insecure = tr.boolean("insecure", Need::kOptional).value_or(false);
  tls.server_name = tr.string("server_name", Need::kOptional).value_or("");
  t.tls = std::move(tls);
}

// Once the protocol and address are known: TLS is for HTTP, and checks the
// address's host (the url's), unless told another name.
void finish_tls(Problems& problems, const std::string& at, TargetSpec& t) {
  if (!t.tls) return;
  if (t.protocol != Protocol::kHttp) {
    problems.at(child(at, "tls"),
                fmt::format("TLS is for \"http\" targets, not \"{}\"", protocol_name(t.protocol)));
  }
  if (!t.tls->server_name.empty()) return;
  // Only the host matters: a "{port}" drover picks later reads as any port.
  std::string address = t.address;
  if (std::size_t at = address.rfind(kPortPlaceholder); at != address.npos)
    address.replace(at, kPortPlaceholder.size(), "1");
  if (std::optional<HostPort> parsed = parse_host_port(address)) t.tls->server_name = parsed->host;
}

void parse_address(ObjectReader& r, TargetSpec& t, DeclaredTarget& declared) {
  t.source = TargetSpec::Source::kAddress;
  t.kind = "address";
  declared.source = t.source;
  if (r.has("url")) {
    if (r.has("address") || r.has("protocol"))
      r.problems().at(r.at("url"), "give either \"url\" or \"address\" and \"protocol\"");
    parse_url(r, t, declared);
    return;
  }
  t.address = read_host_port(r, "address", Need::kRequired, false).value_or("");
  if (std::optional<Protocol> protocol = read_protocol(r, Need::kRequired)) {
    t.protocol = *protocol;
    declared.protocol = t.protocol;
  }
}

// "host": a declared host the target runs on. A command there runs as
// given, in its run folder on the host; what only works on this machine
// (a folder of it, a free port picked here, a UDP probe of its sockets) is
// refused.
void parse_target_host(ObjectReader& r, ParseContext& ctx, TargetSpec& t) {
  std::optional<std::string> host = r.string("host", Need::kOptional);
  if (!host) return;
  t.host = *host;
  if (Expected<void> known = ctx.check_host(*host); !known) {
    ctx.problems.at(r.at("host"), known.error());
  }
  if (t.source != TargetSpec::Source::kCommand) return;
  if (r.has("cwd")) {
    ctx.problems.at(r.at("cwd"),
                    "not with \"host\": a command on a host runs in drover's run "
                    "folder there");
  }
  if (r.has("files")) {
    ctx.problems.at(r.at("files"),
                    "not with \"host\": files are written into the run folder on this machine");
  }
  if (t.tls) {
    for (const auto& [key, path] :
         {std::pair<const char*, const std::string&>{"ca_file", t.tls->ca_file},
          {"cert_file", t.tls->cert_file},
          {"key_file", t.tls->key_file}}) {
      if (path.starts_with(kDirPlaceholder)) {
        ctx.problems.at(child(r.at("tls"), key),
                        "\"{dir}\" is a folder on this machine: not with \"host\"");
      }
    }
  }
  if (t.wants_free_port) {
    ctx.problems.at(r.at("command"),
                    "\"{port}\" is picked on this machine, so not with "
                    "\"host\": give the port the command listens on");
  }
  if (t.ready.probe == ReadySpec::Probe::kUdpBound) {
    ctx.problems.at(child(r.at("ready"), "udp"),
                    "cannot see a host's sockets: with \"host\", wait for a \"stdout\" line");
  }
}

}  // namespace

std::vector<TargetSpec> parse_targets(const Json& value, ParseContext& ctx) {
  std::vector<TargetSpec> out;
  Problems& problems = ctx.problems;
  if (!value.is_object()) {
    problems.at("/targets", "must be an object");
    return out;
  }
  if (value.empty()) {
    problems.at("/targets", "must define at least one target");
    return out;
  }
  ctx.targets_known = true;
  for (const auto& [name, spec] : value.items()) {
    std::string at = child("/targets", name);
    DeclaredTarget declared;
    declared.name = name;
    if (!is_simple_name(name, format::kNameExtras)) {
      problems.at(at, "a target name must be 1 to 64 letters, digits, \"_\" or \"-\"");
    }
    TargetSpec t;
    t.name = name;
    bool kind = spec.contains("kind"), command = spec.contains("command");
    bool address = spec.contains("address") || spec.contains("url");
    if (!spec.is_object()) {
      problems.at(at, "must be an object");
    } else if (kind && !command && !address) {
      ObjectReader r(problems, spec, at, format::reference_target().known_keys());
      parse_reference(r, ctx, t, declared);
      parse_target_host(r, ctx, t);
      declared.host = t.host;
    } else if (command && !kind) {
      ObjectReader r(problems, spec, at, format::command_target().known_keys());
      parse_command(r, ctx, t, declared);
      parse_tls(r, ctx, t);
      parse_target_host(r, ctx, t);
      declared.host = t.host;
    } else if (address && !kind && !command) {
      ObjectReader r(problems, spec, at, format::address_target().known_keys());
      parse_address(r, t, declared);
      parse_tls(r, ctx, t);
      if (r.has("host")) {
        problems.at(r.at("host"),
                    "not with \"address\": the address already says where the server runs "
                    "(\"host\" is for targets drover starts)");
      }
    } else {
      problems.at(at, kForms);
      // Without any of the three, a misspelt one ("kinf") is the likely cause.
      if (!kind && !command && !address) {
        ObjectReader(problems, spec, at,
                     format::reference_target().known_keys() +
                         format::command_target().known_keys() +
                         format::address_target().known_keys());
      }
    }
    finish_tls(problems, at, t);
    ctx.targets.push_back(declared);
    out.push_back(std::move(t));
  }
  return out;
}

}  // namespace drover::scenario_json
