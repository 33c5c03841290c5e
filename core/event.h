// Control and lifecycle events: audited by the agent, pushed on its stream, drawn as chart markers.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace redline {

struct Event {
    std::uint64_t id = 0;      // assigned by the agent's event log, strictly increasing, continuing across restarts
    std::int64_t time_ms = 0;  // unix time in milliseconds
    /// "limits.changed", "canary.changed", "cache.changed", "cache.flushed", "loadtest.started",
    /// "loadtest.progress", "loadtest.finished", "loadtest.aborted", "threshold.breached", "agent.started",
    /// ...
    std::string kind;
    std::string actor;      // "operator", "viewer", "agent", "host"
    std::string message;    // one human sentence, e.g. "canary weight 5% -> 25%"
    nlohmann::json before;  // null when not a state change
    nlohmann::json after;
    bool operator==(const Event&) const = default;
};

struct EventPage {
    std::vector<Event> events;
    std::uint64_t next_cursor = 0;  // pass as ?after= to continue
};

void to_json(nlohmann::json& j, const Event& e);
void from_json(const nlohmann::json& j, Event& e);  // throws nlohmann::json::exception on malformed input
void to_json(nlohmann::json& j, const EventPage& p);
void from_json(const nlohmann::json& j, EventPage& p);

}  // namespace redline
