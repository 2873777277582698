// The fault proxy's TCP relay (fault_proxy.hpp says what each fault does).
#include <deque>
#include <map>

#include "harness/faults/relay.hpp"

namespace drover::proxy_detail {
namespace {

// ---- TCP -------------------------------------------------------------------

// One direction of a connection: chunks read, waiting for their due time.
struct Pipe {
  explicit Pipe(asio::io_context& io) : wake_writer(io), wake_reader(io) {}
  struct Chunk {
    TimePoint due;
    std::vector<char> data;
  };
  std::deque<Chunk> chunks;  // due times never decrease: a stream keeps its order
  std::size_t bytes = 0;
  TimePoint last_due{}, link_free{};
  bool eof = false;
  asio::steady_timer wake_writer, wake_reader;  // condition variables, by cancel()
};

struct Link {
  Link(asio::io_context& io, tcp::socket accepted)
      : client(std::move(accepted)), upstream(io), requests(io), replies(io), connect_timer(io) {}
  tcp::socket client, upstream;
  Pipe requests, replies;
  asio::steady_timer connect_timer;
  std::uint64_t id = 0;
  int open_directions = 2;
  bool closed = false;
};
using LinkPtr = std::shared_ptr<Link>;

void reset_socket(tcp::socket& socket) {
  ErrorCode ignored;
  socket.set_option(tcp::socket::linger(true, 0), ignored);  // close sends RST
  socket.close(ignored);
}

class TcpRelay final : public Relay {
 public:
  TcpRelay(asio::io_context& io, Shared& shared, const std::string& listen_host,
           const std::string& upstream_host, int upstream_port)
      : Relay(io, shared), acceptor_(io), backoff_(io) {
    auto local = resolve<tcp>(io, listen_host, 0, "tcp", "listen");
    upstream_ = resolve<tcp>(io, upstream_host, upstream_port, "tcp", "upstream", &local);
    ErrorCode ec;
    acceptor_.open(local.protocol(), ec);
    if (!ec) acceptor_.set_option(tcp::acceptor::reuse_address(true), ec);
    if (!ec) acceptor_.bind(local, ec);
    if (!ec) acceptor_.listen(asio::socket_base::max_listen_connections, ec);
    if (ec) fail_listen("tcp", listen_host, ec);
    host = acceptor_.local_endpoint().address();
    port = acceptor_.local_endpoint().port();
  }

  void start() override { spawn(accept_clients()); }

  void shutdown() override {
    ErrorCode ignored;
    acceptor_.close(ignored);
    backoff_.cancel();
    for (auto& [id, link] : std::map(links_)) close(*link, false);  // a copy: close() erases
  }

  void reset_all() override {
    for (auto& [id, link] : std::map(links_)) {
      count(shared_.resets);
      close(*link, true);
    }
  }

 private:
  asio::awaitable<void> accept_clients() {
    ErrorCode ec;
    while (!shared_.stopping) {
      tcp::socket client(io_);
      co_await acceptor_.async_accept(client, with(ec));
      if (shared_.stopping || !acceptor_.is_open()) break;
      if (ec) {  // out of descriptors, say: wait rather than spin
        backoff_.expires_after(kAcceptBackoff);
        co_await backoff_.async_wait(with(ec));
        continue;
      }
      const NetworkFault& f = shared_.current();
      if (f.mode == Mode::kReset) {
        count(shared_.resets);
        reset_socket(client);
      } else if (f.mode == Mode::kDrop && shared_.chance(f.rate)) {
        count(shared_.dropped);
        reset_socket(client);
      } else {
        auto link = std::make_shared<Link>(io_, std::move(client));
        link->id = next_id_++;
        links_.emplace(link->id, link);
        spawn(connect(link));
      }
    }
  }

  asio::awaitable<void> connect(LinkPtr link) {
    link->connect_timer.expires_after(kConnectTimeout);
    link->connect_timer.async_wait([link](const ErrorCode& ec) {
      ErrorCode ignored;
      if (!ec) link->upstream.close(ignored);
    });
    ErrorCode ec;
    co_await link->upstream.async_connect(upstream_, with(ec));
    link->connect_timer.cancel();
    if (link->closed) co_return;
    if (ec) co_return close(*link, true);          // as a refused connection would look
    if (shared_.current().mode == Mode::kReset) {  // applied while connecting
      count(shared_.resets);
      co_return close(*link, true);
    }
    for (tcp::socket* socket : {&link->client, &link->upstream}) {
      socket->set_option(tcp::no_delay(true), ec);  // pass chunks on as they come
      socket->non_blocking(true, ec);
    }
    spawn(pump_in(link, link->client, link->requests, false));
    spawn(pump_out(link, link->upstream, link->requests));
    spawn(pump_in(link, link->upstream, link->replies, true));
    spawn(pump_out(link, link->client, link->replies));
  }

