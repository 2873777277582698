#include "harness/measure/hdr_log.hpp"

#include <zlib.h>

#include <bit>
#include <cmath>
#include <cstring>
#include <ctime>
#include <limits>

#include <fmt/format.h>

namespace drover {

namespace {

// The V2 cookies with the word-size bits HdrHistogram's writers set (0x10);
// readers compare them with those bits (0xf0) masked out.
constexpr std::uint32_t kEncodingCookie = 0x1c849313;
constexpr std::uint32_t kCompressedCookie = 0x1c849314;
constexpr std::uint32_t kCookieBaseMask = ~std::uint32_t{0xf0};
constexpr std::size_t kHeaderSize = 40;  // cookie .. conversion ratio
// Two significant digits, lowest discernible value 1: LatencyHistogram's
// own buckets (see hdr_log.hpp).
constexpr std::int32_t kSignificantDigits = 2;
// A payload longer than this (about 8 MiB of counts) is no histogram.
constexpr std::size_t kMaxPayload = 8u << 20;

void put_be32(std::string& out, std::uint32_t v) {
  for (int shift = 24; shift >= 0; shift -= 8) out.push_back(static_cast<char>(v >> shift));
}
void put_be64(std::string& out, std::uint64_t v) {
  for (int shift = 56; shift >= 0; shift -= 8) out.push_back(static_cast<char>(v >> shift));
}
std::uint64_t get_be(const unsigned char* p, int bytes) {
  std::uint64_t v = 0;
  for (int i = 0; i < bytes; ++i) v = (v << 8) | p[i];
  return v;
}

// ZigZag, then LEB128 of at most 9 bytes (the ninth holds 8 bits), as
// HdrHistogram's ZigZagEncoding writes a long.
void put_zigzag(std::string& out, std::int64_t value) {
  auto v = (static_cast<std::uint64_t>(value) << 1) ^ static_cast<std::uint64_t>(value >> 63);
  for (int i = 0; i < 8; ++i) {
    if (v < 0x80) {
      out.push_back(static_cast<char>(v));
      return;
    }
    out.push_back(static_cast<char>((v & 0x7f) | 0x80));
    v >>= 7;
  }
  out.push_back(static_cast<char>(v));
}

bool get_zigzag(const unsigned char*& p, const unsigned char* end, std::int64_t& value) {
  std::uint64_t v = 0;
  for (int i = 0; i < 9; ++i) {
    if (p == end) return false;
    std::uint64_t byte = *p++;
    if (i == 8) {
      v |= byte << 56;
      break;
    }
    v |= (byte & 0x7f) << (7 * i);
    if ((byte & 0x80) == 0) break;
  }
  value = static_cast<std::int64_t>(v >> 1) ^ -static_cast<std::int64_t>(v & 1);
  return true;
}

constexpr char kBase64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

std::string to_base64(const std::string& bytes) {
  std::string out;
  out.reserve((bytes.size() + 2) / 3 * 4);
  for (std::size_t i = 0; i < bytes.size(); i += 3) {
    std::uint32_t chunk = static_cast<unsigned char>(bytes[i]) << 16;
    if (i + 1 < bytes.size()) chunk |= static_cast<unsigned char>(bytes[i + 1]) << 8;
    if (i + 2 < bytes.size()) chunk |= static_cast<unsigned char>(bytes[i + 2]);
    out.push_back(kBase64[(chunk >> 18) & 63]);
    out.push_back(kBase64[(chunk >> 12) & 63]);
    out.push_back(i + 1 < bytes.size() ? kBase64[(chunk >> 6) & 63] : '=');
    out.push_back(i + 2 < bytes.size() ? kBase64[chunk & 63] : '=');
  }
  return out;
}

Expected<std::string> from_base64(std::string_view text) {
  std::string out;
  std::uint32_t chunk = 0;
  int bits = 0;
  for (char c : text) {
    if (c == '=') break;
    const char* at = std::strchr(kBase64, c);
    if (c == '\0' || at == nullptr) {
      return unexpected(fmt::format("'{}' is not a base64 character", c));
    }
    chunk = (chunk << 6) | static_cast<std::uint32_t>(at - kBase64);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out.push_back(static_cast<char>((chunk >> bits) & 0xff));
    }
  }
  return out;
}

// The V2 encoding: header, then counts up to the last non-empty bucket,
// each run of empty buckets as one negative number.
std::string encode_v2(const LatencyHistogram& h) {
  std::string counts;
  std::size_t next = 0;
  // nonzero_buckets is in index order: the gap before each is empty.
  for (const LatencyHistogram::Bucket& b : h.nonzero_buckets()) {
    std::size_t zeros = b.index - next;
    if (zeros == 1) put_zigzag(counts, 0);
    if (zeros > 1) put_zigzag(counts, -static_cast<std::int64_t>(zeros));
    put_zigzag(counts, static_cast<std::int64_t>(b.count));
    next = b.index + 1;
  }
  std::string out;
  put_be32(out, kEncodingCookie);
  put_be32(out, static_cast<std::uint32_t>(counts.size()));
  put_be32(out, 0);  // normalizing index offset
  put_be32(out, kSignificantDigits);
  put_be64(out, 1);  // lowest discernible value
  put_be64(out, LatencyHistogram::kMaxTrackable);
  put_be64(out, std::bit_cast<std::uint64_t>(1.0));  // integer to double ratio
  return out + counts;
}

// HdrHistogram's bucket layout for a histogram's parameters: where the
// value of each counts index starts.
struct Layout {
  int sub_half_magnitude = 0;
  int unit_magnitude = 0;

