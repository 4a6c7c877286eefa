#include "worker/upstream/response_parser.h"

#include "common/text.h"

#include <charconv>

namespace ccproxy::worker {
namespace {

constexpr std::size_t kMaxHead = 64 * 1024;
constexpr std::size_t kMaxLine = 8 * 1024;

bool icontains_token(std::string_view list, std::string_view token) {
  std::size_t i = 0;
  while (i <= list.size()) {
    std::size_t end = list.find(',', i);
    if (end == std::string_view::npos) {
      end = list.size();
    }
    std::string_view item = list.substr(i, end - i);
    while (!item.empty() && (item.front() == ' ' || item.front() == '\t')) {
      item.remove_prefix(1);
    }
    while (!item.empty() && (item.back() == ' ' || item.back() == '\t')) {
      item.remove_suffix(1);
    }
    if (ascii_iequals(item, token)) {
      return true;
    }
    i = end + 1;
  }
  return false;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) {
    s.remove_prefix(1);
  }
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) {
    s.remove_suffix(1);
  }
  return s;
}

}  // namespace

std::string_view HttpResponseParser::header(std::string_view name) const {
  for (const auto& [k, v] : headers_) {
    if (ascii_iequals(k, name)) {
      return v;
    }
  }
  return {};
}

Result<void, std::string> HttpResponseParser::parse_head(std::string_view head) {
  headers_.clear();
  headers_.reserve(24);
  std::size_t eol = head.find("\r\n");
  std::string_view status_line = head.substr(0, eol);
  // HTTP/1.1 200 OK
  if (status_line.size() < 12 || status_line.substr(0, 5) != "HTTP/" || status_line[8] != ' ') {
    return fail("malformed status line from upstream: " + std::string(status_line.substr(0, 80)));
  }
  bool http10 = status_line.substr(5, 3) == "1.0";
  int status = 0;
  auto [p, ec] = std::from_chars(status_line.data() + 9, status_line.data() + 12, status);
  if (ec != std::errc() || p != status_line.data() + 12 || status < 100 || status > 599) {
    return fail("malformed status code from upstream: " + std::string(status_line.substr(0, 80)));
  }
  status_ = status;
  std::size_t pos = eol == std::string_view::npos ? head.size() : eol + 2;
  while (pos < head.size()) {
    std::size_t end = head.find("\r\n", pos);
    if (end == std::string_view::npos) {
      end = head.size();
    }
    std::string_view line = head.substr(pos, end - pos);
    pos = end + 2;
    if (line.empty()) {
      break;
    }
    std::size_t colon = line.find(':');
    if (colon == std::string_view::npos || colon == 0) {
      return fail("malformed header line from upstream");
    }
    headers_.emplace_back(line.substr(0, colon), trim(line.substr(colon + 1)));
  }

  std::string_view connection = header("connection");
  keep_alive_ =
      http10 ? icontains_token(connection, "keep-alive") : !icontains_token(connection, "close");

  if (status_ < 200) {
    // 1xx interim response: another head follows.
    state_ = State::head;
    return {};
  }
  if (status_ == 204 || status_ == 304 || (connect_ && status_ < 300)) {
    state_ = State::done;
    return {};
  }
  if (icontains_token(header("transfer-encoding"), "chunked")) {
    state_ = State::chunk_size;
    return {};
  }
  std::string_view length = header("content-length");
  if (!length.empty()) {
    uint64_t n = 0;
    auto [q, ec2] = std::from_chars(length.data(), length.data() + length.size(), n);
    if (ec2 != std::errc() || q != length.data() + length.size()) {
      return fail("malformed Content-Length from upstream");
    }
    remaining_ = n;
    state_ = n == 0 ? State::done : State::length;
    return {};
  }
  keep_alive_ = false;
  state_ = State::until_close;
  return {};
}

