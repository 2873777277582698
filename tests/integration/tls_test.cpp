// TlsClient and handshake() against an in-process Asio TLS server on
// loopback, with certificates made for the test: verification by a
// ca_file, by the system's store, of host names and of IP addresses;
// insecure; client certificates; sessions resumed over TLS 1.2 and 1.3; a
// handshake's deadline; and the errors a bad file gives at construction.
#include "harness/drivers/tls.hpp"

#include <atomic>
#include <future>
#include <mutex>
#include <thread>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "tests/support/temp_dir.hpp"
#include "tests/support/tls_certs.hpp"

namespace drover::test::tls_test {
namespace {

using namespace std::chrono_literals;
using boost::system::error_code;
using tcp = asio::ip::tcp;
using ::testing::HasSubstr;

struct ServerOptions {
  int version = 0;  // 0: TLS 1.2 or 1.3; TLS1_2_VERSION or TLS1_3_VERSION: only that one
  bool require_client_cert = false;
};

// A TLS server on 127.0.0.1 on its own thread: for each connection, a
// handshake, then "hello\n", then it reads until the client goes. Counts
// the handshakes that succeeded and those that resumed a session.
class TlsServer {
 public:
  TlsServer(const TlsCerts& certs, ServerOptions options)
      : acceptor_(io_, {asio::ip::make_address("127.0.0.1"), 0}) {
    SSL_CTX* ctx = context_.native_handle();
    context_.use_certificate_chain_file(certs.server_chain.string());
    context_.use_private_key_file(certs.server_key.string(), asio::ssl::context::pem);
    if (options.version != 0) {
      SSL_CTX_set_min_proto_version(ctx, options.version);
      SSL_CTX_set_max_proto_version(ctx, options.version);
    }
    // Sessions of clients that showed a certificate resume only within a context id.
    static const unsigned char kId[] = "drover-tls-test";
    SSL_CTX_set_session_id_context(ctx, kId, sizeof kId - 1);
    if (options.require_client_cert) {
      context_.load_verify_file(certs.ca_cert.string());
      context_.set_verify_mode(asio::ssl::verify_peer | asio::ssl::verify_fail_if_no_peer_cert);
    }
    asio::co_spawn(io_, accept(), asio::detached);
    thread_ = std::thread([this] { io_.run(); });
  }
  ~TlsServer() {
    io_.stop();
    thread_.join();
  }

  int port() const { return acceptor_.local_endpoint().port(); }
  int handshakes() const { return handshakes_; }
  int resumed() const { return resumed_; }
  // The server name (SNI) the last successful handshake carried; "" for none.
  std::string last_sni() const {
    std::lock_guard lock(mutex_);
    return last_sni_;
  }

 private:
  asio::awaitable<void> accept() {
    for (;;) {
      error_code ec;
      tcp::socket socket =
          co_await acceptor_.async_accept(asio::redirect_error(asio::use_awaitable, ec));
      if (ec) co_return;
      asio::co_spawn(io_, serve(std::move(socket)), asio::detached);
    }
  }

  asio::awaitable<void> serve(tcp::socket socket) {
    TlsStream stream(std::move(socket), context_);
    error_code ec;
    co_await stream.async_handshake(asio::ssl::stream_base::server,
                                    asio::redirect_error(asio::use_awaitable, ec));
    if (ec) co_return;
    ++handshakes_;
    if (SSL_session_reused(stream.native_handle()) == 1) ++resumed_;
    const char* sni = SSL_get_servername(stream.native_handle(), TLSEXT_NAMETYPE_host_name);
    {
      std::lock_guard lock(mutex_);
      last_sni_ = sni ? sni : "";
    }
    co_await asio::async_write(stream, asio::buffer("hello\n", 6),
                               asio::redirect_error(asio::use_awaitable, ec));
    char byte;
    while (!ec)
      co_await stream.async_read_some(asio::buffer(&byte, 1),
                                      asio::redirect_error(asio::use_awaitable, ec));
  }

