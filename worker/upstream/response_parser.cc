#include "worker/upstream/response_parser.h"

#include <boost/beast/http/basic_parser.hpp>
#include <boost/beast/http/error.hpp>

#include "common/text.h"

namespace ccproxy::worker {
namespace {

namespace http = boost::beast::http;
using boost::beast::error_code;
using beast_view = boost::beast::string_view;

// The status line and fields of one head; a chunk-size line or the trailer section.
constexpr std::size_t kMaxHead = 64 * 1024;
constexpr std::size_t kMaxLine = 8 * 1024;
// Left-over bytes are completed with all of a read up to this size (one parse instead of
// two), with one line of a larger read (only the bytes the parser needs together are copied).
constexpr std::size_t kCopyWhole = 4096;

std::string first_line(std::string_view text) {
  return std::string(text.substr(0, std::min<std::size_t>(text.find_first_of("\r\n"), 80)));
}

}  // namespace

class HttpResponseParser::Message final : public http::basic_parser<false> {
 public:
  explicit Message(bool connect) {
    header_limit(kMaxHead);
    body_limit(boost::none);  // a stream lasts as long as the model writes
    eager(true);              // past the head and chunk headers in one put
    if (connect) {
      skip(true);
    }
    text_.reserve(1024);
  }

  std::string* body = nullptr;  // where body bytes go during a put
  int status = 0;               // 0 until a valid status line was read
  std::size_t head_taken = 0;   // head bytes the parser took before the head was complete
  std::vector<std::pair<std::string_view, std::string_view>> fields;

 private:
  void on_request_impl(http::verb, beast_view, beast_view, int, error_code& ec) override {
    ec = http::error::bad_method;  // a response parser never sees a request line
  }
  void on_response_impl(int code, beast_view, int, error_code& ec) override {
    if (code < 100 || code > 599) {
      ec = http::error::bad_status;
      return;
    }
    status = code;
  }
  void on_field_impl(http::field, beast_view name, beast_view value, error_code&) override {
    if (is_header_done()) {
      return;  // a trailer
    }
    spans_.push_back({text_.size(), name.size(), value.size()});
    text_.append(name.data(), name.size());
    text_.append(value.data(), value.size());
  }
  void on_header_impl(error_code&) override {
    // text_ is complete: the views into it stay valid for the life of this message.
    fields.reserve(spans_.size());
    const std::string_view text = text_;
    for (const Span& s : spans_) {
      fields.emplace_back(text.substr(s.at, s.name), text.substr(s.at + s.name, s.value));
    }
  }
  void on_body_init_impl(const boost::optional<std::uint64_t>&, error_code&) override {}
  std::size_t on_body_impl(beast_view bytes, error_code&) override {
    body->append(bytes.data(), bytes.size());
    return bytes.size();
  }
  void on_chunk_header_impl(std::uint64_t, beast_view, error_code&) override {}
  std::size_t on_chunk_body_impl(std::uint64_t, beast_view bytes, error_code&) override {
    body->append(bytes.data(), bytes.size());
    return bytes.size();
  }
  void on_finish_impl(error_code&) override {}