Result<std::size_t, std::string> HttpResponseParser::feed(std::string_view data,
                                                          std::string& body) {
  std::size_t used = 0;
  while (used < data.size() && state_ != State::done) {
    std::string_view rest = data.substr(used);
    switch (state_) {
      case State::head: {
        if (line_.empty()) {
          // The usual case: the whole head in this piece. Only the head is copied.
          const std::size_t end = rest.find("\r\n\r\n");
          if (end != std::string_view::npos) {
            const std::size_t head_len = end + 4;
            if (head_len > kMaxHead) {
              return fail(std::string("upstream response headers too large"));
            }
            head_text_.assign(rest.substr(0, head_len));
            used += head_len;
            if (auto r = parse_head(head_text_); !r) {
              return fail(r.error());
            }
            break;
          }
        }
        // Look for the blank line, also across the previous feed's tail.
        std::size_t before = line_.size();
        line_.append(rest);
        std::size_t end = line_.find("\r\n\r\n", before >= 3 ? before - 3 : 0);
        if (end == std::string::npos) {
          if (line_.size() > kMaxHead) {
            return fail(std::string("upstream response headers too large"));
          }
          used = data.size();
          break;
        }
        std::size_t head_len = end + 4;
        used += head_len - before;
        // The head's text is kept (headers_ points into it); line_ gives its buffer away.
        head_text_.swap(line_);
        head_text_.resize(head_len);
        line_.clear();
        if (auto r = parse_head(head_text_); !r) {
          return fail(r.error());
        }
        break;
      }
      case State::length: {
        std::size_t n = static_cast<std::size_t>(std::min<uint64_t>(remaining_, rest.size()));
        body.append(rest.substr(0, n));
        remaining_ -= n;
        used += n;
        if (remaining_ == 0) {
          state_ = State::done;
        }
        break;
      }
      case State::until_close:
        body.append(rest);
        used = data.size();
        break;
      case State::chunk_size:
      case State::trailers:
      case State::chunk_data_end: {
        std::size_t nl = rest.find('\n');
        if (nl == std::string_view::npos) {
          line_.append(rest);
          used = data.size();
          if (line_.size() > kMaxLine) {
            return fail(std::string("malformed chunked body from upstream"));
          }
          break;
        }
        line_.append(rest.substr(0, nl));
        used += nl + 1;
        std::string line = std::move(line_);
        line_.clear();
        if (!line.empty() && line.back() == '\r') {
          line.pop_back();
        }
        if (state_ == State::chunk_data_end) {
          if (!line.empty()) {
            return fail(std::string("malformed chunked body from upstream"));
          }
          state_ = State::chunk_size;
        } else if (state_ == State::trailers) {
          if (line.empty()) {
            state_ = State::done;
          }
        } else {
          std::string_view size_text = line;
          size_text = size_text.substr(0, size_text.find(';'));
          size_text = trim(size_text);
          uint64_t n = 0;
          auto [q, ec] =
              std::from_chars(size_text.data(), size_text.data() + size_text.size(), n, 16);
          if (size_text.empty() || ec != std::errc() || q != size_text.data() + size_text.size()) {
            return fail(std::string("malformed chunk size from upstream"));
          }
          if (n == 0) {
            state_ = State::trailers;
          } else {
            remaining_ = n;
            state_ = State::chunk_data;
          }
        }
        break;
      }
      case State::chunk_data: {
        std::size_t n = static_cast<std::size_t>(std::min<uint64_t>(remaining_, rest.size()));
        body.append(rest.substr(0, n));
        remaining_ -= n;
        used += n;
        if (remaining_ == 0) {
          state_ = State::chunk_data_end;
        }
        break;
      }
      case State::done:
        break;
    }
  }
  return used;
}

Result<void, std::string> HttpResponseParser::finish_eof() {
  if (state_ == State::until_close || state_ == State::done) {
    state_ = State::done;
    return {};
  }
  if (state_ == State::head) {
    return fail(std::string("upstream closed the connection before sending a response"));
  }
  return fail(std::string("upstream closed the connection in the middle of the response"));
}

}  // namespace ccproxy::worker
