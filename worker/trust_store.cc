#include "worker/trust_store.h"

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>

#include <cstdio>
#include <cstdlib>
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

// Whether one of `dirs` holds `cert` under the name OpenSSL's directory lookup would open
// (<subject hash>.<n>).
bool held_by(const std::vector<std::string>& dirs, X509* cert) {
  int ok = 0;
  const unsigned long hash = X509_NAME_hash_ex(X509_get_subject_name(cert), nullptr, nullptr, &ok);
  if (!ok) {
    return false;
  }
  for (const std::string& dir : dirs) {
    for (int n = 0;; ++n) {
      char name[32];
      std::snprintf(name, sizeof name, "/%08lx.%d", hash, n);
      BioPtr in(BIO_new_file((dir + name).c_str(), "r"));
      if (!in) {
        break;
      }
      X509Ptr other(PEM_read_bio_X509_AUX(in.get(), nullptr, nullptr, nullptr));
      if (other && X509_cmp(cert, other.get()) == 0) {
        return true;
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
      while (X509Ptr cert{PEM_read_bio_X509_AUX(in.get(), nullptr, nullptr, nullptr)}) {
        ++load.bundle_certificates;
        if (!held_by(dirs, cert.get()) && X509_STORE_add_cert(store, cert.get()) == 1) {
          ++load.kept_in_memory;
        }
      }
    }
  }
  ERR_clear_error();  // the end of the bundle, files that do not exist: nothing to report
  return load;
}

}  // namespace ccproxy::worker