  struct Span {
    std::size_t at, name, value;
  };
  std::string text_;  // the fields' names and values, back to back
  std::vector<Span> spans_;
};

namespace {

// The error text for a parse that failed at `at` (the start of the head when the status
// line was refused).
std::string describe(const error_code& ec, const http::basic_parser<false>& message, int status,
                     std::string_view at) {
  if (ec == http::error::header_limit) {
    return "upstream response headers too large";
  }
  if (status == 0) {
    return (ec == http::error::bad_status ? "malformed status code from upstream: "
                                          : "malformed status line from upstream: ") +
           first_line(at);
  }
  if (message.is_header_done()) {
    return "malformed chunked body from upstream (" + ec.message() + ")";
  }
  if (ec == http::error::bad_content_length) {
    return "malformed Content-Length from upstream";
  }
  if (ec == http::error::bad_transfer_encoding) {
    return "malformed Transfer-Encoding from upstream";
  }
  return "malformed header line from upstream (" + ec.message() + ")";
}

}  // namespace

HttpResponseParser::HttpResponseParser() : message_(std::make_unique<Message>(false)) {}
HttpResponseParser::~HttpResponseParser() = default;
HttpResponseParser::HttpResponseParser(HttpResponseParser&&) noexcept = default;
HttpResponseParser& HttpResponseParser::operator=(HttpResponseParser&&) noexcept = default;

void HttpResponseParser::expect_connect_response() {
  connect_ = true;
  message_ = std::make_unique<Message>(true);
}

bool HttpResponseParser::head_complete() const {
  return message_->is_header_done();
}

bool HttpResponseParser::complete() const {
  return message_->is_done();
}

int HttpResponseParser::status() const {
  return message_->status;
}

const std::vector<std::pair<std::string_view, std::string_view>>& HttpResponseParser::headers()
    const {
  return message_->fields;
}

std::string_view HttpResponseParser::header(std::string_view name) const {
  for (const auto& [k, v] : message_->fields) {
    if (ascii_iequals(k, name)) {
      return v;
    }
  }
  return {};
}

bool HttpResponseParser::keep_alive() const {
  return message_->is_header_done() && message_->keep_alive();
}

Result<std::size_t, std::string> HttpResponseParser::feed(std::string_view data,
                                                          std::string& body) {
  if (message_->is_done()) {
    return std::size_t{0};
  }
  std::string error;
  std::size_t used = 0;
  // Bytes left over from the previous feed (mostly the CRLF that closes a chunk) are
  // completed with the start of `data`, then the rest is read where it lies.
  while (!pending_.empty() && used < data.size()) {
    const std::size_t end = piece_end(data, used);
    const std::size_t carried = pending_.size();
    pending_.append(data.data() + used, end - used);
    const std::size_t taken = parse(pending_, body, error);
    if (!error.empty()) {
      return fail(std::move(error));
    }
    if (message_->is_done()) {
      pending_.clear();
      return used + (taken > carried ? taken - carried : 0);
    }
    pending_.erase(0, taken);
    used = end;
    if (!pending_within_limits()) {
      return fail(pending_error());
    }
  }
  if (used < data.size()) {
    const std::size_t taken = parse(data.substr(used), body, error);
    if (!error.empty()) {
      return fail(std::move(error));
    }
    if (message_->is_done()) {
      return used + taken;
    }
    pending_.assign(data.data() + used + taken, data.size() - used - taken);
    if (!pending_within_limits()) {
      return fail(pending_error());
    }
  }
  return data.size();
}

std::size_t HttpResponseParser::piece_end(std::string_view data, std::size_t from) {
  if (data.size() - from <= kCopyWhole) {
    return data.size();
  }
  const std::size_t nl = data.find('\n', from);
  return nl == std::string_view::npos ? data.size() : nl + 1;
}

std::size_t HttpResponseParser::parse(std::string_view in, std::string& body, std::string& error) {
  message_->body = &body;
  std::size_t taken = 0;
  while (taken < in.size() && !message_->is_done()) {
    const bool in_head = !message_->is_header_done();
    if (in_head) {
      message_->header_limit(static_cast<std::uint32_t>(kMaxHead - message_->head_taken));
    }
    error_code ec;
    const std::size_t n =
        message_->put(boost::asio::const_buffer(in.data() + taken, in.size() - taken), ec);
    if (in_head && !message_->is_header_done()) {
      message_->head_taken += n;
    }
    if (ec) {
      if (ec != http::error::need_more) {
        error = describe(ec, *message_, message_->status, in.substr(taken));
      }
      return taken + n;  // need_more: the rest waits for the next bytes
    }
    taken += n;
    if (message_->is_done() && message_->status < 200) {
      // A 1xx interim response: the real one follows.
      message_ = std::make_unique<Message>(connect_);
      message_->body = &body;
    }
  }
  return taken;
}

bool HttpResponseParser::pending_within_limits() const {
  if (!message_->is_header_done()) {
    return message_->head_taken + pending_.size() <= kMaxHead;
  }
  // After the head only a chunk-size line or the trailer section waits for more bytes.
  return pending_.size() <= kMaxLine;
}

std::string HttpResponseParser::pending_error() const {
  return message_->is_header_done() ? "malformed chunked body from upstream (line too long)"
                                    : "upstream response headers too large";
}

Result<void, std::string> HttpResponseParser::finish_eof() {
  if (message_->is_done()) {
    return {};
  }
  if (!message_->is_header_done()) {
    return fail(std::string("upstream closed the connection before sending a response"));
  }
  error_code ec;
  message_->put_eof(ec);
  if (ec) {
    return fail(std::string("upstream closed the connection in the middle of the response"));
  }
  return {};
}

}  // namespace ccproxy::worker
