// HttpConnectionPool against an in-memory server (a fake HttpStream): the
// clients of one pool share its connections, pipeline on them with every
// reply going to its own request, wait in turn for a free connection
// within their timeout, fail together when a connection is reset, and send
// again what a Connection: close left unanswered.
#include "harness/drivers/http_pool.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

namespace drover::http_pool_test {
namespace {

using namespace std::chrono_literals;

// How the in-memory server answers, and what it saw.
struct FakeServer {
  std::size_t hold = 1;         // answers once this many requests wait on a connection
  std::size_t reset_after = 0;  // resets a connection once this many came (0: never)
  bool close_first = false;     // each connection's first reply says Connection: close
  bool one_reply = false;       // each connection is closed silently after one reply
  int connects = 0;
  std::size_t most_waiting = 0;  // requests on one connection at once, at most
};

// A connection to the FakeServer: each request (a GET, no body) is answered
// with its path as the body.
class FakeStream final : public HttpStream {
 public:
  FakeStream(asio::io_context& io, FakeServer& server) : timer_(io), server_(server) {}

  asio::awaitable<Connected> connect(const asio::ip::tcp::endpoint&) override {
    ++server_.connects;
    open_ = true;
    reset_ = eof_ = false;
    in_.clear();
    out_.clear();
    waiting_.clear();
    came_ = replies_ = 0;
    co_return Connected{};
  }

  asio::awaitable<Result> write(std::string_view bytes) override {
    if (!open_) co_return Result{asio::error::bad_descriptor, 0};
    in_.append(bytes);
    serve();
    co_return Result{{}, bytes.size()};
  }

  asio::awaitable<Result> read_some(asio::mutable_buffer into) override {
    // As a socket's read would, lets the other clients run first.
    co_await asio::post(co_await asio::this_coro::executor, asio::use_awaitable);
    for (;;) {
      if (!open_) co_return Result{asio::error::operation_aborted, 0};
      if (!out_.empty()) {
        std::size_t n = std::min(into.size(), out_.size());
        std::copy_n(out_.data(), n, static_cast<char*>(into.data()));
        out_.erase(0, n);
        co_return Result{{}, n};
      }
      if (reset_) co_return Result{asio::error::connection_reset, 0};
      if (eof_) co_return Result{asio::error::eof, 0};
      timer_.expires_at(TimePoint::max());
      boost::system::error_code ignored;
      co_await timer_.async_wait(asio::redirect_error(asio::use_awaitable, ignored));
    }
  }

  void close() override {
    open_ = false;
    timer_.cancel();
  }
  bool is_open() const override { return open_; }

 private:
  void serve() {
    for (std::size_t end; (end = in_.find("\r\n\r\n")) != std::string::npos;) {
      std::string head = in_.substr(0, end);
      in_.erase(0, end + 4);
      std::size_t from = head.find(' ') + 1;
      waiting_.push_back(head.substr(from, head.find(' ', from) - from));
      ++came_;
    }
    if (server_.one_reply && replies_ > 0) eof_ = true;  // as if closed while idle
    server_.most_waiting = std::max(server_.most_waiting, waiting_.size());
    if (server_.reset_after > 0 && came_ >= server_.reset_after) reset_ = true;
    if (!reset_ && waiting_.size() >= server_.hold) {
      for (const std::string& path : waiting_) reply(path);
      waiting_.clear();
    }
    timer_.cancel();
  }

  void reply(const std::string& path) {
    if (eof_) return;  // closed: what follows is never read
    bool close = server_.close_first && replies_ == 0;
    ++replies_;
    out_ += "HTTP/1.1 200 OK\r\nContent-Length: " + std::to_string(path.size()) + "\r\n" +
            (close ? "Connection: close\r\n" : "") + "\r\n" + path;
    eof_ = close;
  }

  asio::steady_timer timer_;
  FakeServer& server_;
  bool open_ = false, reset_ = false, eof_ = false;
  std::string in_, out_;
  std::vector<std::string> waiting_;
  std::size_t came_ = 0, replies_ = 0;
};

struct Done {
  Outcome outcome;
  HttpExchange exchange;
};

class HttpPoolTest : public ::testing::Test {
 protected:
  std::shared_ptr<HttpConnectionPool> pool(std::size_t connections, std::size_t pipeline) {
    auto p = std::make_shared<HttpConnectionPool>(
        io_, asio::ip::tcp::endpoint(), pipeline,
        [this](asio::io_context& io) { return std::make_unique<FakeStream>(io, server_); });
    p->resize(connections);
    return p;
  }

  // Client c sends paths[c], one after another, each bounded by timeouts[c];
  // what each came to, by client, once all are done.
  std::vector<std::vector<Done>> run(std::shared_ptr<HttpConnectionPool> shared,
                                     const std::vector<std::vector<std::string>>& paths,
                                     std::vector<Duration> timeouts = {}) {
    timeouts.resize(paths.size(), 1s);
    std::vector<std::vector<Done>> done(paths.size());
    std::vector<std::unique_ptr<HttpPoolClient>> clients;
    for (std::size_t c = 0; c < paths.size(); ++c) {
      clients.push_back(std::make_unique<HttpPoolClient>(io_, shared, 10ms));
      asio::co_spawn(io_, send_all(*clients.back(), paths[c], timeouts[c], done[c]),
                     asio::detached);
    }
    shared.reset();
    io_.run_for(10s);
    EXPECT_TRUE(io_.stopped()) << "a client never finished";
    return done;
  }

