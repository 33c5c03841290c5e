// Test helper: a deliberately low-level HTTP/1.1 client over a blocking POSIX socket (with receive/send
// timeouts), for what a real client library would hide: oversized headers, slow or idle clients, raw
// Last-Event-ID headers, connection caps, and reading a server-sent-event stream for a bounded time.
// Responses are parsed with Beast's parser.
//
// Threading: a RawConnection is used by one thread at a time; the free functions are thread-safe.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/agent_client.h"
#include "core/sse_parser.h"

namespace redline::test {

using Headers = std::vector<std::pair<std::string, std::string>>;

struct RawResponse {
    bool ok = false;    // a complete response was received
    std::string error;  // why not
    int status = 0;
    std::map<std::string, std::string> headers;  // names lower-cased
    std::string body;
    std::string header(const std::string& lower_name) const {
        auto it = headers.find(lower_name);
        return it == headers.end() ? std::string() : it->second;
    }
};

class RawConnection {
  public:
    RawConnection() = default;
    ~RawConnection();
    RawConnection(const RawConnection&) = delete;
    RawConnection& operator=(const RawConnection&) = delete;

    /// Connects to 127.0.0.1:port. io_timeout_ms bounds every later send/recv call.
    bool connect(std::uint16_t port, int io_timeout_ms = 5000, std::string* error = nullptr);
    bool send_all(std::string_view bytes);
    /// Reads one response (status line, headers, body) within timeout_ms.
    RawResponse read_response(int timeout_ms = 5000);
    /// True when the peer closes the connection (EOF or reset) within timeout_ms; data received meanwhile is
    /// discarded.
    bool wait_closed(int timeout_ms);
    /// Appends whatever arrives within timeout_ms (buffered bytes first): >0 bytes, 0 EOF, -1 error, -2
    /// timeout.
    int read_some(std::string& out, int timeout_ms);
    void close();
    bool is_open() const { return fd_ >= 0; }

  private:
    int recv_some(char* buf, std::size_t n, int timeout_ms);  // >0 bytes, 0 EOF, -1 error, -2 timeout
    int fd_ = -1;
    std::string pending_;  // bytes received but not yet parsed
};

/// Builds "METHOD target HTTP/1.1" with Host, the given headers, Content-Length (when a body is given) and
/// Connection: close.
std::string build_request(std::string_view method, std::string_view target, const Headers& headers = {},
                          std::string_view body = {}, bool keep_alive = false);

/// One request on a fresh connection.
RawResponse http_request(std::uint16_t port, std::string_view method, std::string_view target,
                         const Headers& headers = {}, std::string_view body = {}, int timeout_ms = 5000);

/// {"Authorization", "Bearer <token>"}, or nothing for an empty token.
Headers bearer(const std::string& token);

struct SseCapture {
    int status = 0;
    std::string content_type;
    std::string error;                         // transport or parse failure, if any
    std::vector<SseParser::Message> messages;  // events in arrival order
    std::vector<std::int64_t> arrival_ms;      // per message: ms since the request was sent
    int comments = 0;                          // lines starting with ':' (keep-alives)
    std::string body;                          // non-stream response body (when status != 200)
    std::size_t count(std::string_view event) const;
};

/// GETs `target` and reads the event stream for up to duration_ms, or until done(capture) returns true.
SseCapture read_sse(std::uint16_t port, std::string_view target, const Headers& headers, int duration_ms,
                    const std::function<bool(const SseCapture&)>& done = {});

/// Never-throwing JSON access for assertions, so a wrong response fails a comparison instead of throwing out
/// of a test function. parse_json() gives a discarded value (is_discarded()) for text that is not JSON.
nlohmann::json parse_json(std::string_view text);
/// The number at a JSON pointer such as "/faults/error_ratio", or NaN when absent, not a number or malformed.
double json_number(const nlohmann::json& j, const std::string& pointer);
/// The string at a JSON pointer, or "<missing>" when absent or not a string.
std::string json_string(const nlohmann::json& j, const std::string& pointer);
/// The element count of the array or object at a JSON pointer, or -1 when absent or neither.
long json_size(const nlohmann::json& j, const std::string& pointer);
/// The value at a JSON pointer, or a discarded value when absent.
nlohmann::json json_at(const nlohmann::json& j, const std::string& pointer);

}  // namespace redline::test
