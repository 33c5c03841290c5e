#include "agents/sample_server/listener.h"

#include <spdlog/spdlog.h>
#include <sys/socket.h>

#include <cerrno>
#include <charconv>
#include <ctime>
#include <stdexcept>

namespace redline::sample {

namespace asio = boost::asio;

namespace {

bool parse_port(const std::string& text, unsigned& out) {
    const char* end = text.data() + text.size();
    auto [p, ec] = std::from_chars(text.data(), end, out);
    return ec == std::errc() && p == end && out <= 65535;
}

}  // namespace

bool split_host_port(const std::string& address, std::string& host, std::uint16_t& port) {
    std::string h, p;
    if (!address.empty() && address.front() == '[') {
        const auto close = address.find(']');
        if (close == std::string::npos || close + 1 >= address.size() || address[close + 1] != ':')
            return false;
        h = address.substr(1, close - 1);
        p = address.substr(close + 2);
    } else {
        const auto colon = address.rfind(':');
        if (colon == std::string::npos) return false;
        h = address.substr(0, colon);
        p = address.substr(colon + 1);
    }
    unsigned v = 0;
    if (h.empty() || !parse_port(p, v)) return false;
    host = h;
    port = static_cast<std::uint16_t>(v);
    return true;
}

void listen_reuseport(asio::ip::tcp::acceptor& a, const asio::ip::tcp::endpoint& ep,
                      boost::system::error_code& ec, bool join) {
    if (!join && ep.port() != 0) {
        // A socket without SO_REUSEPORT cannot bind a port that any other socket listens on, whatever that
        // one set: bind one for a moment, then let it go to the group.
        asio::ip::tcp::acceptor probe(a.get_executor());
        probe.open(ep.protocol(), ec);
        if (!ec) probe.set_option(asio::socket_base::reuse_address(true), ec);  // TIME_WAIT does not count
        if (!ec) probe.bind(ep, ec);
        boost::system::error_code ignored;
        probe.close(ignored);
        if (ec) return;
    }
    a.open(ep.protocol(), ec);
    if (!ec) a.set_option(asio::socket_base::reuse_address(true), ec);
    if (!ec) {
        int one = 1;
        if (::setsockopt(a.native_handle(), SOL_SOCKET, SO_REUSEPORT, &one, sizeof one) != 0)
            ec.assign(errno, boost::system::system_category());
    }
    if (!ec) a.bind(ep, ec);
    if (!ec) a.listen(asio::socket_base::max_listen_connections, ec);
}

asio::ip::address listen_address(const std::string& host, std::string_view what) {
    boost::system::error_code ec;
    const auto address = asio::ip::make_address(host == "localhost" ? "127.0.0.1" : host, ec);
    if (ec) throw std::runtime_error("bad " + std::string(what) + " host '" + host + "': " + ec.message());
    return address;
}

std::string http_date_line() {
    const std::time_t t = std::time(nullptr);
    std::tm tm{};
    gmtime_r(&t, &tm);
    char buf[64];
    std::strftime(buf, sizeof buf, "Date: %a, %d %b %Y %H:%M:%S GMT\r\n", &tm);
    return buf;
}

std::string base_url(const std::string& host, std::uint16_t port) {
    const bool v6 = host.find(':') != std::string::npos;
    return "http://" + (v6 ? "[" + host + "]" : host) + ":" + std::to_string(port);
}

std::string_view too_many_connections_response() {
    static constexpr char kText[] =
        "HTTP/1.1 503 Service Unavailable\r\nContent-Type: application/problem+json\r\nRetry-After: 1\r\n"
        "Connection: close\r\nContent-Length: 94\r\n\r\n"
        R"({"type":"about:blank","title":"Service Unavailable","status":503,"detail":"too many connections"})";
    return {kText, sizeof kText - 1};
}

}  // namespace redline::sample
