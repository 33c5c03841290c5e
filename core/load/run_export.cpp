#include "core/load/run_export.h"

#include <fmt/format.h>

#include <cmath>

namespace redline::load {

using json = nlohmann::json;

namespace {

json quantiles_json(const LatencySketch& s) {
    json j;
    to_json(j, LatencyQuantiles::from(s));
    return j;
}

json transport_json(const StoredSecond& s) {
    json t = json::object();
    for (std::size_t k = 0; k < kTransportKinds; ++k)
        if (s.transport[k]) t[std::string(to_string(TransportError(k)))] = s.transport[k];
    return t;
}

/// A CSV number: the shortest text that reads back as the same double, no locale.
std::string num(double v) {
    if (!std::isfinite(v)) return {};
    return fmt::format("{}", v);
}

}  // namespace

std::optional<double> SecondRow::quantile_ms(double q) const {
    if (corrected.count() == 0) return std::nullopt;
    return corrected.quantile_ns(q) / 1e6;
}

std::vector<SecondRow> timeline_rows(const std::vector<StoredSecond>& seconds) {
    std::vector<SecondRow> rows;
    rows.reserve(seconds.size());
    for (const auto& s : seconds) {
        SecondRow r;
        r.t_s = s.t_s;
        r.target = s.target;
        r.achieved = s.achieved_rate;
        r.late = s.late;
        r.unsent = s.unsent;
        r.in_flight = s.in_flight;
        for (const auto t : s.transport)
            r.transport += t;
        for (const auto& q : s.requests) {
            r.requests += q.counters.requests;
            r.failed += q.counters.errors;
            r.no_response += q.counters.by_class[0];
            r.http_4xx += q.counters.by_class[4];
            r.http_5xx += q.counters.by_class[5];
            r.corrected.merge(q.corrected);
            r.uncorrected.merge(q.uncorrected);
        }
        rows.push_back(std::move(r));
    }
    return rows;
}

json run_json(const StoredRun& r) {
    return json{{"id", r.id},
                {"run_id", r.run_id},
                {"scenario", r.scenario},
                {"target", r.target},
                {"executor", r.executor},
                {"state", r.complete ? "complete" : "incomplete"},
                {"outcome", r.complete ? json(r.outcome) : json(nullptr)},
                {"exit_code", r.exit_code ? json(*r.exit_code) : json(nullptr)},
                {"reason", r.reason},
                {"started_ms", r.started_ms},
                {"ended_ms", r.ended_ms ? json(*r.ended_ms) : json(nullptr)},
                {"duration_s", r.duration_s},
                {"seconds", r.seconds},
                {"requests", r.requests},
                {"error_ratio", r.error_ratio ? json(*r.error_ratio) : json(nullptr)},
                {"p99_ms", r.p99_ms ? json(*r.p99_ms) : json(nullptr)},
                {"host", r.host},
                {"pid", r.pid},
                {"version", r.version}};
}

json run_document(const RunStore& store, const std::string& id) {
    const auto run = store.get(id);
    if (!run) return nullptr;
    json timeline = json::array();
    std::uint64_t stored_requests = 0, stored_errors = 0;
    const auto seconds = store.seconds(id);
    const auto rows = timeline_rows(seconds);
    for (std::size_t i = 0; i < seconds.size(); ++i) {
        const StoredSecond& s = seconds[i];
        const SecondRow& f = rows[i];
        stored_requests += f.requests;
        stored_errors += f.failed;
        json by_request = json::array();
        for (const auto& q : s.requests)
            by_request.push_back({{"name", q.name},
                                  {"method", q.method},
                                  {"requests", q.counters.requests},
                                  {"errors", q.counters.errors},
                                  {"latency", quantiles_json(q.corrected)},
                                  {"latency_uncorrected", quantiles_json(q.uncorrected)}});
        timeline.push_back({{"epoch", s.epoch},
                            {"t_s", s.t_s},
                            {"target", s.target},
                            {"achieved_rate", s.achieved_rate},
                            {"requests", f.requests},
                            {"errors", f.failed},
                            {"late", s.late},
                            {"unsent", s.unsent},
                            {"in_flight", s.in_flight},
                            {"transport", transport_json(s)},
                            {"latency", quantiles_json(f.corrected)},
                            {"by_request", by_request}});
    }
    const auto corrected = store.interval_sketch(id, -1, INFINITY, "", true).value_or(LatencySketch{});
    const auto uncorrected = store.interval_sketch(id, -1, INFINITY, "", false).value_or(LatencySketch{});
    json agent_seconds = json::array();
    for (const auto& a : store.agent_seconds(id))
        agent_seconds.push_back({{"epoch", a.epoch}, {"time_ms", a.time_ms}, {"snapshot", a.snapshot}});
    return json{{"run", run_json(*run)},
                {"scenario", run->scenario_json},
                {"summary", run->summary},
                {"stored",
                 {{"seconds", timeline.size()},
                  {"requests", stored_requests},
                  {"errors", stored_errors},
                  {"latency", quantiles_json(corrected)},
                  {"latency_uncorrected", quantiles_json(uncorrected)}}},
                {"timeline", timeline},
                {"agent", {{"seconds", agent_seconds}, {"events", store.agent_events(id)}}}};
}

std::string timeline_csv(const RunStore& store, const std::string& id) {
    if (!store.get(id)) return {};
    std::string out =
        "t_s,target,achieved,requests,failed,no_response,http_4xx,http_5xx,transport,p50_ms,p95_ms,p99_ms,"
        "late,"
        "unsent,in_flight\n";
    for (const auto& r : timeline_rows(store.seconds(id))) {
        auto q = [&r](double p) {
            const auto v = r.quantile_ms(p);
            return v ? fmt::format("{:.3f}", *v) : std::string();
        };
        out += fmt::format("{},{},{},{},{},{},{},{},{},{},{},{},{},{},{}\n", num(r.t_s), num(r.target),
                           num(r.achieved), r.requests, r.failed, r.no_response, r.http_4xx, r.http_5xx,
                           r.transport, q(0.50), q(0.95), q(0.99), r.late, r.unsent, r.in_flight);
    }
    return out;
}

}  // namespace redline::load
