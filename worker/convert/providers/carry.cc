#include "worker/convert/providers/carry.h"

#include <cstring>

#include "worker/convert/base64.h"

namespace ccproxy::convert::providers {
namespace {

constexpr std::uint64_t kMulA = 0x9E3779B97F4A7C15ull;
constexpr std::uint64_t kMulB = 0xC2B2AE3D27D4EB4Full;

std::uint64_t rotl(std::uint64_t x, int r) {
  return (x << r) | (x >> (64 - r));
}

std::uint64_t finalize(std::uint64_t h) {
  h ^= h >> 33;
  h *= 0xFF51AFD7ED558CCDull;
  h ^= h >> 33;
  h *= 0xC4CEB9FE1A85EC53ull;
  h ^= h >> 33;
  return h;
}

constexpr std::string_view kThinkingPrefix = "ccp1.";
constexpr std::string_view kToolMarker = "__ccp1_";

void append_hex16(std::string& out, std::uint64_t v) {
  static constexpr char kHex[] = "0123456789abcdef";
  for (int shift = 60; shift >= 0; shift -= 4) {
    out.push_back(kHex[(v >> shift) & 0xF]);
  }
}

bool parse_hex16(std::string_view s, std::uint64_t& v) {
  if (s.size() != 16) {
    return false;
  }
  v = 0;
  for (char c : s) {
    int d = -1;
    if (c >= '0' && c <= '9') {
      d = c - '0';
    } else if (c >= 'a' && c <= 'f') {
      d = c - 'a' + 10;
    }
    if (d < 0) {
      return false;
    }
    v = (v << 4) | std::uint64_t(d);
  }
  return true;
}

std::uint64_t thinking_head(worker::Provider provider, std::string_view model) {
  Checksum c;
  c.add_field("ccp1 thinking");
  c.add_field(provider_name(provider));
  c.add_field(model);
  return c.value();
}

std::uint64_t tool_checksum(worker::Provider provider, std::string_view model, std::string_view id,
                            std::string_view value) {
  Checksum c;
  c.add_field("ccp1 tool");
  c.add_field(provider_name(provider));
  c.add_field(model);
  c.add_field(id);
  c.add_field(value);
  return c.value();
}

// Where the carried part of a tool id starts: the first marker followed by 16 hex digits and
// '_'; npos when there is none.
std::size_t carried_at(std::string_view id) {
  std::size_t at = id.find(kToolMarker);
  while (at != std::string_view::npos) {
    std::uint64_t ignored = 0;
    const std::size_t hex = at + kToolMarker.size();
    if (id.size() >= hex + 17 && parse_hex16(id.substr(hex, 16), ignored) && id[hex + 16] == '_') {
      return at;
    }
    at = id.find(kToolMarker, at + 1);
  }
  return std::string_view::npos;
}

}  // namespace

void Checksum::reset() {
  state_ = 0x243F6A8885A308D3ull;
  length_ = 0;
  pending_ = 0;
  pending_bytes_ = 0;
}

void Checksum::mix(std::uint64_t word) {
  state_ ^= rotl(word * kMulA, 31) * kMulB;
  state_ = rotl(state_, 27) * 5 + 0x52DCE729;
}

void Checksum::add(std::string_view bytes) {
  length_ += bytes.size();
  const char* p = bytes.data();
  std::size_t n = bytes.size();
  while (n > 0 && pending_bytes_ != 0) {
    pending_ |= std::uint64_t(static_cast<unsigned char>(*p)) << (8 * pending_bytes_);
    ++p;
    --n;
    if (++pending_bytes_ == 8) {
      mix(pending_);
      pending_ = 0;
      pending_bytes_ = 0;
    }
  }
  for (; n >= 8; p += 8, n -= 8) {
    std::uint64_t word = 0;
    for (int i = 7; i >= 0; --i) {
      word = (word << 8) | static_cast<unsigned char>(p[i]);
    }
    mix(word);
  }
  for (; n > 0; ++p, --n) {
    pending_ |= std::uint64_t(static_cast<unsigned char>(*p)) << (8 * pending_bytes_);
    ++pending_bytes_;
  }
}

void Checksum::add_field(std::string_view bytes) {
  std::uint64_t size = bytes.size();
  char encoded[8];
  for (char& c : encoded) {
    c = char(size & 0xFF);
    size >>= 8;
  }
  add(std::string_view(encoded, 8));
  add(bytes);
}

std::uint64_t Checksum::value() const {
  std::uint64_t h = state_;
  if (pending_bytes_ != 0) {
    h ^= rotl(pending_ * kMulA, 31) * kMulB;
  }
  return finalize(h ^ length_);
}

std::string_view provider_name(worker::Provider provider) {
  switch (provider) {
    case worker::Provider::automatic:
      return "auto";
    case worker::Provider::generic:
      return "generic";
    case worker::Provider::openai:
      return "openai";
    case worker::Provider::gemini:
      return "gemini";
    case worker::Provider::kimi:
      return "kimi";
    case worker::Provider::deepseek:
      return "deepseek";
    case worker::Provider::minimax:
      return "minimax";
    case worker::Provider::glm:
      return "glm";
  }
  return "generic";
}

void ThinkingSigner::start(worker::Provider provider, std::string_view model) {
  provider_ = provider;
  head_ = thinking_head(provider, model);
  text_.reset();
}

std::string ThinkingSigner::signature() const {
  std::string out(kThinkingPrefix);
  out.append(provider_name(provider_));
  out.push_back('.');
  append_hex16(out, finalize(head_ ^ text_.value()));
  return out;
}

std::string sign_thinking(worker::Provider provider, std::string_view model,
                          std::string_view text) {
  ThinkingSigner signer;
  signer.start(provider, model);
  signer.add(text);
  return signer.signature();
}

bool thinking_verifies(std::string_view signature, worker::Provider provider,
                       std::string_view model, std::string_view text) {
  const std::string_view name = provider_name(provider);
  if (signature.size() != kThinkingPrefix.size() + name.size() + 17 ||
      signature.substr(0, kThinkingPrefix.size()) != kThinkingPrefix ||
      signature.substr(kThinkingPrefix.size(), name.size()) != name) {
    return false;
  }
  return signature == sign_thinking(provider, model, text);
}

std::string tool_id_with_value(std::string_view id, worker::Provider provider,
                               std::string_view model, std::string_view value) {
  std::string out(id);
  out.append(kToolMarker);
  append_hex16(out, tool_checksum(provider, model, id, value));
  out.push_back('_');
  base64url_encode(value, out);
  return out;
}

CarriedToolId read_tool_id(std::string_view id, worker::Provider provider, std::string_view model) {
  CarriedToolId result;
  const std::size_t at = carried_at(id);
  if (at == std::string_view::npos) {
    result.id = id;
    return result;
  }
  result.id = id.substr(0, at);
  const std::size_t hex = at + kToolMarker.size();
  std::uint64_t checksum = 0;
  parse_hex16(id.substr(hex, 16), checksum);
  const std::string_view encoded = id.substr(hex + 17);
  std::string value;
  std::string canonical;  // one encoding only: the bits past the last byte must be zero
  if (base64_decode(encoded, value) && (base64url_encode(value, canonical), canonical == encoded) &&
      tool_checksum(provider, model, result.id, value) == checksum) {
    result.value = std::move(value);
  }
  return result;
}

std::string_view plain_tool_id(std::string_view id) {
  return id.substr(0, carried_at(id));
}

}  // namespace ccproxy::convert::providers
