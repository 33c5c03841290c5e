// Consumes an agent's GET /v1/stream (SSE) with reconnect and capped exponential backoff.
// Threading: a StreamConsumer runs its own worker thread and calls its callbacks there; stop() joins it.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "core/event.h"
#include "core/snapshot.h"

namespace redline {

enum class StreamState { Connecting, Live, Stale, Disconnected };
std::string_view to_string(StreamState s);

/// Consumes GET /v1/stream with reconnect and capped exponential backoff (with jitter). Marks the stream
/// Stale when no message (snapshot or keep-alive comment) arrived for 3 intervals.
class StreamConsumer {
  public:
    struct Options {
        std::string base_url;
        std::string token;
        int interval_ms = 1000;
        int window_s = 1;
        std::chrono::milliseconds backoff_initial{250};
        std::chrono::milliseconds backoff_max{10'000};
        std::uint64_t events_after = 0;  // resume cursor for events
    };
    struct Callbacks {
        std::function<void(Snapshot)> on_snapshot;
        std::function<void(Event)> on_event;
        std::function<void(const nlohmann::json&)>
            on_message;  // other event types (e.g. "loadtest"): raw data
        std::function<void(StreamState, std::string reason)> on_state;
        /// Same messages as on_message, with their SSE event name (added; either or both may be set).
        std::function<void(const std::string& event, const nlohmann::json& data)> on_other_event;
    };
    StreamConsumer(Options options, Callbacks callbacks);
    ~StreamConsumer();  // stop()s
    void start();
    void stop();

  private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

}  // namespace redline
