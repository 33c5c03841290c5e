// Listening helpers shared by the sample server and redline-proxy: one acceptor per worker thread on the same
// port (SO_REUSEPORT; the kernel spreads connections), the "Date:" header line a worker refreshes, the base
// URL of a bound address, and the 503 written to a connection over the cap.
//
// Threading: pure functions; an acceptor belongs to the thread that runs its io_context.
#pragma once

#include <boost/asio/ip/tcp.hpp>
#include <cstdint>
#include <string>
#include <string_view>

namespace redline::sample {

/// Splits "host:port" ("[::1]:80" too). Returns false on a malformed address or port.
bool split_host_port(const std::string& address, std::string& host, std::uint16_t& port);
/// Opens, sets SO_REUSEADDR + SO_REUSEPORT, binds and listens. On failure ec is set and `a` may be open.
/// The first acceptor of a group (join = false) first checks that no other socket holds the port:
/// SO_REUSEPORT alone would let a second server of the same user bind the same port and take part of the
/// connections. The others (join = true) join the group's port.
void listen_reuseport(boost::asio::ip::tcp::acceptor& a, const boost::asio::ip::tcp::endpoint& ep,
                      boost::system::error_code& ec, bool join);
/// Resolves a listen host ("localhost" is 127.0.0.1; otherwise a literal address). Throws std::runtime_error
/// naming `what` on anything else.
boost::asio::ip::address listen_address(const std::string& host, std::string_view what);
/// "Date: Tue, 01 Dec 2026 10:00:00 GMT\r\n" for now.
std::string http_date_line();
/// "http://HOST:PORT" ("[::1]" for IPv6).
std::string base_url(const std::string& host, std::uint16_t port);
/// The response to a connection refused at accept because the connection cap is reached.
std::string_view too_many_connections_response();

}  // namespace redline::sample
