// summary_from_json / parse_summary: the --out summary document read back (core/load/compare.h).
#include <string>
#include <utility>
#include <vector>

#include "core/field_checker.h"
#include "core/json_strict.h"
#include "core/load/compare.h"

namespace redline::load {

namespace {

using detail::Checker;
using detail::type_name;
using nlohmann::json;

// Counts far below 2^64 / kBuckets, so summing every bucket of a sketch cannot overflow.
constexpr std::uint64_t kMaxCount = 1'000'000'000'000'000ULL;  // 1e15
constexpr double kMaxValue = 1e18;

std::string at(const std::string& path, std::size_t i) {
    return path + "[" + std::to_string(i) + "]";
}

struct Reader {
    Checker c;

    std::uint64_t count(const json& j, const std::string& path, const char* key, bool required = false) {
        return c.integer(j, path, key, required, 0, kMaxCount).value_or(0);
    }
    double number(const json& j, const std::string& path, const char* key, bool required = false) {
        return c.number(j, path, key, required, 0, kMaxValue).value_or(0);
    }
    std::string string(const json& j, const std::string& path, const char* key, bool required = false) {
        const auto it = j.find(key);
        if (it == j.end()) {
            if (required) c.fail(detail::join(path, key), "is required");
            return {};
        }
        if (!it->is_string()) {
            c.fail(detail::join(path, key), "must be a string, got " + type_name(*it));
            return {};
        }
        return it->get<std::string>();
    }
    /// The member if present and of the wanted kind; a wrong kind is an error.
    const json* member(const json& j, const std::string& path, const char* key, bool want_array,
                       bool required = false) {
        const auto it = j.find(key);
        if (it == j.end()) {
            if (required) c.fail(detail::join(path, key), "is required");
            return nullptr;
        }
        if (want_array ? !it->is_array() : !it->is_object()) {
            c.fail(detail::join(path, key), std::string("must be ") +
                                                (want_array ? "an array" : "an object") + ", got " +
                                                type_name(*it));
            return nullptr;
        }
        return &*it;
    }

    LatencyQuantiles quantiles(const json& j, const std::string& path, const char* key, bool required) {
        LatencyQuantiles q;
        const json* o = member(j, path, key, false, required);
        if (!o) return q;
        const std::string p = detail::join(path, key);
        q.p50_ms = number(*o, p, "p50_ms", true);
        q.p90_ms = number(*o, p, "p90_ms", true);
        q.p95_ms = number(*o, p, "p95_ms", true);
        q.p99_ms = number(*o, p, "p99_ms", true);
        q.p999_ms = number(*o, p, "p999_ms", true);
        q.max_ms = number(*o, p, "max_ms", true);
        q.mean_ms = number(*o, p, "mean_ms", true);
        return q;
    }

    /// sketch_json()'s form: count, sum_ns, min_ns, max_ns, buckets [[index, n], ...]; absent = empty.
    LatencySketch sketch(const json& j, const std::string& path, const char* key) {
        LatencySketch sk;
        const json* o = member(j, path, key, false);
        if (!o) return sk;
        const std::string p = detail::join(path, key);
        const auto errors_before = c.errors.size();
        const std::uint64_t n = count(*o, p, "count", true);
        const double sum = number(*o, p, "sum_ns", true);
        const std::uint64_t lo = c.integer(*o, p, "min_ns", true, 0, ~std::uint64_t{0}).value_or(0);
        const std::uint64_t hi = c.integer(*o, p, "max_ns", true, 0, ~std::uint64_t{0}).value_or(0);
        std::vector<std::pair<std::uint32_t, std::uint64_t>> pairs;
        std::uint64_t total = 0;
        if (const json* b = member(*o, p, "buckets", true, true)) {
            for (std::size_t i = 0; i < b->size(); ++i) {
                const json& e = (*b)[i];
                const std::string ep = at(p + ".buckets", i);
                if (!e.is_array() || e.size() != 2 || !e[0].is_number_unsigned() ||
                    !e[1].is_number_integer()) {
                    c.fail(ep, "must be a pair [bucket index, count] of non-negative integers");
                    continue;
                }
                const auto index = e[0].get<std::uint64_t>();
                if (index >= LatencySketch::kBuckets) {
                    c.fail(ep, "bucket index " + std::to_string(index) + " is not below " +
                                   std::to_string(LatencySketch::kBuckets));
                    continue;
                }
                if (!e[1].is_number_unsigned() || e[1].get<std::uint64_t>() > kMaxCount) {
                    c.fail(ep, "count must be an integer from 0 to 1e15, got " + e[1].dump());
                    continue;
                }
                pairs.emplace_back(std::uint32_t(index), e[1].get<std::uint64_t>());
                total += pairs.back().second;
            }
        }
        if (c.errors.size() != errors_before) return sk;
        if (total != n) {
            c.fail(p + ".count",
                   "is " + std::to_string(n) + " but the buckets hold " + std::to_string(total) + " values");
            return sk;
        }
        if (n > 0 && lo > hi) {
            c.fail(p + ".min_ns", "is above max_ns");
            return sk;
        }
        sk.from_sparse(pairs, sum, lo, hi);
        return sk;
    }

