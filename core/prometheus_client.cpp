#include "core/prometheus_client.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <limits>
#include <nlohmann/json.hpp>

#include "core/curl_util.h"

namespace redline {

namespace {

constexpr std::size_t kMaxBody = 256u * 1024 * 1024;  // a big fleet's matrix; beyond it the query is refused

// "1700000000.25" -> 1700000000250 (rounded to the ms).
std::optional<std::int64_t> parse_time(const nlohmann::json& t) {
    std::optional<double> s;
    if (t.is_number())
        s = t.get<double>();
    else if (t.is_string())
        s = PrometheusClient::parse_value(t.get<std::string>());
    // Seconds since the epoch; beyond +-9e12 s (285,000 years) the ms would not fit an int64 safely.
    if (!s || !std::isfinite(*s) || std::abs(*s) > 9e12) return std::nullopt;
    return static_cast<std::int64_t>(std::llround(*s * 1000.0));
}

// One [time, "value"] pair; false when malformed.
bool parse_point(const nlohmann::json& p, std::pair<std::int64_t, double>& out) {
    if (!p.is_array() || p.size() != 2 || !p[1].is_string()) return false;
    const auto t = parse_time(p[0]);
    const auto v = PrometheusClient::parse_value(p[1].get<std::string>());
    if (!t || !v) return false;
    out = {*t, *v};
    return true;
}

// One [time, {"count": "...", "sum": "...", "buckets": [[rule, "lower", "upper", "count"], ...]}].
bool parse_histogram(const nlohmann::json& p, std::pair<std::int64_t, PromHistogram>& out) {
    if (!p.is_array() || p.size() != 2 || !p[1].is_object()) return false;
    const auto t = parse_time(p[0]);
    if (!t) return false;
    const nlohmann::json& h = p[1];
    auto num = [&](const nlohmann::json& v) -> std::optional<double> {
        if (!v.is_string()) return std::nullopt;
        return PrometheusClient::parse_value(v.get<std::string>());
    };
    PromHistogram out_h;
    auto c = h.find("count");
    auto sm = h.find("sum");
    if (c == h.end() || sm == h.end()) return false;
    const auto cv = num(*c), sv = num(*sm);
    if (!cv || !sv) return false;
    out_h.count = *cv;
    out_h.sum = *sv;
    if (auto b = h.find("buckets"); b != h.end()) {
        if (!b->is_array()) return false;
        out_h.buckets.reserve(b->size());
        for (const auto& x : *b) {
            if (!x.is_array() || x.size() != 4 || !x[0].is_number_integer()) return false;
            const auto lo = num(x[1]), hi = num(x[2]), n = num(x[3]);
            const auto rule = x[0].get<std::int64_t>();
            if (!lo || !hi || !n || rule < 0 || rule > 3 || !(*lo <= *hi)) return false;
            out_h.buckets.push_back({static_cast<int>(rule), *lo, *hi, *n});
        }
    }
    out = {*t, std::move(out_h)};
    return true;
}

PromLabels parse_labels(const nlohmann::json& m) {
    PromLabels out;
    if (!m.is_object()) return out;
    for (auto it = m.begin(); it != m.end(); ++it)
        if (it->is_string()) out[it.key()] = it->get<std::string>();
    return out;
}

// A string member, or `fallback` when absent or not a string (never throws: the body may be anyone's JSON,
// e.g. a problem+json whose "status" is a number).
std::string str(const nlohmann::json& j, const char* key, const std::string& fallback = {}) {
    auto it = j.find(key);
    return it != j.end() && it->is_string() ? it->get<std::string>() : fallback;
}

std::string one_line(std::string s) {
    for (char& c : s)
        if (c == '\n' || c == '\r' || c == '\t') c = ' ';
    if (s.size() > 500) s = s.substr(0, 497) + "...";
    return s;
}

}  // namespace

std::optional<double> PrometheusClient::parse_value(std::string_view s) {
    if (s == "NaN") return std::numeric_limits<double>::quiet_NaN();
    if (s == "+Inf" || s == "Inf") return std::numeric_limits<double>::infinity();
    if (s == "-Inf") return -std::numeric_limits<double>::infinity();
    if (s.empty() || s.size() > 64) return std::nullopt;
    double v = 0;
    const char* end = s.data() + s.size();
    const auto [ptr, ec] = std::from_chars(s.data(), end, v);
    if (ec != std::errc() || ptr != end) return std::nullopt;
    return v;
}

std::string prom_time(std::int64_t ms) {
    const bool neg = ms < 0;
    const std::uint64_t a = neg ? 0 - static_cast<std::uint64_t>(ms) : static_cast<std::uint64_t>(ms);
    char frac[4];
    std::snprintf(frac, sizeof frac, "%03u", static_cast<unsigned>(a % 1000));
    return (neg ? "-" : "") + std::to_string(a / 1000) + "." + frac;
}

PromResult<std::vector<PromSeries>> PrometheusClient::parse_answer(long http_status, std::string_view body) {
    PromResult<std::vector<PromSeries>> r;
    r.http_status = http_status;
    nlohmann::json j = nlohmann::json::parse(body, nullptr, false);
    if (j.is_discarded() || !j.is_object()) {
        r.error_type = "protocol";
        r.error = http_status >= 200 && http_status < 300
                      ? "the answer is not Prometheus API JSON"
                      : "HTTP " + std::to_string(http_status) + ": " +
                            one_line(std::string(body.substr(0, std::min<std::size_t>(body.size(), 200))));
        return r;
    }
    if (auto w = j.find("warnings"); w != j.end() && w->is_array())
        for (const auto& x : *w)
            if (x.is_string()) r.warnings.push_back(one_line(x.get<std::string>()));
    const std::string status = str(j, "status");
    if (status != "success") {
        r.error_type = str(j, "errorType", status.empty() ? "protocol" : "error");
        std::string text = str(j, "error");
        if (text.empty()) text = str(j, "detail", str(j, "title"));  // someone else's problem+json
        r.error = r.error_type + ": " + one_line(text.empty() ? "no error text" : text);
        if (http_status && (http_status < 200 || http_status > 299))
            r.error = "HTTP " + std::to_string(http_status) + ", " + r.error;
        return r;
    }
    const auto data = j.find("data");
    if (data == j.end() || !data->is_object()) {
        r.error_type = "protocol";
        r.error = "the answer has no data";
        return r;
    }
    const std::string type = str(*data, "resultType");
    const auto result = data->find("result");
    std::vector<PromSeries> out;
    if (type == "scalar" && result != data->end()) {
        std::pair<std::int64_t, double> p;
        if (!parse_point(*result, p)) {
            r.error_type = "protocol";
            r.error = "malformed scalar";
            return r;
        }
        out.push_back(PromSeries{{}, {p}});
    } else if ((type == "matrix" || type == "vector") && result != data->end() && result->is_array()) {
        out.reserve(result->size());
        // Strict: a malformed series or point fails the whole answer (a half-read matrix would chart a lie).
        auto malformed = [&r] {
            r.error_type = "protocol";
            r.error = "malformed series in the answer";
            return r;
        };
        for (const auto& s : *result) {
            if (!s.is_object()) return malformed();
            PromSeries ps;
            if (auto m = s.find("metric"); m != s.end()) {
                if (!m->is_object()) return malformed();
                ps.labels = parse_labels(*m);
            }
            std::pair<std::int64_t, double> p;
            if (auto v = s.find("values"); v != s.end()) {
                if (!v->is_array()) return malformed();
                ps.points.reserve(v->size());
                for (const auto& x : *v) {
                    if (!parse_point(x, p)) return malformed();
                    ps.points.push_back(p);
                }
            } else if (auto v1 = s.find("value"); v1 != s.end()) {
                if (!parse_point(*v1, p)) return malformed();
                ps.points.push_back(p);
            }
            std::pair<std::int64_t, PromHistogram> hp;
            if (auto hs = s.find("histograms"); hs != s.end()) {
                if (!hs->is_array()) return malformed();
                ps.histograms.reserve(hs->size());
                for (const auto& x : *hs) {
                    if (!parse_histogram(x, hp)) return malformed();
                    ps.histograms.push_back(std::move(hp));
                }
            } else if (auto h1 = s.find("histogram"); h1 != s.end()) {
                if (!parse_histogram(*h1, hp)) return malformed();
                ps.histograms.push_back(std::move(hp));
            }
            out.push_back(std::move(ps));
        }
    } else {
        r.error_type = "protocol";
        r.error = "unexpected resultType '" + one_line(type) + "'";
        return r;
    }
    r.value = std::move(out);
    return r;
}

struct PrometheusClient::Impl {
    CURL* easy = nullptr;
    PromAuth auth;
    std::chrono::milliseconds timeout;
    char errbuf[CURL_ERROR_SIZE] = {};
};

void PrometheusClient::set_timeout(std::chrono::milliseconds timeout) {
    impl_->timeout = timeout;
}

PrometheusClient::PrometheusClient(std::string base_url, PromAuth auth, std::chrono::milliseconds timeout)
    : impl_(std::make_unique<Impl>()), base_url_(std::move(base_url)) {
    detail::ensure_curl_global();
    while (!base_url_.empty() && base_url_.back() == '/')
        base_url_.pop_back();
    impl_->easy = curl_easy_init();
    impl_->auth = std::move(auth);
    impl_->timeout = timeout;
}

PrometheusClient::~PrometheusClient() {
    if (impl_ && impl_->easy) curl_easy_cleanup(impl_->easy);
}

PromResult<std::vector<PromSeries>> PrometheusClient::post(std::string_view path, const std::string& form) {
    PromResult<std::vector<PromSeries>> r;
    CURL* h = impl_->easy;
    const std::string url = detail::join_url(base_url_, path);
    if (h == nullptr) {
        r.error_type = "transport";
        r.error = "curl_easy_init failed";
        return r;
    }
    detail::begin_request(h, url, impl_->timeout, impl_->errbuf);
    curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(form.size()));
    curl_easy_setopt(h, CURLOPT_POSTFIELDS, form.c_str());
    curl_easy_setopt(h, CURLOPT_ACCEPT_ENCODING, "");  // gzip when offered: a fleet matrix compresses ~10x
    const std::string userpwd = impl_->auth.user + ":" + impl_->auth.password;
    if (impl_->auth.bearer_token.empty() && !impl_->auth.user.empty()) {
        curl_easy_setopt(h, CURLOPT_HTTPAUTH, CURLAUTH_BASIC);
        curl_easy_setopt(h, CURLOPT_USERPWD, userpwd.c_str());
    }
    curl_slist* headers = detail::make_headers(
        impl_->auth.bearer_token,
        {"Accept: application/json", "Content-Type: application/x-www-form-urlencoded", "Expect:"});
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, headers);
    std::string body;
    detail::BodySink sink{&body, kMaxBody};
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, &detail::write_body);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, &sink);
    const CURLcode rc = curl_easy_perform(h);
    long status = 0;
    if (rc == CURLE_OK) curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, nullptr);
    curl_slist_free_all(headers);
    if (rc != CURLE_OK) {
        r.error_type = "transport";
        r.error = "cannot reach " + url + ": " +
                  (sink.overflow ? std::string("answer larger than 256 MiB")
                                 : detail::transport_message(rc, impl_->errbuf));
        spdlog::debug("POST {}: {}", url, r.error);
        return r;
    }
    if (status == 401 || status == 403) {
        r.http_status = status;
        r.error_type = "auth";
        r.error = url + ": HTTP " + std::to_string(status) +
                  (status == 401 ? " Unauthorized (check the token or user/password)" : " Forbidden");
        return r;
    }
    r = parse_answer(status, body);
    if (!r.ok()) r.error = url + ": " + r.error;
    return r;
}

namespace {
std::string form_escape(CURL* h, std::string_view v) {
    char* e = curl_easy_escape(h, v.data(), static_cast<int>(v.size()));
    std::string out = e ? e : "";
    curl_free(e);
    return out;
}
}  // namespace

PromResult<std::vector<PromSeries>> PrometheusClient::query(std::string_view promql, std::int64_t time_ms) {
    std::string form = "query=" + form_escape(impl_->easy, promql);
    if (time_ms > 0) form += "&time=" + prom_time(time_ms);
    return post("/api/v1/query", form);
}

PromResult<std::vector<PromSeries>> PrometheusClient::query_range(std::string_view promql,
                                                                  std::int64_t start_ms, std::int64_t end_ms,
                                                                  std::int64_t step_ms) {
    if (step_ms < 1 || end_ms < start_ms) {
        PromResult<std::vector<PromSeries>> r;
        r.error_type = "bad_data";
        r.error = "query_range needs start <= end and a step of at least 1 ms";
        return r;
    }
    const std::string form = "query=" + form_escape(impl_->easy, promql) + "&start=" + prom_time(start_ms) +
                             "&end=" + prom_time(end_ms) + "&step=" + prom_time(step_ms);
    return post("/api/v1/query_range", form);
}

}  // namespace redline
