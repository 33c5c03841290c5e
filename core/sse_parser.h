// Incremental text/event-stream (server-sent events) parser, WHATWG rules.
// Threading: one parser per stream, used by one thread.
#pragma once

#include <cstddef>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

namespace redline {

/// Incremental text/event-stream parser (WHATWG rules: event/data/id/retry fields, comments, CRLF/LF/CR).
class SseParser {
  public:
    struct Message {
        std::string event = "message";
        std::string data;
        std::string id;
    };
    /// Feeds bytes; calls fn for each complete message. Lines longer than max_line abort with false.
    bool feed(std::string_view bytes, const std::function<void(const Message&)>& fn);
    std::optional<int> retry_ms() const { return retry_ms_; }
    std::size_t max_line = 4 * 1024 * 1024;

  private:
    std::string buf_;
    Message cur_;
    bool has_data_ = false;
    bool last_cr_ = false;
    bool bom_checked_ = false;  // a leading UTF-8 BOM is skipped once
    std::optional<int> retry_ms_;
};

}  // namespace redline
