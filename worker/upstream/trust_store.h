#pragma once
// The system trust store, loaded as OpenSSL's default paths are ($SSL_CERT_FILE or its default
// bundle, plus $SSL_CERT_DIR or its default hashed directory), with less kept in memory.
//
// OpenSSL parses the whole bundle into the store (about 140 certificates, 1 MB of heap per
// worker) although Debian-like systems hold the same certificates in the hashed directory,
// where a handshake looks up the one it needs. Here the directories are registered for lookup
// and a bundle certificate is kept in memory only when no directory holds it, so the trusted
// set is the same.

#include <openssl/types.h>

#include <cstddef>
#include <string>

#include "common/result.h"

namespace ccproxy::worker {

struct TrustLocations {
  std::string bundle;  // a PEM file; may not exist
  std::string dirs;    // hashed directories, ':'-separated
};

/// $SSL_CERT_FILE / $SSL_CERT_DIR when set, else OpenSSL's compiled-in defaults.
TrustLocations system_trust_locations();

struct TrustLoad {
  std::size_t bundle_certificates = 0;
  std::size_t kept_in_memory = 0;  // those no directory holds
};

/// Adds `where` to `store`. A missing bundle or directory is no error (as with OpenSSL's
/// defaults); a store that cannot take the directory lookup is.
Result<TrustLoad, std::string> load_system_trust(X509_STORE* store, const TrustLocations& where);

}  // namespace ccproxy::worker
