#pragma once
// State a provider needs back, carried through Claude Code inside what it returns unchanged:
//
// - a thinking block's `signature`: `ccp1.<provider>.<16 hex>`, a checksum over the provider,
//   the upstream model and the block's text. Claude Code sends the block back with its text,
//   so the text itself is what Kimi and DeepSeek want as `reasoning_content` (and MiniMax as
//   `<think>...</think>`): the signature only proves it came from that provider and model.
// - a tool_use `id`: `<provider's id>__ccp1_<16 hex>_<base64url value>`, carrying Gemini's
//   `thought_signature` of that call; the checksum covers the provider, the model, the id and
//   the value.
//
// A checksum detects damage and values from another provider or model (a user switching
// models mid-session); it is not a secret MAC (the client is the user). What does not verify is
// dropped, never an error. Version 1 ("ccp1"); other versions never verify.

#include <cstdint>
#include <string>
#include <string_view>

#include "worker/worker_config.h"

namespace ccproxy::convert::providers {

/// A 64-bit checksum over bytes given in pieces (same result however the text is split).
class Checksum {
 public:
  Checksum() { reset(); }
  void reset();
  void add(std::string_view bytes);
  /// A field: its bytes and its length (so that fields never run into each other).
  void add_field(std::string_view bytes);
  std::uint64_t value() const;

 private:
  void mix(std::uint64_t word);
  std::uint64_t state_ = 0;
  std::uint64_t length_ = 0;
  std::uint64_t pending_ = 0;  // bytes not yet mixed (fewer than 8), little-endian
  unsigned pending_bytes_ = 0;
};

/// The provider's name in profiles and signatures ("gemini", ...; "auto" for automatic).
std::string_view provider_name(worker::Provider provider);

/// Incremental signer of one thinking block (streams sign as the text arrives).
class ThinkingSigner {
 public:
  void start(worker::Provider provider, std::string_view model);
  void add(std::string_view text) { text_.add(text); }
  /// The signature of the text added since start().
  std::string signature() const;

 private:
  worker::Provider provider_ = worker::Provider::generic;
  std::uint64_t head_ = 0;  // checksum of version, provider and model
  Checksum text_;
};

/// The signature of a whole thinking block.
std::string sign_thinking(worker::Provider provider, std::string_view model, std::string_view text);
/// Whether `signature` was made by sign_thinking for this provider, model and text.
bool thinking_verifies(std::string_view signature, worker::Provider provider,
                       std::string_view model, std::string_view text);

/// `id` with `value` carried in it (URL-safe characters only, as tool ids need).
std::string tool_id_with_value(std::string_view id, worker::Provider provider,
                               std::string_view model, std::string_view value);

/// A tool_use id as it came back: the provider's own id, and the carried value when it
/// verifies for this provider and model (`value` is left empty otherwise).
struct CarriedToolId {
  std::string_view id;
  std::string value;
};
CarriedToolId read_tool_id(std::string_view id, worker::Provider provider, std::string_view model);
/// The provider's own id of a tool_use id (the carried part cut off, verified or not).
std::string_view plain_tool_id(std::string_view id);

}  // namespace ccproxy::convert::providers