  static asio::awaitable<void> send_all(HttpPoolClient& client, std::vector<std::string> paths,
                                        Duration timeout, std::vector<Done>& done) {
    for (const std::string& path : paths) {
      HttpExchange x;
      x.wire = "GET " + path + " HTTP/1.1\r\nHost: h\r\n\r\n";
      Outcome outcome = co_await client.exchange(x, HttpLimits{timeout, timeout, 1024, false});
      done.push_back({outcome, std::move(x)});
    }
    client.close();
  }

  asio::io_context io_;
  FakeServer server_;
};

TEST_F(HttpPoolTest, PipelinedRepliesGoToTheirOwnRequests) {
  server_.hold = 4;  // only four requests at once on the connection are answered
  std::vector<std::vector<std::string>> paths(4);
  for (std::size_t c = 0; c < paths.size(); ++c)
    for (int n = 0; n < 20; ++n)
      paths[c].push_back("/" + std::to_string(c) + "/" + std::to_string(n));
  auto done = run(pool(1, 4), paths);
  for (std::size_t c = 0; c < paths.size(); ++c) {
    ASSERT_EQ(done[c].size(), paths[c].size());
    for (std::size_t n = 0; n < paths[c].size(); ++n) {
      EXPECT_EQ(done[c][n].outcome, Outcome::kOk) << done[c][n].exchange.error;
      EXPECT_EQ(done[c][n].exchange.reply.body, paths[c][n]);
    }
  }
  EXPECT_EQ(server_.connects, 1);
  EXPECT_EQ(server_.most_waiting, 4u);
}

TEST_F(HttpPoolTest, ClientsShareNoMoreConnectionsThanThePoolHolds) {
  std::vector<std::vector<std::string>> paths(6, std::vector<std::string>(10, "/x"));
  auto done = run(pool(2, 1), paths);
  for (const auto& client : done)
    for (const Done& d : client) EXPECT_EQ(d.outcome, Outcome::kOk);
  EXPECT_EQ(server_.connects, 2);
  EXPECT_EQ(server_.most_waiting, 1u);
}

TEST_F(HttpPoolTest, AResetFailsEveryRequestOnTheConnectionEachWithItsOwnExample) {
  server_.hold = 10;        // never answers
  server_.reset_after = 3;  // resets once three requests came
  auto done = run(pool(1, 3), {{"/a"}, {"/b"}, {"/c"}});
  int behind = 0;
  for (const auto& client : done) {
    ASSERT_EQ(client.size(), 1u);
    EXPECT_EQ(client[0].outcome, Outcome::kReset);
    behind += !client[0].exchange.behind.empty();
  }
  EXPECT_EQ(behind, 2) << "the two requests behind the first say so";
  EXPECT_EQ(server_.connects, 1) << "a fresh connection is not retried";
}

TEST_F(HttpPoolTest, AClientThatFindsNoFreeConnectionWaitsNoLongerThanItsTimeout) {
  server_.hold = 10;  // never answers
  auto done = run(pool(1, 1), {{"/held"}, {"/waits"}}, {300ms, 30ms});
  EXPECT_EQ(done[0][0].outcome, Outcome::kTimeout);
  EXPECT_FALSE(done[0][0].exchange.waited);
  EXPECT_EQ(done[1][0].outcome, Outcome::kTimeout);
  EXPECT_TRUE(done[1][0].exchange.waited);
  EXPECT_EQ(server_.connects, 1);
}

TEST_F(HttpPoolTest, RequestsBehindAConnectionCloseAreSentAgain) {
  server_.close_first = true;
  auto done = run(pool(1, 2), {{"/first"}, {"/second"}});
  EXPECT_EQ(done[0][0].outcome, Outcome::kOk);
  EXPECT_EQ(done[1][0].outcome, Outcome::kOk) << done[1][0].exchange.error;
  EXPECT_EQ(done[1][0].exchange.reply.body, "/second");
  EXPECT_EQ(server_.connects, 2);
}

// As with a connection of its own: a kept-alive connection the server had
// closed while idle fails the next request before any reply began, which is
// then sent once more on a new connection.
TEST_F(HttpPoolTest, ARequestOnAConnectionTheServerClosedWhileIdleIsSentAgainOnce) {
  server_.one_reply = true;
  auto done = run(pool(1, 1), {{"/first", "/second"}});
  EXPECT_EQ(done[0][0].outcome, Outcome::kOk);
  EXPECT_EQ(done[0][1].outcome, Outcome::kOk) << done[0][1].exchange.error;
  EXPECT_EQ(done[0][1].exchange.reply.body, "/second");
  EXPECT_EQ(server_.connects, 2);
}

}  // namespace
}  // namespace drover::http_pool_test
