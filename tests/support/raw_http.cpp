#include "tests/support/raw_http.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <boost/beast/http.hpp>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <limits>

namespace redline::test {

namespace http = boost::beast::http;
using Clock = std::chrono::steady_clock;

namespace {
int ms_left(Clock::time_point deadline) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
    return left < 0 ? 0 : int(left);
}
std::string lower(std::string s) {
    std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::tolower(c); });
    return s;
}
}  // namespace

RawConnection::~RawConnection() {
    close();
}

bool RawConnection::connect(std::uint16_t port, int io_timeout_ms, std::string* error) {
    close();
    fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd_ < 0) {
        if (error) *error = std::strerror(errno);
        return false;
    }
    timeval tv{io_timeout_ms / 1000, (io_timeout_ms % 1000) * 1000};
    ::setsockopt(fd_, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
    int one = 1;
    ::setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(port);
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
        if (error) *error = std::strerror(errno);
        close();
        return false;
    }
    pending_.clear();
    return true;
}

bool RawConnection::send_all(std::string_view bytes) {
    if (fd_ < 0) return false;
    while (!bytes.empty()) {
        ssize_t n = ::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return false;
        bytes.remove_prefix(std::size_t(n));
    }
    return true;
}

int RawConnection::recv_some(char* buf, std::size_t n, int timeout_ms) {
    pollfd p{fd_, POLLIN, 0};
    int rc = ::poll(&p, 1, timeout_ms);
    if (rc == 0) return -2;
    if (rc < 0) return -1;
    ssize_t got = ::recv(fd_, buf, n, 0);
    if (got < 0) return errno == EAGAIN ? -2 : -1;
    return int(got);
}

RawResponse RawConnection::read_response(int timeout_ms) {
    RawResponse r;
    if (fd_ < 0) {
        r.error = "not connected";
        return r;
    }
    auto deadline = Clock::now() + std::chrono::milliseconds(timeout_ms);
    http::response_parser<http::string_body> parser;
    parser.eager(true);
    parser.body_limit(64u << 20);
    parser.header_limit(1u << 20);
    char buf[16384];
    for (;;) {
        if (!pending_.empty()) {
            boost::beast::error_code ec;
            std::size_t used = parser.put(boost::asio::buffer(pending_.data(), pending_.size()), ec);
            pending_.erase(0, used);
            if (ec && ec != http::error::need_more) {
                r.error = "bad response: " + ec.message();
                return r;
            }
            if (parser.is_done()) break;
            if (used > 0 && !pending_.empty() && ec != http::error::need_more) continue;
        }
        int n = recv_some(buf, sizeof buf, ms_left(deadline));
        if (n == -2) {
            r.error = "timeout";
            return r;
        }
        if (n <= 0) {
            if (n == 0 && parser.is_header_done() && !parser.is_done()) {
                boost::beast::error_code ec;
                parser.put_eof(ec);
                if (!ec && parser.is_done()) break;
            }
            r.error = n == 0 ? "connection closed" : std::string("recv: ") + std::strerror(errno);
            return r;
        }
        pending_.append(buf, std::size_t(n));
    }
    auto& msg = parser.get();
    r.ok = true;
    r.status = int(msg.result_int());
    for (auto& f : msg)
        r.headers[lower(std::string(f.name_string()))] = std::string(f.value());
    r.body = msg.body();
    return r;
}

bool RawConnection::wait_closed(int timeout_ms) {
    if (fd_ < 0) return true;
    auto deadline = Clock::now() + std::chrono::milliseconds(timeout_ms);
    char buf[4096];
    for (;;) {
        int n = recv_some(buf, sizeof buf, ms_left(deadline));
        if (n == 0 || n == -1) return true;
        if (n == -2) return false;
    }
}

int RawConnection::read_some(std::string& out, int timeout_ms) {
    if (!pending_.empty()) {
        int n = int(pending_.size());
        out += pending_;
        pending_.clear();
        return n;
    }
    if (fd_ < 0) return -1;
    char buf[16384];
    int n = recv_some(buf, sizeof buf, timeout_ms);
    if (n > 0) out.append(buf, std::size_t(n));
    return n;
}

void RawConnection::close() {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
}

std::string build_request(std::string_view method, std::string_view target, const Headers& headers,
                          std::string_view body, bool keep_alive) {
    std::string s;
    s.append(method).append(" ").append(target).append(" HTTP/1.1\r\nHost: 127.0.0.1\r\n");
    for (auto& [k, v] : headers)
        s.append(k).append(": ").append(v).append("\r\n");
    if (!body.empty() || method == "PUT" || method == "POST")
        s.append("Content-Length: ").append(std::to_string(body.size())).append("\r\n");
    if (!keep_alive) s.append("Connection: close\r\n");
    s.append("\r\n").append(body);
    return s;
}

