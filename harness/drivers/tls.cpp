#include "harness/drivers/tls.hpp"

#include <openssl/err.h>
#include <openssl/x509v3.h>

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <system_error>

#include <fmt/format.h>

#include "harness/core/duration.hpp"
#include "harness/drivers/failure_rule.hpp"

namespace drover {
namespace {

using boost::system::error_code;

// Where each SSL_CTX finds its TlsClient, for the new-session callback.
// Not the context's app data: Asio keeps its verify callback there.
int client_index() {
  static const int index = SSL_CTX_get_ex_new_index(0, nullptr, nullptr, nullptr, nullptr);
  return index;
}

// OpenSSL's reason for a failed call, for errors about a file's content.
std::string openssl_reason(const error_code& ec) {
  std::string reason = ec.message();
  return reason.empty() ? "OpenSSL gave no reason" : reason;
}

// A file a field names, or why it cannot be used: opened here first, so
// that a missing file reads as such rather than as OpenSSL's "system lib".
Expected<void> readable(std::string_view field, const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    std::string reason = std::error_code(errno, std::generic_category()).message();
    return unexpected(fmt::format("{} \"{}\": cannot be read ({})", field, path, reason));
  }
  ::close(fd);
  return {};
}

Expected<void> loaded(std::string_view field, const std::string& path, const error_code& ec,
                      std::string_view wanted) {
  if (!ec) return {};
  return unexpected(fmt::format("{} \"{}\": not {} ({})", field, path, wanted, openssl_reason(ec)));
}

Expected<void> load_trust(asio::ssl::context& context, const TlsOptions& options) {
  error_code ec;
  if (options.ca_file.empty()) {
    context.set_default_verify_paths(ec);
    if (ec) return unexpected("the system's certificate store: " + openssl_reason(ec));
    return {};
  }
  if (auto file = readable("ca_file", options.ca_file); !file) return file;
  context.load_verify_file(options.ca_file, ec);
  return loaded("ca_file", options.ca_file, ec, "a PEM file of certificates");
}

Expected<void> load_client_certificate(asio::ssl::context& context, const TlsOptions& options) {
  if (options.cert_file.empty() != options.key_file.empty()) {
    return unexpected(options.cert_file.empty() ? "key_file needs a cert_file beside it"
                                                : "cert_file needs a key_file beside it");
  }
  if (options.cert_file.empty()) return {};
  if (auto file = readable("cert_file", options.cert_file); !file) return file;
  if (auto file = readable("key_file", options.key_file); !file) return file;
  error_code ec;
  context.use_certificate_chain_file(options.cert_file, ec);
  if (auto ok = loaded("cert_file", options.cert_file, ec, "a PEM certificate"); !ok) return ok;
  context.use_private_key_file(options.key_file, asio::ssl::context::pem, ec);
  if (ec && ERR_GET_REASON(static_cast<unsigned long>(ec.value())) == X509_R_KEY_VALUES_MISMATCH) {
    return unexpected(fmt::format("key_file \"{}\": not the key of cert_file \"{}\"",
                                  options.key_file, options.cert_file));
  }
  return loaded("key_file", options.key_file, ec, "a PEM private key");
}

bool is_ip_literal(const std::string& name) {
  error_code ec;
  asio::ip::make_address(name, ec);
  return !ec;
}

// "127.0.0.1:8443 (localhost)", or only the target when it already says the name.
std::string peer_text(std::string_view target, const std::string& server_name) {
  std::string text(target);
  if (server_name.empty() || text.starts_with(server_name + ":") ||
      text.starts_with("[" + server_name + "]:"))
    return text;
  return text + " (" + server_name + ")";
}

// "certificate verify failed: hostname mismatch": OpenSSL's reason, and
// for a failed verification the verify error that says which check failed.
std::string failure_reason(const error_code& ec, SSL* ssl) {
  if (ec == asio::ssl::error::stream_truncated) return error_text(asio::error::eof);
  std::string reason = error_text(ec);
  const bool verify_failed =
      ec.category() == asio::error::get_ssl_category() &&
      ERR_GET_REASON(static_cast<unsigned long>(ec.value())) == SSL_R_CERTIFICATE_VERIFY_FAILED;
  const long verify = SSL_get_verify_result(ssl);
  if (verify_failed && verify != X509_V_OK)
    reason += std::string(": ") + X509_verify_cert_error_string(verify);
  return reason;
}

}  // namespace

// The handshake's deadline: closes the socket when it passes first. Shared
// with the timer's handler, which may run after the handshake has ended.
// Outside the anonymous namespace: the coroutine's frame holds one, and a
// unity build would otherwise give that frame internal linkage.
struct HandshakeWatch {
  bool done = false;
  bool expired = false;
};

