#include "worker/upstream/trust_store.h"

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <vector>

namespace ccproxy::worker {
namespace {

struct BioFree {
  void operator()(BIO* b) const { BIO_free(b); }
};
struct X509Free {
  void operator()(X509* x) const { X509_free(x); }
};
using BioPtr = std::unique_ptr<BIO, BioFree>;
using X509Ptr = std::unique_ptr<X509, X509Free>;

std::vector<std::string> split_dirs(const std::string& dirs) {
  std::vector<std::string> out;
  std::size_t start = 0;
  while (start <= dirs.size()) {
    std::size_t end = dirs.find(':', start);
    if (end == std::string::npos) {
      end = dirs.size();
    }
    if (end > start) {
      out.push_back(dirs.substr(start, end - start));
    }
    start = end + 1;
  }
  return out;
}

// One PEM block: its type and its decoded bytes (the DER of a certificate).
struct PemBlock {
  char* name = nullptr;
  char* header = nullptr;
  unsigned char* data = nullptr;
  long length = 0;
  PemBlock() = default;
  PemBlock(const PemBlock&) = delete;
  PemBlock& operator=(const PemBlock&) = delete;
  ~PemBlock() { clear(); }
  void clear() {
    OPENSSL_free(name);
    OPENSSL_free(header);
    OPENSSL_free(data);
    name = header = nullptr;
    data = nullptr;
    length = 0;
  }
  bool read(BIO* in) {
    clear();
    return PEM_read_bio(in, &name, &header, &data, &length) == 1;
  }
  bool is(const char* type) const { return std::strcmp(name, type) == 0; }
  bool certificate() const { return is(PEM_STRING_X509) || is(PEM_STRING_X509_OLD); }
  bool trusted_certificate() const { return is(PEM_STRING_X509_TRUSTED); }
  X509* parse() const {
    const unsigned char* p = data;
    return trusted_certificate() ? d2i_X509_AUX(nullptr, &p, length)
                                 : d2i_X509(nullptr, &p, length);
  }
};

// Whether one of `dirs` holds the certificate `der` (`cert` parsed) under a name OpenSSL's
// directory lookup opens (<subject hash>.<n>). Plain certificates compare by their DER bytes,
// without a second parse.
bool held_by(const std::vector<std::string>& dirs, X509* cert, const PemBlock& der) {
  int ok = 0;
  const unsigned long hash = X509_NAME_hash_ex(X509_get_subject_name(cert), nullptr, nullptr, &ok);
  if (!ok) {
    return false;
  }
  PemBlock other;
  for (const std::string& dir : dirs) {
    for (int n = 0;; ++n) {
      char name[32];
      std::snprintf(name, sizeof name, "/%08lx.%d", hash, n);
      BioPtr in(BIO_new_file((dir + name).c_str(), "r"));
      if (!in) {
        break;
      }
      while (other.read(in.get())) {
        if (other.certificate() && der.certificate()) {
          if (other.length == der.length && std::memcmp(other.data, der.data, der.length) == 0) {
            return true;
          }
        } else if (other.certificate() || other.trusted_certificate()) {
          X509Ptr parsed(other.parse());
          if (parsed && X509_cmp(cert, parsed.get()) == 0) {
            return true;
          }
        }
      }
    }
  }
  return false;
}

}  // namespace

TrustLocations system_trust_locations() {
  TrustLocations where;
  const char* file = std::getenv(X509_get_default_cert_file_env());
  const char* dir = std::getenv(X509_get_default_cert_dir_env());
  where.bundle = file != nullptr ? file : X509_get_default_cert_file();
  where.dirs = dir != nullptr ? dir : X509_get_default_cert_dir();
  return where;
}

Result<TrustLoad, std::string> load_system_trust(X509_STORE* store, const TrustLocations& where) {
  TrustLoad load;
  const std::vector<std::string> dirs = split_dirs(where.dirs);
  if (!dirs.empty()) {
    X509_LOOKUP* lookup = X509_STORE_add_lookup(store, X509_LOOKUP_hash_dir());
    if (lookup == nullptr) {
      ERR_clear_error();
      return fail(std::string("cannot set up the CA directory lookup"));
    }
    for (const std::string& dir : dirs) {
      X509_LOOKUP_add_dir(lookup, dir.c_str(), X509_FILETYPE_PEM);
    }
  }
  if (!where.bundle.empty()) {
    if (BioPtr in{BIO_new_file(where.bundle.c_str(), "r")}) {
      PemBlock block;
      while (block.read(in.get())) {
        if (!block.certificate() && !block.trusted_certificate()) {
          continue;  // e.g. a CRL: not used (no CRL checking is configured)
        }
        X509Ptr cert(block.parse());
        if (!cert) {
          continue;
        }
        ++load.bundle_certificates;
        if (!held_by(dirs, cert.get(), block) && X509_STORE_add_cert(store, cert.get()) == 1) {
          ++load.kept_in_memory;
        }
      }
    }
  }
  ERR_clear_error();  // the end of the bundle, files that do not exist: nothing to report
  return load;
}

}  // namespace ccproxy::worker