  // Reads what `from` sends into pipe, judged by the fault of the moment.
  asio::awaitable<void> pump_in(LinkPtr link, tcp::socket& from, Pipe& pipe, bool reply) {
    ErrorCode ec;
    while (!link->closed) {
      if (pipe.bytes >= kTcpPipeLimit) {  // let TCP flow control slow the sender
        pipe.wake_reader.expires_at(kNever);
        co_await pipe.wake_reader.async_wait(with(ec));
        continue;
      }
      co_await from.async_wait(tcp::socket::wait_read, with(ec));
      if (link->closed) break;
      if (ec) co_return close(*link, true);
      const NetworkFault& f = shared_.current();
      if (f.mode == Mode::kReset) {
        count(shared_.resets);
        co_return close(*link, true);
      }
      std::size_t cap = kMaxRead;
      if (f.mode == Mode::kBandwidth)
        cap = std::clamp<std::size_t>(f.bytes_per_s / 50, 512, kMaxRead);
      std::size_t n = from.read_some(asio::buffer(buffer_.data(), cap), ec);
      if (ec == asio::error::would_block) continue;
      if (ec == asio::error::eof) {
        pipe.eof = true;
        pipe.wake_writer.cancel();
        break;
      }
      if (ec) co_return close(*link, true);
      take(f, pipe, reply, n);
    }
  }

  void take(const NetworkFault& f, Pipe& pipe, bool reply, std::size_t n) {
    if (f.mode == Mode::kBlackhole) return count(shared_.blackholed);
    TimePoint now = Clock::now();
    TimePoint due = now;
    if (f.mode == Mode::kLatency && !reply) due = now + shared_.one_way_delay(f);
    if (f.mode == Mode::kBandwidth) due = Shared::paced(f, now, pipe.link_free, n);
    due = std::max(due, pipe.last_due);
    pipe.last_due = due;
    if (due > now) count(shared_.delayed);
    pipe.chunks.push_back({due, std::vector<char>(buffer_.data(), buffer_.data() + n)});
    pipe.bytes += n;
    pipe.wake_writer.cancel();
  }

  // Writes pipe's chunks to `to` when due; passes the end of stream on.
  asio::awaitable<void> pump_out(LinkPtr link, tcp::socket& to, Pipe& pipe) {
    ErrorCode ec;
    while (!link->closed) {
      if (pipe.chunks.empty()) {
        if (pipe.eof) {
          to.shutdown(tcp::socket::shutdown_send, ec);
          if (--link->open_directions == 0) close(*link, false);
          co_return;
        }
        pipe.wake_writer.expires_at(kNever);
        co_await pipe.wake_writer.async_wait(with(ec));
        continue;
      }
      // A reference stays valid while the reader appends to the deque.
      Pipe::Chunk& front = pipe.chunks.front();
      if (front.due > Clock::now()) {
        pipe.wake_writer.expires_at(front.due);
        co_await pipe.wake_writer.async_wait(with(ec));
        continue;
      }
      count(shared_.forwarded);
      co_await asio::async_write(to, asio::buffer(front.data), with(ec));
      if (link->closed) break;
      if (ec) {
        take_back(shared_.forwarded);
        co_return close(*link, true);
      }
      pipe.bytes -= front.data.size();
      pipe.chunks.pop_front();
      pipe.wake_reader.cancel();
    }
  }

  // Closes both sides; with reset, each side gets an RST instead of a FIN.
  // Pending operations end with operation_aborted; the chunks stay until the
  // last coroutine holding the link ends, so no write loses its buffer.
  void close(Link& link, bool reset) {
    if (link.closed) return;
    link.closed = true;
    ErrorCode ignored;
    for (tcp::socket* socket : {&link.client, &link.upstream}) {
      if (reset) socket->set_option(tcp::socket::linger(true, 0), ignored);
      socket->close(ignored);
    }
    for (asio::steady_timer* timer :
         {&link.connect_timer, &link.requests.wake_writer, &link.requests.wake_reader,
          &link.replies.wake_writer, &link.replies.wake_reader})
      timer->cancel();
    links_.erase(link.id);
  }

  tcp::endpoint upstream_;
  tcp::acceptor acceptor_;
  asio::steady_timer backoff_;
  std::map<std::uint64_t, LinkPtr> links_;
  std::uint64_t next_id_ = 0;
};

}  // namespace

std::unique_ptr<Relay> make_tcp_relay(asio::io_context& io, Shared& shared,
                                      const std::string& listen_host,
                                      const std::string& upstream_host, int upstream_port) {
  return std::make_unique<TcpRelay>(io, shared, listen_host, upstream_host, upstream_port);
}

}  // namespace drover::proxy_detail
