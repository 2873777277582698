// TLS for drover's clients (HTTPS): OpenSSL through Boost.Asio's ssl, one
// TlsClient per target and fleet, shared by the fleet's load threads.
//
// The options, as a scenario gives them:
//   ca_file      PEM file of the certificate authorities to trust. Empty
//                (the default): the system's store.
//   cert_file,   PEM client certificate (and any intermediates after it)
//   key_file     and its private key, for servers that ask for one. Both or
//                neither. Over TLS 1.3 a server's refusal of the client's
//                certificate arrives after the handshake, with the first read.
//   insecure     false (the default): the server's certificate chain and
//                its name are verified, and a handshake that fails either
//                fails the operation. true: nothing is verified, which
//                measures a server that is not the one meant as readily
//                as the right one; it is the user's explicit choice, and
//                whoever makes the TlsClient warns about it through the
//                run's Notify, saying kInsecureWarning.
//   server_name  the name the certificate must carry: a host name (then
//                also sent as SNI, insecure or not) or an IP literal
//                (then checked against the certificate's IP addresses; no
//                SNI, which may not carry an address). Usually the
//                target's host; needed unless insecure.
//
// Sessions are resumed: each TlsClient (one server name) keeps the last
// session its server gave (TLS 1.2 after the handshake, TLS 1.3 when its tickets arrive with
// the first bytes read) and offers it on the next handshake, so a
// reconnecting client pays for an abbreviated handshake as real clients do.
// Connections of all threads offer that one session until a newer one
// arrives; a server that takes each TLS 1.3 ticket only once answers the
// others with full handshakes, which handshake() reports as not resumed.
//
// Failures are values: make() names the field and file it could not use,
// handshake() returns a readable error naming the target and, where
// OpenSSL has one, its verify error ("certificate verify failed:
// self-signed certificate in certificate chain").
//
// TlsClient is thread-safe: its context and kept session may be used by
// several threads at once; it must outlive the streams made from it. A
// TlsStream and its handshake() are not: one coroutine on one thread.
#pragma once

#include <openssl/ssl.h>

#include <memory>
#include <mutex>
#include <string>
#include <string_view>

#include <boost/asio/ssl.hpp>

#include "harness/core/asio.hpp"
#include "harness/core/clock.hpp"
#include "harness/core/expected.hpp"
#include "harness/scenario/scenario.hpp"

namespace drover {

using TlsStream = asio::ssl::stream<asio::ip::tcp::socket>;

inline constexpr std::string_view kInsecureWarning =
    "TLS certificates and server names are not verified (insecure: true): the server "
    "measured may not be the one meant";

// The scenario's "tls", its paths resolved.
using TlsOptions = TlsSpec;

class TlsClient {
 public:
  // A client for options, or what is wrong with them: "ca_file
  // \"/etc/ca.pem\": cannot be read (No such file or directory)".
  static Expected<std::shared_ptr<TlsClient>> make(const TlsOptions& options);

  TlsClient(const TlsClient&) = delete;
  TlsClient& operator=(const TlsClient&) = delete;
  ~TlsClient();

  // For making streams: TlsStream(socket_or_executor, client.context()).
  asio::ssl::context& context() { return context_; }
  const TlsOptions& options() const { return options_; }

  // Readies a new stream before its handshake: the name to verify, SNI,
  // and the session to resume, if one is kept.
  void prepare(TlsStream& stream);

  // Whether a session is kept to offer on the next handshake.
  bool has_session() const;

 private:
  TlsClient(TlsOptions options);
  static int keep_new_session(SSL* ssl, SSL_SESSION* session);

  TlsOptions options_;
  asio::ssl::context context_;
  mutable std::mutex mutex_;
  SSL_SESSION* session_ = nullptr;  // owned; guarded by mutex_
  bool server_name_is_ip_ = false;
};

// What one handshake came to. error is empty when ok.
struct TlsHandshake {
  bool ok = false;
  bool timed_out = false;
  bool resumed = false;  // the server accepted the session prepare() offered
  Duration time{};       // from the first byte sent to the handshake's end
  std::string error;
};

// prepare()s stream and runs the client handshake on its connected socket,
// within timeout; on expiry the socket is closed (the stream is then of no
// further use). target names the peer in errors: "127.0.0.1:8443".
asio::awaitable<TlsHandshake> handshake(TlsStream& stream, TlsClient& client, Duration timeout,
                                        std::string_view target);

}  // namespace drover
