#include "common/sha256.h"

#include <openssl/evp.h>

#include <cstdlib>

namespace ccproxy {

Sha256Digest sha256(std::string_view data) {
  Sha256Digest out{};
  unsigned int size = 0;
  // EVP_Digest fails only when libcrypto cannot allocate its context: nothing sensible is left
  // to do then, as with operator new.
  if (EVP_Digest(data.data(), data.size(), out.data(), &size, EVP_sha256(), nullptr) != 1 ||
      size != out.size()) {
    std::abort();
  }
  return out;
}

}  // namespace ccproxy