TlsClient::TlsClient(TlsOptions options)
    : options_(std::move(options)),
      context_(asio::ssl::context::tls_client),
      server_name_is_ip_(is_ip_literal(options_.server_name)) {
  SSL_CTX* ctx = context_.native_handle();
  SSL_CTX_set_ex_data(ctx, client_index(), this);
  // A client cache with no store of its own: the callback keeps the session.
  SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_CLIENT | SSL_SESS_CACHE_NO_INTERNAL_STORE);
  SSL_CTX_sess_set_new_cb(ctx, &TlsClient::keep_new_session);
  context_.set_verify_mode(options_.insecure ? asio::ssl::verify_none : asio::ssl::verify_peer);
}

TlsClient::~TlsClient() {
  SSL_CTX_set_ex_data(context_.native_handle(), client_index(), nullptr);
  if (session_) SSL_SESSION_free(session_);
}

Expected<std::shared_ptr<TlsClient>> TlsClient::make(const TlsOptions& options) {
  if (options.server_name.empty() && !options.insecure)
    return unexpected("server_name is needed to verify the server's certificate");
  std::shared_ptr<TlsClient> client(new TlsClient(options));
  if (auto trust = load_trust(client->context_, options); !trust)
    return unexpected(trust.take_error());
  if (auto own = load_client_certificate(client->context_, options); !own)
    return unexpected(own.take_error());
  return client;
}

int TlsClient::keep_new_session(SSL* ssl, SSL_SESSION* session) {
  auto* client = static_cast<TlsClient*>(SSL_CTX_get_ex_data(SSL_get_SSL_CTX(ssl), client_index()));
  if (!client || SSL_SESSION_is_resumable(session) != 1) return 0;
  // A copy: OpenSSL marks a connection's own session unresumable when the
  // connection is freed without close_notify, as load clients often end
  // theirs, though TLS 1.1 and later allow resuming it.
  SSL_SESSION* kept = SSL_SESSION_dup(session);
  if (!kept) return 0;
  std::lock_guard lock(client->mutex_);
  if (client->session_) SSL_SESSION_free(client->session_);
  client->session_ = kept;
  return 0;  // OpenSSL keeps ownership of session
}

void TlsClient::prepare(TlsStream& stream) {
  SSL* ssl = stream.native_handle();
  const std::string& name = options_.server_name;
  if (!name.empty() && !options_.insecure) {
    if (server_name_is_ip_) {
      X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl), name.c_str());
    } else {
      SSL_set_hostflags(ssl, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
      SSL_set1_host(ssl, name.c_str());
    }
  }
  if (!name.empty() && !server_name_is_ip_) SSL_set_tlsext_host_name(ssl, name.c_str());
  // Each connection gets a copy: OpenSSL writes to the session a connection
  // uses (marking it unresumable when that connection is dropped), and the
  // kept one must stay as it came for every later connection of every thread.
  SSL_SESSION* copy = nullptr;
  {
    std::lock_guard lock(mutex_);
    if (session_) copy = SSL_SESSION_dup(session_);
  }
  if (!copy) return;
  SSL_set_session(ssl, copy);
  SSL_SESSION_free(copy);  // the connection holds its own reference
}

bool TlsClient::has_session() const {
  std::lock_guard lock(mutex_);
  return session_ != nullptr;
}

asio::awaitable<TlsHandshake> handshake(TlsStream& stream, TlsClient& client, Duration timeout,
                                        std::string_view target) {
  client.prepare(stream);
  auto watch = std::make_shared<HandshakeWatch>();
  asio::steady_timer timer(stream.get_executor());
  timer.expires_after(timeout);
  timer.async_wait([watch, &socket = stream.lowest_layer()](const error_code& ec) {
    if (ec || watch->done) return;
    watch->expired = true;
    error_code ignored;
    socket.close(ignored);
  });
  const TimePoint start = Clock::now();
  error_code ec;
  co_await stream.async_handshake(asio::ssl::stream_base::client,
                                  asio::redirect_error(asio::use_awaitable, ec));
  watch->done = true;
  timer.cancel();
  TlsHandshake result;
  result.time = Clock::now() - start;
  result.ok = !ec && !watch->expired;
  result.timed_out = watch->expired;
  if (result.ok) {
    result.resumed = SSL_session_reused(stream.native_handle()) == 1;
    co_return result;
  }
  const std::string peer = peer_text(target, client.options().server_name);
  result.error = result.timed_out ? fmt::format("TLS handshake with {} timed out after {}", peer,
                                                format_duration(timeout))
                                  : fmt::format("TLS handshake with {} failed: {}", peer,
                                                failure_reason(ec, stream.native_handle()));
  co_return result;
}

}  // namespace drover