  asio::io_context io_;
  asio::ssl::context context_{asio::ssl::context::tls_server};
  tcp::acceptor acceptor_;
  std::atomic<int> handshakes_{0};
  std::atomic<int> resumed_{0};
  mutable std::mutex mutex_;
  std::string last_sni_;
  std::thread thread_;
};

// What a client saw of one connection: its handshake, then the server's
// greeting (reading it is what brings TLS 1.3's session tickets in, and a
// TLS 1.3 server's refusal of the client's certificate).
struct Connection {
  TlsHandshake handshake;
  std::string greeting;
  std::string read_error;
};

asio::awaitable<Connection> talk(TlsClient& client, int port, Duration timeout) {
  auto executor = co_await asio::this_coro::executor;
  TlsStream stream(executor, client.context());
  co_await stream.lowest_layer().async_connect(
      {asio::ip::make_address("127.0.0.1"), static_cast<unsigned short>(port)},
      asio::use_awaitable);
  Connection c;
  c.handshake = co_await handshake(stream, client, timeout, "127.0.0.1:" + std::to_string(port));
  if (!c.handshake.ok) co_return c;
  error_code ec;
  co_await asio::async_read_until(stream, asio::dynamic_buffer(c.greeting), '\n',
                                  asio::redirect_error(asio::use_awaitable, ec));
  if (ec) c.read_error = ec.message();
  co_return c;
}

// One connection, on an io_context of its own, so that threads may each
// make theirs. Bounded beyond timeout, so that a handshake's deadline that
// never fires fails the test rather than hanging it.
Connection connect_once(TlsClient& client, int port, Duration timeout = 10s) {
  asio::io_context io;
  std::future<Connection> done = asio::co_spawn(io, talk(client, port, timeout), asio::use_future);
  io.run_for(timeout + 10s);
  if (done.wait_for(0s) != std::future_status::ready) {
    ADD_FAILURE() << "the connection to port " << port << " did not end within its timeout + 10s";
    return {};
  }
  return done.get();
}

std::shared_ptr<TlsClient> make_client(const TlsOptions& options) {
  auto client = TlsClient::make(options);
  if (!client) ADD_FAILURE() << client.error();
  return client ? *client : nullptr;
}

class TlsTest : public ::testing::Test {
 protected:
  TempDir dir_;
  TlsCerts certs_ = make_tls_certs(dir_.path());

