// The tables of "fleets": a fleet, its "op" or "ops" and an op's "expect".
#include "harness/scenario/format_sections.hpp"
#include "harness/scenario/scenario.hpp"

namespace drover::format {
namespace {

Key timeout(const char* fallback) {
  return optional("timeout", duration())
      .default_string(fallback)
      .about("How long a reply may take: longer is a timeout error.");
}

// A RESP value as a scenario writes it; arrays nest two deep at most.
Value resp_value() {
  Value whole_number = integer_from(0);
  whole_number.minimum.reset();
  std::vector<Value> scalars{text(), whole_number, boolean(), null_value()};
  std::vector<Value> inner = scalars;
  inner.push_back(array_of(one_of(scalars)));
  std::vector<Value> outer = scalars;
  outer.push_back(array_of(one_of(inner)));
  return named("respValue",
               one_of(outer).about(
                   "Text for simple, error, bulk, verbatim, double and big_number replies; a "
                   "whole number for integer; true or false for boolean; null; an array of "
                   "values for array, set, push and map (a map's keys and values alternate), "
                   "nested two deep at most."));
}

ObjectPtr expectation_object() {
  static const ObjectPtr kExpectation = std::make_shared<const Object>(Object{
      {
          optional("equals", payload_template())
              .about("The reply equals this template, rendered for the request."),
          optional("regex", regex_text()).about("The whole reply matches this ECMAScript regex."),
          optional("resp",
                   choice(std::vector<std::string>(kRespTypeNames.begin(), kRespTypeNames.end())))
              .about(R"(Framing "resp" only: the reply is a RESP value of this type.)"),
          optional("value", resp_value())
              .about(R"(With "resp": the reply's value, compared whole.)"),
      },
      {exactly_one({"equals", "regex", "resp"}), requires_key("value", "resp")},
      {},
      {}});
  return kExpectation;
}

Value byte_size() {
  return named("byteSize",
               one_of({integer(1, kMaxReplyLimit),
                       text(R"(^[0-9]+ ?(B|KiB|MiB|GiB)?$)")
                           .about(R"(A size in bytes, or with a unit: "64KiB", "1MiB".)")}));
}

ObjectPtr framing_object() {
  static const ObjectPtr kFraming = with_variants(
      Object{{required("type", choice({})),
              optional("max_reply", byte_size())
                  .default_string("1MiB")
                  .about("The largest reply read; a larger one is a reply_too_large error "
                         "and drops the connection.")},
             {},
             {},
             {}},
      "type",
      {
          {"line", "A reply ends at \\n; its \\n, and a \\r before it, are cut off.", {}, {}},
          {"fixed", "A reply is as many bytes as the request's payload.", {}, {}},
          {"resp",
           "A reply is one RESP value (RESP2 or RESP3), all of its bytes; the request is sent "
           "as written.",
           {},
           {}},
          {"memcached",
           "A reply is one reply of memcached's text protocol (a line; VALUE blocks, or STAT "
           "lines, up to END; a meta VA block), its data blocks read by their byte count; its "
           "text is all of its bytes but the \\r\\n that ends it. The request is sent with "
           "\\r\\n after it.",
           {},
           {}},
          {"delimiter",
           "A reply ends at the delimiter; the request is sent with the delimiter after it, "
           "or with request_end.",
           {required("delimiter", text().at_least(1)).about("The bytes that end a reply."),
            optional("keep", boolean())
                .default_boolean(false)
                .about("true: the reply's text ends with the delimiter."),
            optional("request_end", text())
                .about("The bytes sent after each request instead of the delimiter (\"\": "
                       "none), for protocols whose requests and replies end differently.")},
           {}},
          {"length_prefixed",
           "A length header, then as many bytes; the request is sent with a header too.",
           {optional("bytes", integer(1, 8))
                .default_number(4)
                .about("The header's width: 1, 2, 4 or 8 bytes."),
            optional("endian", choice({"big", "little"}))
                .default_string("big")
                .about("The header's byte order."),
            optional("includes_header", boolean())
                .default_boolean(false)
                .about("true: the length counts the header's own bytes.")},
           {}},
      });
  return kFraming;
}

// An HTTP status, or a class of them ("2xx").
Value http_status() {
  return named("httpStatus", one_of({integer(100, 599), text("^[1-5]xx$")})
                                 .about(R"(A status (200) or a class of them ("2xx").)"));
}

ObjectPtr http_header_check_object() {
  static const ObjectPtr kCheck = std::make_shared<const Object>(Object{
      {optional("equals", text()).about("The header's value is exactly this."),
       optional("regex", regex_text()).about("The header's value contains a match of this regex."),
       optional("present", boolean()).about("true: the header is there; false: it is not.")},
      {exactly_one({"equals", "regex", "present"})},
      {},
      {}});
  return kCheck;
}

// Any JSON value but an object or array nested in another.
Value json_value() {
  std::vector<Value> scalars{text(), number(-1.7e308, 1.7e308), boolean(), null_value()};
  return one_of({text(), number(-1.7e308, 1.7e308), boolean(), null_value(),
                 array_of(one_of(scalars)), map_of("^.*$", one_of(scalars))});
}

ObjectPtr http_body_check_object() {
  static const ObjectPtr kCheck = std::make_shared<const Object>(
      Object{{optional("equals", text()).about("The body is exactly this."),
              optional("regex", regex_text()).about("The body contains a match of this regex."),
              optional("contains", text()).about("The body contains this text."),
              optional("json", text("^(/.*)?$"))
                  .about(R"(The body is JSON; with "value", the value at this JSON pointer.)"),
              optional("value", json_value())
                  .about(R"(With "json": the value the pointer must find, compared as JSON.)")},
             {exactly_one({"equals", "regex", "contains", "json"}), requires_key("value", "json")},
             {},
             {}});
  return kCheck;
}

ObjectPtr http_expectation_object() {
  static const ObjectPtr kExpectation = std::make_shared<const Object>(Object{
      {optional("status", one_of({http_status(), array_of(http_status()).at_least(1)}))
           .default_string("2xx")
           .about(R"(The status, or one of a list: 200, [200, 204], "2xx".)"),
       optional("headers",
                map_of(R"(^[!#$%&'*+.^_`|~0-9A-Za-z-]+$)", object(http_header_check_object())))
           .about(R"(Per header name (any case): {"equals": TEXT}, {"regex": REGEX} or )"
                  R"({"present": true}.)"),
       optional("body", object(http_body_check_object()))
           .about(R"({"equals": TEXT}, {"regex": REGEX}, {"contains": TEXT} or )"
                  R"({"json": POINTER, "value": VALUE}.)")},
      {},
      {},
      {}});
  return kExpectation;
}

// The keys of an op against an http target.
std::vector<Key> http_keys() {
  return {
      optional("method", text("^[A-Z]+$"))
          .default_string("GET")
          .about("http targets only: the request's method."),
      optional("path", payload_template())
          .default_string("/")
          .about("http targets only: the request's path and query, a template; the target "
                 "url's path goes before it."),
      optional("headers", map_of(R"(^[!#$%&'*+.^_`|~0-9A-Za-z-]+$)", payload_template()))
          .about("http targets only: request headers, name to template. Host and "
                 "Content-Length are set by drover."),
      optional("body", payload_template()).about("http targets only: the request body."),
      optional("body_file", text().at_least(1))
          .about("http targets only, instead of body: a file (relative to the scenario) "
                 "sent as it is, read once."),
      optional("connect_timeout", duration())
          .about("http targets only: how long connecting may take (default: timeout); "
                 "longer is a connect_timeout error."),
      optional("keep_alive", boolean())
          .default_boolean(true)
          .about("http targets only: false sends Connection: close and connects for each "
                 "request."),
      optional("connections", integer(1, kMaxClients))
          .about("http targets only: how many keep-alive connections the fleet's clients "
                 "share, split over the load threads (each has at least one); a client that "
                 "finds none free waits, and the wait counts in its latency (default: a "
                 "connection per client). At most the fleet's clients; the same in every op "
                 "of a mix; not with keep_alive false."),
      optional("pipeline", integer(1, kMaxHttpPipeline))
          .default_number(1)
          .about("http targets only, with connections: how many requests one connection "
                 "carries at once, replies read in order (HTTP/1.1 pipelining); 1: one at a "
                 "time."),
      optional("max_body", byte_size())
          .default_string("1MiB")
          .about("http targets only: the largest body read; a larger one is a "
                 "reply_too_large error."),
  };
}

Variant echo() {
  std::vector<Key> keys{
      optional("send", payload_template())
          .about("The payload each operation sends (required for udp and tcp targets)."),
      optional("expect", one_of({choice({"any", "echo", "upper"}), object(expectation_object()),
                                 named("httpExpectation", object(http_expectation_object()))}))
          .default_string("any")
          .about(R"(What a correct reply is: "any", "echo" (the request), "upper" (the )"
                 R"(request upper-cased, ASCII only), {"equals": TEMPLATE} or )"
                 R"({"regex": REGEX}; for http targets {"status", "headers", "body"} )"
                 R"((default: status 2xx).)"),
      optional("framing",
               one_of({choice({"line", "fixed", "resp", "memcached"}), object(framing_object())}))
          .default_string("line")
          .about("TCP targets only: how a reply ends and what its text is (see Framings): "
                 R"("line", "fixed", "resp", "memcached", or an object with "type" (also )"
                 R"("delimiter" or "length_prefixed") and "max_reply".)"),
      optional("clients_per_connection", integer(1, kMaxClientsPerConnection))
          .default_number(1)
          .about("TCP targets only, with expect echo, upper or equals, in every load model: "
                 "how many clients share one connection, each with one request "
                 "outstanding, pipelined in order."),
      timeout("1s"),
  };
  for (Key& key : http_keys()) keys.push_back(std::move(key));
  return {workload_name(Workload::kEcho),
          "udp, tcp and http: send a payload or a request, judge the reply.",
          std::move(keys),
          {}};
}

Variant submit() {
  return {workload_name(Workload::kSubmit),
          "pool: SUBMIT tasks and await their RESULTs.",
          {
              optional("n_max", integer(1, kMaxN))
                  .default_number(1000)
                  .about("Each task's n is drawn from 1..n_max."),
              optional("work", duration())
                  .default_string("1ms")
                  .about("How long each task works, at most 60s."),
              optional("inflight", integer(1, kMaxOpInflight))
                  .default_number(1)
                  .about("SUBMITs a client keeps outstanding."),
              timeout("5s"),
          },
          {}};
}

std::vector<Variant> op_variants() {
  return {
      echo(),
      {workload_name(Workload::kBuy),
       "tickets: SEARCH (unless search is false), then BUY a ticket.",
       {optional("search", boolean()).default_boolean(true).about("SEARCH before each BUY."),
        timeout("5s")},
       {}},
      {workload_name(Workload::kProduce), "queue: PUT a unique item.", {timeout("5s")}, {}},
      {workload_name(Workload::kConsume),
       "queue: GET an item, then mark it DONE; consumers drain the queue at the end.",
       {timeout("5s")},
       {}},
      submit(),
  };
}

ObjectPtr op_object() {
  static const ObjectPtr kOp = with_variants(Object{{optional("workload", choice({}))}, {}, {}, {}},
                                             "workload", op_variants());
  return kOp;
}

// An op of a mix: an echo op with its name and weight (mixes are for the
// echo workload only).
ObjectPtr mix_op_object() {
  static const ObjectPtr kMixOp = with_variants(
      Object{{optional("workload", choice({})),
              required("name", name_text(kNameExtras))
                  .about("Unique in the fleet; names the op's figures and its thresholds' "
                         "{op:NAME} scope."),
              optional("weight", integer(1, kMaxOpWeight))
                  .default_number(1)
                  .about("Each iteration draws this op with a chance of its weight over the "
                         "sum of the fleet's weights.")},
             {},
             {},
             {}},
      "workload", {echo()});
  return kMixOp;
}

ObjectPtr fleet_object() {
  static const ObjectPtr kFleet = std::make_shared<const Object>(Object{
      {
          required("name", name_text(kNameExtras)).about("Unique among the fleets."),
          required("target", name_text(kNameExtras)).about("The name of a target."),
          required("clients", integer(1, kMaxClients)).about("Clients at work at once."),
          optional("op",
                   named("op", object(op_object()))
                       .about("What each client does. The workload defaults from the target's "
                              "protocol: echo for udp and tcp, buy for tickets, submit for "
                              R"(pool; a queue target needs "produce" or "consume". Each )"
                              "workload has its own keys.")),
          optional("ops", array_of(named("mix_op", object(mix_op_object()))).at_least(1))
              .about(R"(Instead of "op": a mix of echo ops, each with a "name" and a )"
                     R"("weight"; each iteration of a client draws one by weight, from the )"
                     "run's seed, and each op has its own figures."),
          optional("hosts", array_of(name_text(kNameExtras)).at_least(1).without_repeats())
              .about(R"(Hosts declared under "hosts" whose drover agents run the fleet's )"
                     "clients, split as evenly as they go (the first hosts take one more); "
                     "drover merges what they record. Not with the capacity model. Default: "
                     "this machine."),
          optional("require_answer", boolean())
              .default_boolean(true)
              .about("false turns off this fleet's fleet_answered invariant (at least one "
                     "correct answer during the load)."),
      },
      {exactly_one({"op", "ops"})},
      {},
      {}});
  return kFleet;
}

}  // namespace

Value fleet_value() {
  return named("fleet", object(fleet_object()));
}

const Object& fleet() {
  return *fleet_object();
}

const Object& op() {
  return *op_object();
}

const Object& mix_op() {
  return *mix_op_object();
}

const Object& expectation() {
  return *expectation_object();
}

const Object& framing() {
  return *framing_object();
}

const Object& http_expectation() {
  return *http_expectation_object();
}

const Object& http_header_check() {
  return *http_header_check_object();
}

const Object& http_body_check() {
  return *http_body_check_object();
}

}  // namespace drover::format