  static Expected<Layout> of(std::int32_t digits, std::int64_t lowest) {
    if (digits < 0 || digits > 5) {
      return unexpected(fmt::format("{} significant digits (0 to 5 are valid)", digits));
    }
    if (lowest < 1) return unexpected(fmt::format("lowest discernible value {}", lowest));
    Layout l;
    double largest = 2.0 * std::pow(10.0, digits);
    int magnitude = static_cast<int>(std::ceil(std::log2(largest)));
    l.sub_half_magnitude = (magnitude > 1 ? magnitude : 1) - 1;
    l.unit_magnitude = 63 - std::countl_zero(static_cast<std::uint64_t>(lowest));
    return l;
  }
  // The lowest value of index's bucket, or nullopt past 2^63.
  std::optional<std::uint64_t> value_at(std::uint64_t index) const {
    std::int64_t half = std::int64_t{1} << sub_half_magnitude;
    std::int64_t bucket = static_cast<std::int64_t>(index >> sub_half_magnitude) - 1;
    std::int64_t sub =
        static_cast<std::int64_t>(index & static_cast<std::uint64_t>(half - 1)) + half;
    if (bucket < 0) {
      sub -= half;
      bucket = 0;
    }
    int shift = static_cast<int>(bucket) + unit_magnitude;
    if (shift + sub_half_magnitude + 1 >= 63) return std::nullopt;
    return static_cast<std::uint64_t>(sub) << shift;
  }
};

bool is_own_layout(std::int32_t digits, std::int64_t lowest, double to_nanos) {
  return digits == kSignificantDigits && lowest == 1 && to_nanos == 1.0;
}

Expected<LatencyHistogram> decode_v2(const unsigned char* p, std::size_t size, double to_nanos) {
  if (size < kHeaderSize) return unexpected("the encoding is shorter than its header");
  std::size_t payload = get_be(p + 4, 4);
  if (payload > size - kHeaderSize) {
    return unexpected(
        fmt::format("its payload of {} bytes runs past the {} given", payload, size - kHeaderSize));
  }
  auto digits = static_cast<std::int32_t>(get_be(p + 12, 4));
  auto lowest = static_cast<std::int64_t>(get_be(p + 16, 8));
  auto layout = Layout::of(digits, lowest);
  if (!layout) return unexpected("the histogram has " + layout.error());
  bool own = is_own_layout(digits, lowest, to_nanos);

  std::vector<LatencyHistogram::Bucket> buckets;
  const unsigned char* at = p + kHeaderSize;
  const unsigned char* end = at + payload;
  std::uint64_t index = 0;
  while (at < end) {
    std::int64_t count = 0;
    if (!get_zigzag(at, end, count)) return unexpected("a count is cut short");
    if (count < 0) {
      index += static_cast<std::uint64_t>(-count);
      continue;
    }
    if (count > 0) {
      std::optional<std::uint64_t> value = layout->value_at(index);
      if (!value) return unexpected(fmt::format("bucket {} is past the largest value", index));
      double nanos = static_cast<double>(*value) * to_nanos;
      std::size_t ours =
          own ? LatencyHistogram::index_of(*value)
              : LatencyHistogram::index_of(nanos >= 9.2e18 ? UINT64_MAX
                                                           : static_cast<std::uint64_t>(nanos));
      buckets.push_back({static_cast<std::uint32_t>(ours), static_cast<std::uint64_t>(count)});
    }
    ++index;
  }
  LatencyHistogram h;
  h.add_buckets(buckets);
  return h;
}

Expected<std::string> inflate_payload(const unsigned char* p, std::size_t size) {
  if (size < 8) return unexpected("the compressed encoding is shorter than its header");
  std::size_t length = get_be(p + 4, 4);
  if (length > size - 8) return unexpected("its compressed length runs past the text");
  z_stream z{};
  if (inflateInit(&z) != Z_OK) return unexpected("zlib could not start");
  std::string out(64 * 1024, '\0');
  z.next_in = const_cast<unsigned char*>(p + 8);
  z.avail_in = static_cast<uInt>(length);
  int rc = Z_OK;
  std::size_t produced = 0;
  while (rc == Z_OK) {
    if (produced == out.size()) {
      if (out.size() >= kMaxPayload + kHeaderSize) break;
      out.resize(out.size() * 2);
    }
    z.next_out = reinterpret_cast<unsigned char*>(out.data() + produced);
    z.avail_out = static_cast<uInt>(out.size() - produced);
    rc = inflate(&z, Z_NO_FLUSH);
    produced = out.size() - z.avail_out;
  }
  inflateEnd(&z);
  if (rc != Z_STREAM_END) return unexpected("its compressed payload does not inflate");
  out.resize(produced);
  return out;
}

}  // namespace