    std::map<int, std::uint64_t> statuses(const json& j, const std::string& path) {
        std::map<int, std::uint64_t> m;
        const json* o = member(j, path, "by_status", false);
        if (!o) return m;
        for (const auto& [k, v] : o->items()) {
            const std::string key = k;
            const std::string field = detail::join(path, "by_status") + "." + key;
            int code = 0;
            bool digits = !key.empty() && key.size() <= 3;
            for (char ch : key)
                digits = digits && ch >= '0' && ch <= '9';
            if (digits) code = std::stoi(key);
            if (!digits || code < 100 || code > 999) {
                c.fail(field, "must be an HTTP status code 100..999");
                continue;
            }
            if (!v.is_number_unsigned() || v.get<std::uint64_t>() > kMaxCount) {
                c.fail(field, "must be a count, got " + v.dump());
                continue;
            }
            m[code] = v.get<std::uint64_t>();
        }
        return m;
    }
};

}  // namespace

Parsed<Summary> summary_from_json(const json& j) {
    Reader r;
    Summary s;
    if (!j.is_object()) {
        r.c.fail("(document)", "must be a JSON object (a redline-load --out summary), got " + type_name(j));
        return detail::finish(r.c, std::move(s));
    }
    const std::string top;
    if (auto schema = r.c.integer(j, top, "schema", true, 0, ~std::uint64_t{0}); schema && *schema != 1)
        r.c.fail("schema", "is " + std::to_string(*schema) + "; this redline-load reads schema 1 summaries");
    s.run_id = r.string(j, top, "run_id");
    s.scenario = r.string(j, top, "scenario", true);
    s.target = r.string(j, top, "target");
    s.executor = r.string(j, top, "executor", true);
    if (auto v = r.c.integer(j, top, "started_ms", false, 0, std::uint64_t(1) << 62))
        s.started_ms = std::int64_t(*v);
    s.duration_s = r.number(j, top, "duration_s", true);
    s.planned_s = r.number(j, top, "planned_s");
    if (auto o =
            r.c.choice(j, top, "outcome", {"passed", "thresholds_failed", "aborted", "stopped", "error"}))
        s.outcome = RunOutcome(*o);
    s.reason = r.string(j, top, "reason");
    s.error = r.string(j, top, "error");
    s.sent = r.count(j, top, "sent");
    s.completed = r.count(j, top, "completed", true);
    s.errors = r.count(j, top, "errors", true);
    s.transport_errors = r.count(j, top, "transport_errors");
    s.rate_limited = r.count(j, top, "rate_limited");
    s.error_ratio = r.c.number(j, top, "error_ratio", false, 0, 1).value_or(0);
    s.achieved_rate = r.number(j, top, "achieved_rate", true);
    s.by_status = r.statuses(j, top);
    if (const json* t = r.member(j, top, "transport_by_kind", false))
        for (const auto& [k, v] : t->items()) {
            if (!v.is_number_unsigned()) {
                r.c.fail("transport_by_kind." + k, "must be a count, got " + v.dump());
                continue;
            }
            s.transport_by_kind[k] = v.get<std::uint64_t>();
        }
    s.bytes_sent = r.count(j, top, "bytes_sent");
    s.bytes_received = r.count(j, top, "bytes_received");
    s.late = r.count(j, top, "late");
    s.unsent = r.count(j, top, "unsent");
    s.latency = r.quantiles(j, top, "latency", true);
    s.latency_uncorrected = r.quantiles(j, top, "latency_uncorrected", false);
    s.lateness = r.quantiles(j, top, "lateness", false);
    s.latency_sketch = r.sketch(j, top, "latency_sketch");

    if (const json* a = r.member(j, top, "requests", true)) {
        for (std::size_t i = 0; i < a->size(); ++i) {
            const json& e = (*a)[i];
            const std::string p = at("requests", i);
            if (!e.is_object()) {
                r.c.fail(p, "must be an object, got " + type_name(e));
                continue;
            }
            RequestSummary q;
            q.name = r.string(e, p, "name", true);
            q.method = r.string(e, p, "method");
            q.completed = r.count(e, p, "completed", true);
            q.errors = r.count(e, p, "errors", true);
            q.transport_errors = r.count(e, p, "transport_errors");
            q.rate_limited = r.count(e, p, "rate_limited");
            q.rate_per_s = r.number(e, p, "rate_per_s");
            q.error_ratio = r.c.number(e, p, "error_ratio", false, 0, 1).value_or(0);
            q.by_status = r.statuses(e, p);
            q.latency = r.quantiles(e, p, "latency", true);
            q.latency_uncorrected = r.quantiles(e, p, "latency_uncorrected", false);
            q.latency_sketch = r.sketch(e, p, "latency_sketch");
            s.requests.push_back(std::move(q));
        }
    }
    if (const json* a = r.member(j, top, "checks", true)) {
        for (std::size_t i = 0; i < a->size(); ++i) {
            const json& e = (*a)[i];
            const std::string p = at("checks", i);
            if (!e.is_object()) {
                r.c.fail(p, "must be an object, got " + type_name(e));
                continue;
            }
            CheckSummary k;
            k.request = r.string(e, p, "request", true);
            k.name = r.string(e, p, "name", true);
            k.passes = r.count(e, p, "passes", true);
            k.fails = r.count(e, p, "fails", true);
            s.checks.push_back(std::move(k));
        }
    }
    s.checks_passed = r.count(j, top, "checks_passed");
    s.checks_failed = r.count(j, top, "checks_failed");
    s.checks_rate = r.c.number(j, top, "checks_rate", false, 0, 1).value_or(0);
    if (const json* a = r.member(j, top, "thresholds", true)) {
        for (std::size_t i = 0; i < a->size(); ++i) {
            const json& e = (*a)[i];
            const std::string p = at("thresholds", i);
            if (!e.is_object()) {
                r.c.fail(p, "must be an object, got " + type_name(e));
                continue;
            }
            ThresholdResult t;
            t.threshold.expr = r.string(e, p, "expr", true);
            std::string why;
            if (auto parsed = parse_threshold_expr(t.threshold.expr, &why)) t.threshold = *parsed;
            if (auto src = r.c.choice(e, p, "source", {"client", "agent"}))
                t.threshold.source = *src == 0 ? ThresholdSource::Client : ThresholdSource::Agent;
            t.threshold.request = r.string(e, p, "request");
            t.threshold.route = r.string(e, p, "route");
            t.threshold.version = r.string(e, p, "version");
            t.threshold.abort_on_fail = r.c.boolean(e, p, "abort_on_fail").value_or(false);
            if (const auto it = e.find("observed"); it != e.end() && !it->is_number())
                r.c.fail(p + ".observed", "must be a number, got " + type_name(*it));
            else if (it != e.end())
                t.observed = it->get<double>();
            t.evaluated = r.c.boolean(e, p, "evaluated").value_or(true);
            const auto passed = r.c.boolean(e, p, "passed");
            if (!passed && !e.contains("passed")) r.c.fail(p + ".passed", "is required");
            t.passed = passed.value_or(false);
            t.aborted_run = r.c.boolean(e, p, "aborted_run").value_or(false);
            t.note = r.string(e, p, "note");
            s.thresholds.push_back(std::move(t));
        }
    }
    return detail::finish(r.c, std::move(s));
}

Parsed<Summary> parse_summary(std::string_view text) {
    auto j = parse_json_strict(text);
    if (!j.ok()) return Parsed<Summary>{j.errors()};
    return summary_from_json(j.value());
}

}  // namespace redline::load
