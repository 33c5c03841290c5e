// The load engine's connect-time guard, shared by the engine and its workers.
#pragma once

#include <boost/asio/ip/tcp.hpp>
#include <functional>
#include <string>

namespace redline::load {

/// Decides whether the engine may connect to a resolved endpoint. Called before every connect (also
/// reconnects) with the resolved address. Return false and set *why to refuse.
using ConnectFilter = std::function<bool(const boost::asio::ip::tcp::endpoint&, std::string* why)>;

}  // namespace redline::load