RawResponse http_request(std::uint16_t port, std::string_view method, std::string_view target,
                         const Headers& headers, std::string_view body, int timeout_ms) {
    RawConnection c;
    RawResponse r;
    if (!c.connect(port, timeout_ms, &r.error)) return r;
    // A send may fail when the server answers early and closes (e.g. 413); the response is still readable.
    c.send_all(build_request(method, target, headers, body));
    return c.read_response(timeout_ms);
}

Headers bearer(const std::string& token) {
    if (token.empty()) return {};
    return {{"Authorization", "Bearer " + token}};
}

std::size_t SseCapture::count(std::string_view event) const {
    return std::size_t(std::count_if(messages.begin(), messages.end(),
                                     [&](const SseParser::Message& m) { return m.event == event; }));
}

SseCapture read_sse(std::uint16_t port, std::string_view target, const Headers& headers, int duration_ms,
                    const std::function<bool(const SseCapture&)>& done) {
    SseCapture cap;
    RawConnection c;
    if (!c.connect(port, 5000, &cap.error)) return cap;
    auto start = Clock::now();
    auto deadline = start + std::chrono::milliseconds(duration_ms);
    Headers h = headers;
    h.emplace_back("Accept", "text/event-stream");
    if (!c.send_all(build_request("GET", target, h, {}, true))) {
        cap.error = "send failed";
        return cap;
    }
    SseParser sse;
    bool finished = false;
    http::response_parser<http::string_body> parser;
    parser.body_limit(std::numeric_limits<std::uint64_t>::max());
    auto on_message = [&](const SseParser::Message& m) {
        cap.messages.push_back(m);
        cap.arrival_ms.push_back(
            std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - start).count());
        if (done && done(cap)) finished = true;
    };
    auto chunk_cb = [&](std::uint64_t, std::string_view body, boost::beast::error_code&) -> std::size_t {
        for (std::size_t pos = 0; pos < body.size();) {
            // count comment lines for keep-alive checks
            auto nl = body.find('\n', pos);
            if (body[pos] == ':') ++cap.comments;
            if (nl == std::string_view::npos) break;
            pos = nl + 1;
        }
        sse.feed(body, on_message);
        return body.size();
    };
    parser.on_chunk_body(chunk_cb);
    std::string pending;
    bool header_seen = false;
    while (!finished && Clock::now() < deadline) {
        int n = c.read_some(pending, std::max(1, ms_left(deadline)));
        if (n == -2) break;
        if (n <= 0) {
            if (cap.error.empty() && !header_seen) cap.error = n == 0 ? "connection closed" : "recv failed";
            break;
        }
        while (!pending.empty() && !finished) {
            boost::beast::error_code ec;
            std::size_t used = parser.put(boost::asio::buffer(pending.data(), pending.size()), ec);
            pending.erase(0, used);
            if (ec == http::error::need_more) break;
            if (ec) {
                cap.error = "bad stream: " + ec.message();
                return cap;
            }
            if (parser.is_header_done() && !header_seen) {
                header_seen = true;
                cap.status = int(parser.get().result_int());
                cap.content_type = std::string(parser.get()[http::field::content_type]);
            }
            if (parser.is_done()) {
                cap.body = parser.get().body();
                return cap;
            }
            if (used == 0) break;
        }
    }
    return cap;
}

nlohmann::json parse_json(std::string_view text) {
    return nlohmann::json::parse(text.begin(), text.end(), nullptr, false);
}

nlohmann::json json_at(const nlohmann::json& j, const std::string& pointer) {
    try {
        if (j.is_discarded()) return nlohmann::json(nlohmann::json::value_t::discarded);
        nlohmann::json::json_pointer p(pointer);
        if (!j.contains(p)) return nlohmann::json(nlohmann::json::value_t::discarded);
        return j.at(p);
    } catch (const std::exception&) {
        return nlohmann::json(nlohmann::json::value_t::discarded);
    }
}

double json_number(const nlohmann::json& j, const std::string& pointer) {
    nlohmann::json v = json_at(j, pointer);
    return v.is_number() ? v.get<double>() : std::numeric_limits<double>::quiet_NaN();
}

std::string json_string(const nlohmann::json& j, const std::string& pointer) {
    nlohmann::json v = json_at(j, pointer);
    return v.is_string() ? v.get<std::string>() : std::string("<missing>");
}

long json_size(const nlohmann::json& j, const std::string& pointer) {
    nlohmann::json v = json_at(j, pointer);
    return v.is_array() || v.is_object() ? long(v.size()) : -1;
}

}  // namespace redline::test