std::string encode_compressed_histogram(const LatencyHistogram& histogram) {
  std::string plain = encode_v2(histogram);
  uLongf size = compressBound(plain.size());
  std::string packed(size, '\0');
  compress(reinterpret_cast<Bytef*>(packed.data()), &size,
           reinterpret_cast<const Bytef*>(plain.data()), plain.size());
  packed.resize(size);
  std::string out;
  put_be32(out, kCompressedCookie);
  put_be32(out, static_cast<std::uint32_t>(packed.size()));
  return to_base64(out + packed);
}

Expected<LatencyHistogram> decode_histogram(std::string_view base64, double to_nanos) {
  auto bytes = from_base64(base64);
  if (!bytes) return unexpected(bytes.error());
  const auto* p = reinterpret_cast<const unsigned char*>(bytes->data());
  if (bytes->size() < 4) return unexpected("the histogram is shorter than its cookie");
  auto cookie = static_cast<std::uint32_t>(get_be(p, 4)) & kCookieBaseMask;
  if (cookie == (kEncodingCookie & kCookieBaseMask)) return decode_v2(p, bytes->size(), to_nanos);
  if (cookie != (kCompressedCookie & kCookieBaseMask)) {
    return unexpected(fmt::format("cookie {:#x} is not a V2 histogram's", cookie));
  }
  auto plain = inflate_payload(p, bytes->size());
  if (!plain) return unexpected(plain.error());
  const auto* q = reinterpret_cast<const unsigned char*>(plain->data());
  if (plain->size() < 4 ||
      (get_be(q, 4) & kCookieBaseMask) != (kEncodingCookie & kCookieBaseMask)) {
    return unexpected("the compressed payload is not a V2 histogram");
  }
  return decode_v2(q, plain->size(), to_nanos);
}

}  // namespace drover
