#include "harness/drivers/http_tls_stream.hpp"

#include <optional>

namespace drover {
namespace {

using tcp = asio::ip::tcp;

// Longer than any connect_timeout: the session's deadline ends a handshake
// by closing the stream first.
constexpr Duration kNoDeadline = std::chrono::hours(24);

class TlsHttpStream final : public HttpStream {
 public:
  TlsHttpStream(asio::io_context& io, std::shared_ptr<TlsClient> client,
                std::shared_ptr<const std::string> target)
      : io_(io), client_(std::move(client)), target_(std::move(target)) {}

  asio::awaitable<Connected> connect(const tcp::endpoint& to) override {
    close();
    // A TLS connection's state cannot be reused: each has a stream of its own.
    stream_.emplace(io_, client_->context());
    Connected r;
    co_await stream_->lowest_layer().async_connect(to,
                                                   asio::redirect_error(asio::use_awaitable, r.ec));
    if (r.ec) co_return r;
    boost::system::error_code ignored;
    stream_->lowest_layer().set_option(tcp::no_delay(true), ignored);
    TlsHandshake shake = co_await handshake(*stream_, *client_, kNoDeadline, *target_);
    r.handshook = true;
    r.resumed = shake.resumed;
    r.handshake_time = shake.time;
    if (!shake.ok) {
      r.tls_error = shake.error;
      close();
    }
    co_return r;
  }

  asio::awaitable<Result> write(std::string_view bytes) override {
    Result r;
    r.bytes = co_await asio::async_write(*stream_, asio::buffer(bytes.data(), bytes.size()),
                                         asio::redirect_error(asio::use_awaitable, r.ec));
    co_return r;
  }

  asio::awaitable<Result> read_some(asio::mutable_buffer into) override {
    Result r;
    r.bytes =
        co_await stream_->async_read_some(into, asio::redirect_error(asio::use_awaitable, r.ec));
    // A server that closes without TLS's close_notify ends the stream as
    // plainly as a TCP close: most HTTPS servers do, after a reply whose
    // end is known (a body that runs to the close is then taken whole, as
    // curl and browsers take it).
    if (r.ec == asio::ssl::error::stream_truncated) r.ec = asio::error::eof;
    co_return r;
  }

  void close() override {
    if (!stream_) return;
    boost::system::error_code ignored;
    stream_->lowest_layer().close(ignored);
  }

  bool is_open() const override { return stream_ && stream_->lowest_layer().is_open(); }

 private:
  asio::io_context& io_;
  std::shared_ptr<TlsClient> client_;
  std::shared_ptr<const std::string> target_;
  std::optional<TlsStream> stream_;
};

}  // namespace

HttpStreamMaker tls_http_streams(std::shared_ptr<TlsClient> client, std::string target) {
  auto name = std::make_shared<const std::string>(std::move(target));
  return [client = std::move(client), name](asio::io_context& io) -> HttpStreamPtr {
    return std::make_unique<TlsHttpStream>(io, client, name);
  };
}

}  // namespace drover
