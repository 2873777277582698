// Where one reply ends in the bytes read from a connection, as the fleet's
// framing (FramingSpec) says, and what its text is:
//   line             up to "\n", without it and without a "\r" before it
//   fixed            as many bytes as the request's payload
//   delimiter        up to the delimiter, with or without it
//   length_prefixed  the payload after a 1-, 2-, 4- or 8-byte length
//   resp             one whole RESP value (resp.hpp): all its bytes, parsed
//   memcached        one whole reply of memcached's text protocol: a line
//                    (STORED, a number, HD ...), VALUE blocks up to END, STAT
//                    lines up to END, or a meta VA block; all of its bytes
//                    but the "\r\n" that ends it. Data blocks are skipped
//                    by their byte count, so a value may hold any bytes
//                    ("END\r\n" too).
// and how drover frames a request the same way. Pure: no I/O, the caller
// owns the buffer.
//
// A Framer scans each byte once however the bytes arrive: it remembers how
// far it looked, and the next call goes on from there. A reply whose text
// would pass spec.max_reply is kTooLarge as soon as that is known (a length
// prefix says so at once), never buffered to the end; bytes that break the
// framing (a length prefix shorter than its own header, input that is not
// RESP) are kMalformed. After either the connection's position in the stream
// is lost: the caller drops the connection and reset()s the Framer.
//
// Not thread-safe: one Framer per connection.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "harness/core/expected.hpp"
#include "harness/drivers/resp.hpp"
#include "harness/scenario/scenario.hpp"

namespace drover {

enum class FrameStatus { kReply, kNeedMore, kTooLarge, kMalformed };

// What the lines of a memcached reply read so far were.
enum class McContext { kFirst, kValues, kStats };

struct Frame {
  FrameStatus status = FrameStatus::kNeedMore;
  std::string_view text;     // kReply: the reply as the framing delivers it
  std::size_t consumed = 0;  // kReply: the bytes it took, header and terminator included
};

class Framer {
 public:
  // spec is valid as the scenario parser checks it (a delimiter is never
  // empty, a header 1, 2, 4 or 8 bytes wide).
  explicit Framer(FramingSpec spec);

  // The first whole reply at the start of data. data holds every byte
  // received since the reply began: each call sees what the previous one
  // saw, and maybe more, until a reply, after which the caller drops its
  // consumed bytes and the next call starts at the next reply.
  // request_size: for fixed framing, the size of the request's payload
  // (drover's own, never the server's); other framings ignore it.
  Frame next(std::string_view data, std::size_t request_size = 0);

  // resp, after a kReply: the value it parsed (moved from at will).
  RespValue& resp() { return parser_.value(); }
  // After kMalformed: why, for a person.
  const std::string& error() const { return error_; }
  const FramingSpec& spec() const { return spec_; }

  // Forgets a reply half read: the connection it came from is gone.
  void reset();

 private:
  Frame line(std::string_view data);
  Frame fixed(std::string_view data, std::size_t size) const;
  Frame delimited(std::string_view data);
  Frame length_prefixed(std::string_view data);
  Frame resp_value(std::string_view data);
  Frame memcached(std::string_view data);
  Frame memcached_reply(std::string_view data, std::size_t text_end, std::size_t consumed);
  Frame malformed(std::string why);

  FramingSpec spec_;
  RespParser parser_;
  // The bytes at the start of the reply already scanned, so known to hold
  // no terminator (line) or no whole delimiter (delimiter).
  std::size_t scanned_ = 0;
  // memcached: where the line being read starts, and what the reply's
  // lines so far were (none, VALUE blocks, STAT lines).
  std::size_t line_start_ = 0;
  McContext context_ = McContext::kFirst;
  std::string error_;
};

// The most bytes one reply of at most spec.max_reply takes on the wire: its
// text and its framing's own (terminator, delimiter, header).
std::size_t largest_wire_reply(const FramingSpec& spec);

// The request as drover writes it under spec: the payload and "\n" (line),
// the payload and the delimiter (delimiter), a length header and the
// payload (length_prefixed), the payload and "\r\n" (memcached), the payload
// alone (fixed, resp). Fails when
// the payload's length does not fit in the header.
Expected<std::string> frame_request(const FramingSpec& spec, std::string_view payload);

}  // namespace drover