  TlsOptions trusting(std::string server_name) const {
    TlsOptions options;
    options.ca_file = certs_.ca_cert.string();
    options.server_name = std::move(server_name);
    return options;
  }
  std::string target(const TlsServer& server) const {
    return "127.0.0.1:" + std::to_string(server.port());
  }
  TlsOptions with_client_certificate(TlsOptions options) const {
    options.cert_file = certs_.client_cert.string();
    options.key_file = certs_.client_key.string();
    return options;
  }
  // The error of a handshake whose verification failed, as a user reads it.
  std::string verify_failed(const TlsServer& server, const std::string& name,
                            const std::string& reason) const {
    return "TLS handshake with " + target(server) + " (" + name +
           ") failed: certificate verify failed: " + reason;
  }
};

TEST_F(TlsTest, ACertificateSignedByTheCaFileIsTrusted) {
  TlsServer server(certs_, {});
  auto client = make_client(trusting("localhost"));
  ASSERT_TRUE(client);
  Connection c = connect_once(*client, server.port());
  EXPECT_TRUE(c.handshake.ok) << c.handshake.error;
  EXPECT_EQ(c.handshake.error, "");
  EXPECT_FALSE(c.handshake.resumed);
  EXPECT_GT(c.handshake.time, Duration::zero());
  EXPECT_EQ(c.greeting, "hello\n");
  EXPECT_EQ(server.handshakes(), 1);
  EXPECT_EQ(server.last_sni(), "localhost");
}

TEST_F(TlsTest, ACertificateTheSystemStoreDoesNotKnowFailsWithOpenSslsReason) {
  TlsServer server(certs_, {});
  TlsOptions options;
  options.server_name = "localhost";
  auto client = make_client(options);
  ASSERT_TRUE(client);
  Connection c = connect_once(*client, server.port());
  EXPECT_FALSE(c.handshake.ok);
  EXPECT_FALSE(c.handshake.timed_out);
  EXPECT_EQ(c.handshake.error,
            verify_failed(server, "localhost", "self-signed certificate in certificate chain"));
  EXPECT_EQ(server.handshakes(), 0);
}

TEST_F(TlsTest, AHostNameTheCertificateDoesNotCarryFails) {
  TlsServer server(certs_, {});
  auto client = make_client(trusting("example.com"));
  ASSERT_TRUE(client);
  Connection c = connect_once(*client, server.port());
  EXPECT_FALSE(c.handshake.ok);
  EXPECT_EQ(c.handshake.error, verify_failed(server, "example.com", "hostname mismatch"));
}

TEST_F(TlsTest, AnIpLiteralIsCheckedAgainstTheCertificatesAddresses) {
  TlsServer server(certs_, {});
  auto right = make_client(trusting("127.0.0.1"));
  auto wrong = make_client(trusting("127.0.0.2"));
  ASSERT_TRUE(right && wrong);
  Connection c = connect_once(*right, server.port());
  EXPECT_TRUE(c.handshake.ok) << c.handshake.error;
  EXPECT_EQ(server.last_sni(), "") << "SNI carries host names only";
  c = connect_once(*wrong, server.port());
  EXPECT_FALSE(c.handshake.ok);
  EXPECT_EQ(c.handshake.error, verify_failed(server, "127.0.0.2", "IP address mismatch"));
}

TEST_F(TlsTest, InsecureVerifiesNothing) {
  TlsServer server(certs_, {});
  TlsOptions options;
  options.server_name = "example.com";
  options.insecure = true;
  auto client = make_client(options);
  ASSERT_TRUE(client);
  Connection c = connect_once(*client, server.port());
  EXPECT_TRUE(c.handshake.ok) << c.handshake.error;
  EXPECT_EQ(c.greeting, "hello\n");
}

TEST_F(TlsTest, AHandshakeToAServerThatNeverAnswersTimesOut) {
  asio::io_context io;
  // Listening, so the connect succeeds, but nothing ever accepts or answers.
  tcp::acceptor silent(io, {asio::ip::make_address("127.0.0.1"), 0});
  const int port = silent.local_endpoint().port();
  auto client = make_client(trusting("localhost"));
  ASSERT_TRUE(client);
  const auto start = Clock::now();
  Connection c = connect_once(*client, port, 200ms);
  const Duration took = Clock::now() - start;
  EXPECT_FALSE(c.handshake.ok);
  EXPECT_TRUE(c.handshake.timed_out);
  EXPECT_EQ(c.handshake.error, "TLS handshake with 127.0.0.1:" + std::to_string(port) +
                                   " (localhost) timed out after 200ms");
  EXPECT_GE(c.handshake.time, 200ms);
  EXPECT_LT(took, 5s);
}

TEST_F(TlsTest, AServerThatClosesTheConnectionOrSpeaksPlainTextFailsReadably) {
  asio::io_context io;
  tcp::acceptor acceptor(io, {asio::ip::make_address("127.0.0.1"), 0});
  const int port = acceptor.local_endpoint().port();
  const std::string expected_start =
      "TLS handshake with 127.0.0.1:" + std::to_string(port) + " (localhost) failed: ";
  auto client = make_client(trusting("localhost"));
  ASSERT_TRUE(client);
  for (std::string answer : {"", "HTTP/1.1 400 Bad Request\r\n\r\n"}) {
    // Answers, ends its side, and reads what comes until the client goes
    // (closing with the client's bytes unread would reset the connection).
    std::thread server([&] {
      tcp::socket socket = acceptor.accept();
      error_code ec;
      asio::write(socket, asio::buffer(answer), ec);
      socket.shutdown(tcp::socket::shutdown_send, ec);
      char chunk[4096];
      while (!ec) socket.read_some(asio::buffer(chunk), ec);
    });
    Connection c = connect_once(*client, port);
    server.join();
    EXPECT_FALSE(c.handshake.ok);
    EXPECT_FALSE(c.handshake.timed_out);
    EXPECT_EQ(c.handshake.error,
              expected_start +
                  (answer.empty() ? "the server closed the connection" : "wrong version number"));
  }
}

// A server that requires a client certificate, over each TLS version.
class ClientCertificateTest : public TlsTest, public ::testing::WithParamInterface<int> {};

TEST_P(ClientCertificateTest, PassesWithCertFileAndKeyFile) {
  TlsServer server(certs_, {GetParam(), true});
  auto client = make_client(with_client_certificate(trusting("localhost")));
  ASSERT_TRUE(client);
  Connection c = connect_once(*client, server.port());
  EXPECT_TRUE(c.handshake.ok) << c.handshake.error;
  EXPECT_EQ(c.greeting, "hello\n") << c.read_error;
  EXPECT_EQ(server.handshakes(), 1);
}

TEST_P(ClientCertificateTest, FailsWithout) {
  TlsServer server(certs_, {GetParam(), true});
  auto client = make_client(trusting("localhost"));
  ASSERT_TRUE(client);
  Connection c = connect_once(*client, server.port());
  EXPECT_EQ(c.greeting, "");
  EXPECT_EQ(server.handshakes(), 0);
  if (GetParam() == TLS1_3_VERSION) {
    // TLS 1.3 ends the client's handshake before the server judges its
    // certificate: the refusal arrives with the first read.
    EXPECT_THAT(c.read_error, HasSubstr("certificate required"));
  } else {
    EXPECT_FALSE(c.handshake.ok);
    EXPECT_THAT(c.handshake.error,
                HasSubstr("TLS handshake with " + target(server) + " (localhost) failed: "));
  }
}

// Sessions resumed on reconnect, over each TLS version.
class SessionResumptionTest : public TlsTest, public ::testing::WithParamInterface<int> {};

TEST_P(SessionResumptionTest, EveryLaterConnectionResumesASession) {
  TlsServer server(certs_, {GetParam(), false});
  auto client = make_client(trusting("localhost"));
  ASSERT_TRUE(client);
  EXPECT_FALSE(client->has_session());
  Connection first = connect_once(*client, server.port());
  ASSERT_TRUE(first.handshake.ok) << first.handshake.error;
  EXPECT_FALSE(first.handshake.resumed);
  EXPECT_TRUE(client->has_session());
  // Three more: a kept session must outlive the connections that resumed it
  // (each dropped without close_notify, as a load client may).
  for (int i = 0; i < 3; ++i) {
    Connection later = connect_once(*client, server.port());
    ASSERT_TRUE(later.handshake.ok) << later.handshake.error;
    EXPECT_TRUE(later.handshake.resumed) << "connection " << i + 2;
    EXPECT_EQ(later.greeting, "hello\n");
  }
  EXPECT_EQ(server.resumed(), 3);
}

TEST_P(SessionResumptionTest, OneClientServesSeveralThreadsAtOnce) {
  TlsServer server(certs_, {GetParam(), false});
  auto client = make_client(trusting("localhost"));
  ASSERT_TRUE(client);
  constexpr int kThreads = 4, kConnections = 5;
  std::atomic<int> ok{0}, resumed{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < kConnections; ++i) {
        Connection c = connect_once(*client, server.port());
        ok += c.greeting == "hello\n";
        // A thread's later connections find at least the session its first kept.
        resumed += i > 0 && c.handshake.resumed;
      }
    });
  }
  for (std::thread& t : threads) t.join();
  EXPECT_EQ(ok, kThreads * kConnections);
  EXPECT_EQ(resumed, kThreads * (kConnections - 1));
}

