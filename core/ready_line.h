// The start-up line every Redline server prints once it serves (docs/architecture.md):
//   REDLINE_READY api=URL admin=URL data_dir=DIR
// One parser for everything that starts a server and waits for it (the dashboard, the tests).
// Pure function, thread-safe.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace redline {

struct ReadyLine {
    std::string api;       // "http://127.0.0.1:PORT", empty for the agent demo
    std::string admin;     // "http://127.0.0.1:PORT"
    std::string data_dir;  // last field: may contain spaces
};

/// Parses one line (without its newline; a trailing '\r' is ignored). nullopt when it is not a READY line or
/// has no admin URL.
std::optional<ReadyLine> parse_ready_line(std::string_view line);

}  // namespace redline
