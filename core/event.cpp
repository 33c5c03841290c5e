#include "core/event.h"

#include <string>

namespace redline {

namespace {

using nlohmann::json;

class EventSchemaError : public json::exception {
  public:
    explicit EventSchemaError(const std::string& what) : json::exception(591, ("[event] " + what).c_str()) {}
};

const json& required(const json& j, const char* key) {
    const auto it = j.find(key);
    if (it == j.end()) throw EventSchemaError(std::string("missing required field '") + key + "'");
    return *it;
}

std::uint64_t as_u64(const json& v, const char* key) {
    if (!v.is_number_unsigned())
        throw EventSchemaError(std::string("'") + key + "' must be a non-negative integer");
    return v.get<std::uint64_t>();
}

std::string as_string(const json& v, const char* key) {
    if (!v.is_string()) throw EventSchemaError(std::string("'") + key + "' must be a string");
    return v.get<std::string>();
}

}  // namespace

void to_json(json& j, const Event& e) {
    j = json{{"id", e.id},           {"time_ms", e.time_ms}, {"kind", e.kind},  {"actor", e.actor},
             {"message", e.message}, {"before", e.before},   {"after", e.after}};
}

void from_json(const json& j, Event& e) {
    if (!j.is_object()) throw EventSchemaError("an event must be an object");
    Event out;
    out.id = as_u64(required(j, "id"), "id");
    const json& t = required(j, "time_ms");
    if (!t.is_number_integer() ||
        (t.is_number_unsigned() && t.get<std::uint64_t>() > std::uint64_t(INT64_MAX)))
        throw EventSchemaError("'time_ms' must be an integer");
    out.time_ms = t.get<std::int64_t>();
    out.kind = as_string(required(j, "kind"), "kind");
    if (out.kind.empty()) throw EventSchemaError("'kind' must not be empty");
    if (const auto it = j.find("actor"); it != j.end()) out.actor = as_string(*it, "actor");
    if (const auto it = j.find("message"); it != j.end()) out.message = as_string(*it, "message");
    if (const auto it = j.find("before"); it != j.end()) out.before = *it;
    if (const auto it = j.find("after"); it != j.end()) out.after = *it;
    e = std::move(out);
}

void to_json(json& j, const EventPage& p) {
    j = json{{"events", p.events}, {"next_cursor", p.next_cursor}};
}

void from_json(const json& j, EventPage& p) {
    if (!j.is_object()) throw EventSchemaError("an event page must be an object");
    EventPage out;
    const json& events = required(j, "events");
    if (!events.is_array()) throw EventSchemaError("'events' must be an array");
    out.events.reserve(events.size());
    for (const auto& e : events)
        out.events.push_back(e.get<Event>());
    out.next_cursor = as_u64(required(j, "next_cursor"), "next_cursor");
    p = std::move(out);
}

}  // namespace redline
