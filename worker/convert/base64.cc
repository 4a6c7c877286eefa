#include "worker/convert/base64.h"

#include <cstdint>

namespace ccproxy::convert {
namespace {

int8_t decode_char(unsigned char c) {
  if (c >= 'A' && c <= 'Z') {
    return int8_t(c - 'A');
  }
  if (c >= 'a' && c <= 'z') {
    return int8_t(c - 'a' + 26);
  }
  if (c >= '0' && c <= '9') {
    return int8_t(c - '0' + 52);
  }
  if (c == '+' || c == '-') {
    return 62;
  }
  if (c == '/' || c == '_') {
    return 63;
  }
  return -1;
}

}  // namespace

bool base64_decode(std::string_view in, std::string& out) {
  out.clear();
  out.reserve(in.size() / 4 * 3 + 3);
  uint32_t acc = 0;
  int bits = 0;
  bool padding = false;
  for (unsigned char c : in) {
    if (c == ' ' || c == '\n' || c == '\r' || c == '\t') {
      continue;
    }
    if (c == '=') {
      padding = true;
      continue;
    }
    if (padding) {
      return false;  // data after padding
    }
    const int8_t v = decode_char(c);
    if (v < 0) {
      return false;
    }
    acc = (acc << 6) | uint32_t(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out.push_back(char((acc >> bits) & 0xFF));
    }
  }
  return bits < 6;  // a single dangling character is not valid base64
}

void base64url_encode(std::string_view in, std::string& out) {
  static constexpr char kAlphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  uint32_t acc = 0;
  int bits = 0;
  for (unsigned char c : in) {
    acc = (acc << 8) | c;
    bits += 8;
    while (bits >= 6) {
      bits -= 6;
      out.push_back(kAlphabet[(acc >> bits) & 0x3F]);
    }
  }
  if (bits > 0) {
    out.push_back(kAlphabet[(acc << (6 - bits)) & 0x3F]);
  }
}

}  // namespace ccproxy::convert
