// The system trust store: certificates of the bundle that a hashed directory also holds are
// left to the directory lookup, the others are kept in memory, and what is trusted is the
// same as with OpenSSL's default paths (bundle and directories together).

#include "worker/upstream/trust_store.h"

#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>

#include <cstdio>
#include <filesystem>
#include <string>

namespace ccproxy::worker {
namespace {

namespace fs = std::filesystem;

struct Cert {
  X509* x = nullptr;
  EVP_PKEY* key = nullptr;
  ~Cert() {
    X509_free(x);
    EVP_PKEY_free(key);
  }
};

// A self-signed CA certificate with this common name.
void make_ca(const std::string& cn, Cert& c) {
  c.key = EVP_EC_gen("P-256");
  ASSERT_NE(c.key, nullptr);
  c.x = X509_new();
  X509_set_version(c.x, X509_VERSION_3);
  ASN1_INTEGER_set(X509_get_serialNumber(c.x), 1);
  X509_gmtime_adj(X509_getm_notBefore(c.x), -3600);
  X509_gmtime_adj(X509_getm_notAfter(c.x), 3600);
  X509_NAME* name = X509_get_subject_name(c.x);
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                             reinterpret_cast<const unsigned char*>(cn.c_str()), -1, -1, 0);
  X509_set_issuer_name(c.x, name);
  X509_set_pubkey(c.x, c.key);
  ASSERT_GT(X509_sign(c.x, c.key, EVP_sha256()), 0);
}

// As "CERTIFICATE", or with `trusted` as "TRUSTED CERTIFICATE" (OpenSSL's form with trust
// settings, which bundles may use).
void append_pem(const fs::path& file, X509* x, bool trusted = false) {
  FILE* f = std::fopen(file.c_str(), "a");
  ASSERT_NE(f, nullptr);
  if (trusted) {
    PEM_write_X509_AUX(f, x);
  } else {
    PEM_write_X509(f, x);
  }
  std::fclose(f);
}

std::string hashed_name(X509* x, int n) {
  char name[32];
  std::snprintf(name, sizeof name, "%08lx.%d",
                X509_NAME_hash_ex(X509_get_subject_name(x), nullptr, nullptr, nullptr), n);
  return name;
}

bool trusted(X509_STORE* store, X509* x) {
  X509_STORE_CTX* ctx = X509_STORE_CTX_new();
  X509_STORE_CTX_init(ctx, store, x, nullptr);
  const bool ok = X509_verify_cert(ctx) == 1;
  X509_STORE_CTX_free(ctx);
  return ok;
}

class TrustStore : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("ccproxy-trust-" + std::to_string(::testing::UnitTest::GetInstance()->random_seed()) +
            "-" + ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_ / "certs");
    make_ca("In both", in_both_);
    make_ca("Also in both", plain_both_);
    make_ca("Bundle only", bundle_only_);
    make_ca("Untrusted", untrusted_);
    make_ca("Directory only", dir_only_);
    make_ca("Decoy", decoy_);
    // The directory holds another certificate under the first name of "in both"'s hash (the
    // bundle copy must be matched by content, not by name), then the real one.
    append_pem(dir_ / "certs" / hashed_name(in_both_.x, 0), decoy_.x);
    append_pem(dir_ / "certs" / hashed_name(in_both_.x, 1), in_both_.x);
    append_pem(dir_ / "certs" / hashed_name(dir_only_.x, 0), dir_only_.x);
    append_pem(dir_ / "certs" / hashed_name(plain_both_.x, 0), plain_both_.x);
    // The bundle: one in OpenSSL's "TRUSTED CERTIFICATE" form, two plain.
    append_pem(dir_ / "bundle.pem", in_both_.x, /*trusted=*/true);
    append_pem(dir_ / "bundle.pem", bundle_only_.x);
    append_pem(dir_ / "bundle.pem", plain_both_.x);
    store_ = X509_STORE_new();
  }
  void TearDown() override {
    X509_STORE_free(store_);
    fs::remove_all(dir_);
  }

  fs::path dir_;
  Cert in_both_, plain_both_, bundle_only_, untrusted_, dir_only_, decoy_;
  X509_STORE* store_ = nullptr;
};

TEST_F(TrustStore, KeepsInMemoryOnlyWhatNoDirectoryHolds) {
  auto load = load_system_trust(store_, {(dir_ / "bundle.pem").string(),
                                         "/nonexistent-ccproxy-dir:" + (dir_ / "certs").string()});
  ASSERT_TRUE(load.ok()) << load.error();
  EXPECT_EQ(load->bundle_certificates, 3u);
  EXPECT_EQ(load->kept_in_memory, 1u);
  EXPECT_EQ(sk_X509_OBJECT_num(X509_STORE_get0_objects(store_)), 1);

  EXPECT_TRUE(trusted(store_, in_both_.x));  // through the directory
  EXPECT_TRUE(trusted(store_, plain_both_.x));
  EXPECT_TRUE(trusted(store_, bundle_only_.x));  // kept from the bundle
  EXPECT_TRUE(trusted(store_, dir_only_.x));     // the directory alone
  EXPECT_FALSE(trusted(store_, untrusted_.x));   // in neither
}

TEST_F(TrustStore, WithoutDirectoriesTheWholeBundleIsKept) {
  auto load = load_system_trust(store_, {(dir_ / "bundle.pem").string(), ""});
  ASSERT_TRUE(load.ok()) << load.error();
  EXPECT_EQ(load->kept_in_memory, 3u);
  EXPECT_TRUE(trusted(store_, in_both_.x));
  EXPECT_TRUE(trusted(store_, bundle_only_.x));
  EXPECT_FALSE(trusted(store_, dir_only_.x));
}

TEST_F(TrustStore, MissingLocationsAreNoError) {
  auto load = load_system_trust(store_, {(dir_ / "none.pem").string(), (dir_ / "none").string()});
  ASSERT_TRUE(load.ok()) << load.error();
  EXPECT_EQ(load->bundle_certificates, 0u);
  EXPECT_FALSE(trusted(store_, in_both_.x));
}

}  // namespace
}  // namespace ccproxy::worker
