#include "harness/drivers/http_stream.hpp"

namespace drover {
namespace {

using tcp = asio::ip::tcp;

class TcpHttpStream final : public HttpStream {
 public:
  explicit TcpHttpStream(asio::io_context& io) : socket_(io) {}

  asio::awaitable<Connected> connect(const tcp::endpoint& target) override {
    close();
    Connected r;
    co_await socket_.async_connect(target, asio::redirect_error(asio::use_awaitable, r.ec));
    if (!r.ec) {
      boost::system::error_code ignored;
      socket_.set_option(tcp::no_delay(true), ignored);
      socket_.non_blocking(true, ignored);
    }
    co_return r;
  }

  // A request fits the socket's send buffer nearly always: it is written
  // at once, without a trip through the io_context, and only what the
  // buffer refused waits for the socket to drain.
  asio::awaitable<Result> write(std::string_view bytes) override {
    Result r;
    r.bytes = socket_.write_some(asio::buffer(bytes.data(), bytes.size()), r.ec);
    if (r.ec == asio::error::would_block) r.ec.clear();
    if (r.ec || r.bytes == bytes.size()) co_return r;
    bytes.remove_prefix(r.bytes);
    std::size_t rest = co_await asio::async_write(socket_, asio::buffer(bytes.data(), bytes.size()),
                                                  asio::redirect_error(asio::use_awaitable, r.ec));
    r.bytes += rest;
    co_return r;
  }

  asio::awaitable<Result> read_some(asio::mutable_buffer into) override {
    Result r;
    r.bytes =
        co_await socket_.async_read_some(into, asio::redirect_error(asio::use_awaitable, r.ec));
    co_return r;
  }

  void close() override {
    boost::system::error_code ignored;
    socket_.close(ignored);
  }

  bool is_open() const override { return socket_.is_open(); }

 private:
  tcp::socket socket_;
};

}  // namespace

HttpStreamPtr make_tcp_http_stream(asio::io_context& io) {
  return std::make_unique<TcpHttpStream>(io);
}

}  // namespace drover
