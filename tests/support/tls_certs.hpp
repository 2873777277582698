// Certificates for TLS tests, made with OpenSSL's API into a folder: a test
// certificate authority, a server certificate it signed for "localhost"
// and 127.0.0.1 (subject alternative names), and a client certificate it
// signed. EC P-256 keys, valid from an hour ago for 30 days. Throws
// std::runtime_error when OpenSSL or the folder fails. Thread-safe: no
// shared state.
#pragma once

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <cstdio>
#include <filesystem>
#include <memory>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

namespace drover::test {

struct TlsCerts {
  std::filesystem::path ca_cert;       // the authority, to trust (ca_file)
  std::filesystem::path server_chain;  // the server's certificate, then the authority's
  std::filesystem::path server_key;
  std::filesystem::path client_cert;  // for cert_file
  std::filesystem::path client_key;   // for key_file
};

namespace tls_certs_detail {

using Key = std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)>;
using Cert = std::unique_ptr<X509, decltype(&X509_free)>;

inline void require(bool ok, const char* what) {
  if (!ok) throw std::runtime_error(std::string("making test certificates: ") + what);
}

inline Key new_key() {
  Key key(EVP_EC_gen("P-256"), &EVP_PKEY_free);
  require(key != nullptr, "EVP_EC_gen");
  return key;
}

// Extensions as openssl.cnf writes them: {"subjectAltName", "DNS:localhost"}.
inline void add_extensions(X509* cert, X509* issuer,
                           const std::vector<std::pair<std::string, std::string>>& extensions) {
  X509V3_CTX ctx;
  X509V3_set_ctx(&ctx, issuer, cert, nullptr, nullptr, 0);
  for (const auto& [name, value] : extensions) {
    X509_EXTENSION* ext = X509V3_EXT_nconf(nullptr, &ctx, name.c_str(), value.c_str());
    require(ext != nullptr, name.c_str());
    X509_add_ext(cert, ext, -1);
    X509_EXTENSION_free(ext);
  }
}

// A certificate for key named common_name, signed by issuer (itself when null).
inline Cert new_cert(EVP_PKEY* key, const std::string& common_name, long serial, X509* issuer,
                     EVP_PKEY* issuer_key,
                     const std::vector<std::pair<std::string, std::string>>& extensions) {
  Cert cert(X509_new(), &X509_free);
  require(cert != nullptr, "X509_new");
  X509_set_version(cert.get(), 2);
  ASN1_INTEGER_set(X509_get_serialNumber(cert.get()), serial);
  X509_gmtime_adj(X509_getm_notBefore(cert.get()), -3600);
  X509_gmtime_adj(X509_getm_notAfter(cert.get()), 30L * 24 * 3600);
  X509_set_pubkey(cert.get(), key);
  X509_NAME* name = X509_get_subject_name(cert.get());
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                             reinterpret_cast<const unsigned char*>(common_name.c_str()), -1, -1,
                             0);
  X509* signer = issuer ? issuer : cert.get();
  X509_set_issuer_name(cert.get(), X509_get_subject_name(signer));
  add_extensions(cert.get(), signer, extensions);
  require(X509_sign(cert.get(), issuer_key ? issuer_key : key, EVP_sha256()) > 0, "X509_sign");
  return cert;
}

inline void write_pem(const std::filesystem::path& path, const std::vector<X509*>& certs,
                      EVP_PKEY* key) {
  std::unique_ptr<FILE, decltype(&std::fclose)> file(std::fopen(path.c_str(), "w"), &std::fclose);
  require(file != nullptr, path.c_str());
  for (X509* cert : certs) require(PEM_write_X509(file.get(), cert) == 1, "PEM_write_X509");
  if (key) {
    require(PEM_write_PrivateKey(file.get(), key, nullptr, nullptr, 0, nullptr, nullptr) == 1,
            "PEM_write_PrivateKey");
  }
}

}  // namespace tls_certs_detail

// Writes ca.pem, server.pem (chain), server.key, client.pem and client.key into dir.
inline TlsCerts make_tls_certs(const std::filesystem::path& dir) {
  using namespace tls_certs_detail;
  Key ca_key = new_key(), server_key = new_key(), client_key = new_key();
  Cert ca = new_cert(ca_key.get(), "drover test CA", 1, nullptr, nullptr,
                     {{"basicConstraints", "critical,CA:TRUE"},
                      {"keyUsage", "critical,keyCertSign,cRLSign"},
                      {"subjectKeyIdentifier", "hash"}});
  Cert server = new_cert(server_key.get(), "localhost", 2, ca.get(), ca_key.get(),
                         {{"basicConstraints", "CA:FALSE"},
                          {"subjectAltName", "DNS:localhost,IP:127.0.0.1"},
                          {"extendedKeyUsage", "serverAuth"},
                          {"authorityKeyIdentifier", "keyid"}});
  Cert client = new_cert(client_key.get(), "drover test client", 3, ca.get(), ca_key.get(),
                         {{"basicConstraints", "CA:FALSE"},
                          {"extendedKeyUsage", "clientAuth"},
                          {"authorityKeyIdentifier", "keyid"}});
  TlsCerts certs{dir / "ca.pem", dir / "server.pem", dir / "server.key", dir / "client.pem",
                 dir / "client.key"};
  write_pem(certs.ca_cert, {ca.get()}, nullptr);
  write_pem(certs.server_chain, {server.get(), ca.get()}, nullptr);
  write_pem(certs.server_key, {}, server_key.get());
  write_pem(certs.client_cert, {client.get()}, nullptr);
  write_pem(certs.client_key, {}, client_key.get());
  return certs;
}

}  // namespace drover::test