TEST_P(SessionResumptionTest, ClientCertificateSessionsResumeToo) {
  TlsServer server(certs_, {GetParam(), true});
  auto client = make_client(with_client_certificate(trusting("localhost")));
  ASSERT_TRUE(client);
  ASSERT_TRUE(connect_once(*client, server.port()).handshake.ok);
  Connection second = connect_once(*client, server.port());
  EXPECT_TRUE(second.handshake.resumed) << second.handshake.error;
  EXPECT_EQ(second.greeting, "hello\n") << second.read_error;
}

std::string version_name(const ::testing::TestParamInfo<int>& info) {
  return info.param == TLS1_3_VERSION ? "Tls13" : "Tls12";
}
INSTANTIATE_TEST_SUITE_P(Versions, ClientCertificateTest,
                         ::testing::Values(TLS1_2_VERSION, TLS1_3_VERSION), version_name);
INSTANTIATE_TEST_SUITE_P(Versions, SessionResumptionTest,
                         ::testing::Values(TLS1_2_VERSION, TLS1_3_VERSION), version_name);

TEST_F(TlsTest, AFileThatCannotBeUsedIsAnErrorNamingItsField) {
  TlsOptions options = trusting("localhost");
  options.ca_file = (dir_.path() / "missing.pem").string();
  auto missing = TlsClient::make(options);
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error(),
            "ca_file \"" + options.ca_file + "\": cannot be read (No such file or directory)");

  options.ca_file = dir_.write("junk.pem", "not a certificate\n").string();
  auto junk = TlsClient::make(options);
  ASSERT_FALSE(junk);
  EXPECT_THAT(junk.error(),
              HasSubstr("ca_file \"" + options.ca_file + "\": not a PEM file of certificates ("));

  options = with_client_certificate(trusting("localhost"));
  options.cert_file = (dir_.path() / "missing-client.pem").string();
  auto missing_cert = TlsClient::make(options);
  ASSERT_FALSE(missing_cert);
  EXPECT_EQ(missing_cert.error(),
            "cert_file \"" + options.cert_file + "\": cannot be read (No such file or directory)");

  options = trusting("localhost");
  options.cert_file = certs_.client_cert.string();
  auto no_key = TlsClient::make(options);
  ASSERT_FALSE(no_key);
  EXPECT_EQ(no_key.error(), "cert_file needs a key_file beside it");

  options.key_file = certs_.server_key.string();
  auto wrong_key = TlsClient::make(options);
  ASSERT_FALSE(wrong_key);
  EXPECT_EQ(wrong_key.error(), "key_file \"" + options.key_file +
                                   "\": not the key of cert_file \"" + options.cert_file + "\"");

  options.key_file = certs_.ca_cert.string();  // a certificate, not a key
  auto not_a_key = TlsClient::make(options);
  ASSERT_FALSE(not_a_key);
  EXPECT_THAT(not_a_key.error(),
              HasSubstr("key_file \"" + options.key_file + "\": not a PEM private key ("));
}

TEST_F(TlsTest, VerifyingNeedsAServerName) {
  auto unnamed = TlsClient::make(trusting(""));
  ASSERT_FALSE(unnamed);
  EXPECT_EQ(unnamed.error(), "server_name is needed to verify the server's certificate");
  TlsOptions insecure;
  insecure.insecure = true;
  EXPECT_TRUE(TlsClient::make(insecure)) << "nothing to verify, so no name is needed";
}

}  // namespace
}  // namespace drover::test::tls_test
