// Reads every reply of a byte stream through a Framer twice: given the
// buffer whole, and with the bytes arriving one at a time, dropping each
// reply's bytes as a connection's buffer does. The framings promise the
// same replies either way; the fuzz targets hold them to it.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "harness/drivers/framing.hpp"

namespace drover::fuzz {

struct Frames {
  std::vector<std::string> replies;
  std::vector<std::size_t> consumed;
  FrameStatus last = FrameStatus::kNeedMore;  // what ended the reading
  std::size_t left = 0;                       // bytes no reply took

  bool operator==(const Frames&) const = default;
};

// on_reply(framer, frame) sees each reply as it is read.
template <typename OnReply>
Frames frames_whole(Framer& framer, std::string_view bytes, std::size_t request_size,
                    OnReply on_reply) {
  Frames frames;
  for (;;) {
    const Frame frame = framer.next(bytes, request_size);
    frames.last = frame.status;
    if (frame.status != FrameStatus::kReply) break;
    on_reply(framer, frame);
    frames.replies.emplace_back(frame.text);
    frames.consumed.push_back(frame.consumed);
    bytes.remove_prefix(frame.consumed);
  }
  frames.left = frames.last == FrameStatus::kNeedMore ? bytes.size() : 0;
  return frames;
}

inline Frames frames_bytewise(Framer& framer, std::string_view bytes, std::size_t request_size) {
  Frames frames;
  std::string buffer;
  for (std::size_t next_byte = 0;; ++next_byte) {
    for (;;) {
      const Frame frame = framer.next(buffer, request_size);
      frames.last = frame.status;
      if (frame.status == FrameStatus::kNeedMore) break;
      if (frame.status != FrameStatus::kReply) return frames;
      frames.replies.emplace_back(frame.text);
      frames.consumed.push_back(frame.consumed);
      buffer.erase(0, frame.consumed);
    }
    if (next_byte == bytes.size()) break;
    buffer += bytes[next_byte];
  }
  frames.left = buffer.size();
  return frames;
}

}  // namespace drover::fuzz
