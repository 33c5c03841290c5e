#include "agents/sample_server/api.h"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cstdio>
#include <nlohmann/json.hpp>

#include "agents/sample_server/product_json.h"
#include "core/clock.h"
#include "core/json_strict.h"
#include "core/problem.h"
#include "core/url.h"

namespace redline::sample {

namespace {

using Clock = std::chrono::steady_clock;
using boost::beast::http::verb;

constexpr const char* kJson = "application/json";
constexpr const char* kProblemJson = "application/problem+json";

std::optional<std::int64_t> parse_id(std::string_view s) {
    std::int64_t v = 0;
    if (s.empty() || s.size() > 18) return std::nullopt;
    auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    if (ec != std::errc() || p != s.data() + s.size() || v < 1) return std::nullopt;
    return v;
}

/// Calls fn(name, raw value) for each "name=value" pair; returns false if fn does.
template <class Fn>
bool for_each_param(std::string_view query, Fn&& fn) {
    while (!query.empty()) {
        const auto amp = query.find('&');
        const std::string_view pair = query.substr(0, amp);
        query = amp == std::string_view::npos ? std::string_view() : query.substr(amp + 1);
        if (pair.empty()) continue;
        const auto eq = pair.find('=');
        if (!fn(pair.substr(0, eq), eq == std::string_view::npos ? std::string_view() : pair.substr(eq + 1)))
            return false;
    }
    return true;
}

std::string encode_page_token(std::int64_t after_id) {
    static constexpr char kHex[] = "0123456789abcdef";
    const std::string plain = "after:" + std::to_string(after_id);
    std::string out;
    for (const unsigned char c : plain) {
        out.push_back(kHex[c >> 4]);
        out.push_back(kHex[c & 15]);
    }
    return out;
}

std::optional<std::int64_t> decode_page_token(std::string_view token) {
    if (token.size() % 2 != 0 || token.size() > 64) return std::nullopt;
    std::string plain;
    for (std::size_t i = 0; i < token.size(); i += 2) {
        const int hi = hex_value(token[i]), lo = hex_value(token[i + 1]);
        if (hi < 0 || lo < 0) return std::nullopt;
        plain.push_back(static_cast<char>(hi * 16 + lo));
    }
    if (plain.rfind("after:", 0) != 0) return std::nullopt;
    return parse_id(std::string_view(plain).substr(6));
}

void problem_with_errors(HttpResponse& res, int status, std::string_view detail,
                         std::vector<FieldError> errors) {
    Problem p = Problem::make(status, std::string(reason_phrase(status)), std::string(detail));
    p.errors = std::move(errors);
    res.status = status;
    res.content_type = kProblemJson;
    res.shared_body.reset();
    res.body = p.to_json_string();
}

std::string fnv_hex(std::string_view s) {
    std::uint64_t h = 0xcbf29ce484222325ULL;
    for (const char c : s) {
        h ^= static_cast<unsigned char>(c);
        h *= 0x100000001b3ULL;
    }
    char buf[20];
    std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(h));
    return buf;
}

void append_int(std::string& out, std::int64_t v) {
    char buf[24];
    auto [p, ec] = std::to_chars(buf, buf + sizeof buf, v);
    out.append(buf, static_cast<std::size_t>(p - buf));
}

}  // namespace

const std::array<std::string, kRouteCount>& route_ids() {
    static const std::array<std::string, kRouteCount> ids = {"GET /v1/products", "GET /v1/products/{id}",
                                                             "GET /v1/products/search", "POST /v1/orders",
                                                             "GET /v1/orders/{id}"};
    return ids;
}

Api::Api(agent::Agent* agent, ResponseCache& cache, RateLimiter& limiter, CanaryRouter& router, Limits limits)
    : agent_(agent), cache_(cache), limiter_(limiter), router_(router), limits_(limits) {
    if (!agent_) return;
    for (std::size_t r = 0; r < kRouteCount; ++r) {
        const std::string& id = route_ids()[r];
        const auto sp = id.find(' ');
        series_[r][0] = agent_->register_series(id.substr(0, sp), id.substr(sp + 1), "stable");
        series_[r][1] = agent_->register_series(id.substr(0, sp), id.substr(sp + 1), "canary");
    }
}

void Api::set_ready(std::string catalog_path) {
    catalog_path_ = std::move(catalog_path);
    ready_.store(true, std::memory_order_release);
}

void Api::problem(HttpResponse& res, int status, std::string_view detail) {
    problem_with_errors(res, status, detail, {});
}

void Api::handle(HttpRequest& req, HttpResponse& res, ThreadState& ts) {
    res.start = Clock::now();
    const std::string_view target = req.target;
    const auto qpos = target.find('?');
    const std::string_view path = target.substr(0, qpos);
    const std::string_view query =
        qpos == std::string_view::npos ? std::string_view() : target.substr(qpos + 1);

    // ---- routing ----
    Route route;
    std::string_view param;
    const char* allow = "GET";
    if (path == "/healthz" || path == "/readyz") {
        if (req.method != verb::get && req.method != verb::head) {
            res.add_header("Allow", "GET, HEAD");
            return problem(res, 405, "use GET");
        }
        if (path == "/healthz") {
            res.body = R"({"status":"ok"})";
        } else if (ready()) {
            res.body = R"({"status":"ready"})";
        } else {
            res.add_header("Retry-After", "1");
            problem(res, 503, "the catalog is still being opened and seeded");
        }
        return;
    }
    if (path == "/v1/products") {
        route = Route::ListProducts;
    } else if (path == "/v1/products/search") {
        route = Route::SearchProducts;
    } else if (path.rfind("/v1/products/", 0) == 0 && path.size() > 13 &&
               path.find('/', 13) == std::string_view::npos) {
        route = Route::GetProduct;
        param = path.substr(13);
    } else if (path == "/v1/orders") {
        route = Route::CreateOrder;
        allow = "POST";
    } else if (path.rfind("/v1/orders/", 0) == 0 && path.size() > 11 &&
               path.find('/', 11) == std::string_view::npos) {
        route = Route::GetOrder;
        param = path.substr(11);
    } else {
        return problem(res, 404, "no such resource");
    }
    const verb expected = route == Route::CreateOrder ? verb::post : verb::get;
    if (req.method != expected) {
        res.add_header("Allow", allow);
        return problem(res, 405, std::string("this resource supports ") + allow);
    }

    const std::string_view client_key = req.api_key.empty() ? std::string_view(req.remote_ip) : req.api_key;
    const CanaryRouter::State& canary = router_.state(ts.canary);
    const bool is_canary = route != Route::CreateOrder && route != Route::GetOrder &&
                           CanaryRouter::is_canary(canary, client_key);
    res.series = series_[static_cast<std::size_t>(route)][is_canary ? 1 : 0];
    res.add_header("X-Redline-Version", is_canary ? "canary" : "stable");
    res.add_header("X-Redline-Canary-Weight", canary.weight_text);

    // ---- overload: more than max_inflight requests at once ----
    res.counted = true;
    if (inflight_.fetch_add(1, std::memory_order_relaxed) >=
        static_cast<std::int64_t>(limits_.max_inflight)) {
        res.add_header("Retry-After", "1");
        return problem(res, 503, "the server is overloaded; retry later");
    }
    if (agent_ && record_.load(std::memory_order_relaxed)) {
        agent_->request_started(res.series);
        res.started = true;
    }

    // ---- rate limit ----
    if (!admit_rate(route, client_key, res, ts, res.start)) return;
    if (!ready()) {
        res.add_header("Retry-After", "1");
        return problem(res, 503, "the catalog is still being opened and seeded");
    }

    // ---- canary fault injection ----
    if (is_canary) {
        const CanaryFaults& f = canary.config.faults;
        if (f.latency_ms > 0 || f.latency_jitter_ms > 0) {
            double ms = f.latency_ms;
            if (f.latency_jitter_ms > 0)
                ms += std::uniform_real_distribution<double>(0, f.latency_jitter_ms)(ts.rng);
            res.delay = std::chrono::nanoseconds(static_cast<std::int64_t>(ms * 1e6));
        }
        if (f.error_ratio > 0 && std::uniform_real_distribution<double>(0, 1)(ts.rng) < f.error_ratio)
            return problem(res, 500, "injected canary fault");
    }

    switch (route) {
        case Route::GetProduct:
            return get_product(param, is_canary, res, ts);
        case Route::ListProducts:
            return list_products(query, is_canary, res, ts);
        case Route::SearchProducts:
            return search_products(query, is_canary, res, ts);
        case Route::CreateOrder:
            return create_order(req, client_key, res, ts);
        case Route::GetOrder:
            return get_order(param, res, ts);
        case Route::Count:
            break;
    }
}

void Api::complete(HttpResponse& res) noexcept {
    if (!res.counted) return;
    res.counted = false;
    if (agent_ && record_.load(std::memory_order_relaxed))
        agent_->record(res.series, res.status, Clock::now() - res.start, res.cache);
    // An overload rejection never called request_started, so it has no agent in-flight slot to release.
    if (res.started) agent_->request_finished(res.series);
    res.started = false;
    inflight_.fetch_sub(1, std::memory_order_relaxed);
}

bool Api::admit_rate(Route r, std::string_view client_key, HttpResponse& res, ThreadState& ts,
                     Clock::time_point now) {
    const RateDecision d = limiter_.check(ts.limits, static_cast<std::size_t>(r), client_key, now);
    if (!d.limited) return true;
    if (agent_ && record_.load(std::memory_order_relaxed))
        agent_->record_rate_limit(res.series, !d.admit            ? agent::RateLimitOutcome::Rejected
                                              : d.shadow_rejected ? agent::RateLimitOutcome::ShadowRejected
                                                                  : agent::RateLimitOutcome::Allowed);
    append_rate_limit_headers(d, res.headers);
    if (d.admit) return true;
    problem(res, 429, "rate limit exceeded for this client; retry after the indicated time");
    return false;
}

CatalogConnection* Api::catalog(ThreadState& ts, HttpResponse& res) {
    if (!ts.catalog) {
        try {
            ts.catalog = std::make_unique<CatalogConnection>(catalog_path_);
        } catch (const std::exception& e) {
            problem(res, 503, std::string("catalog unavailable: ") + e.what());
            return nullptr;
        }
    }
    return ts.catalog.get();
}

bool Api::serve_cached(const std::string& key, HttpResponse& res) {
    if (auto body = cache_.get(key, res.start)) {
        res.cache = agent::CacheOutcome::Hit;
        res.add_header("X-Cache", "HIT");
        res.shared_body = std::move(body);
        return true;
    }
    res.cache = agent::CacheOutcome::Miss;
    res.add_header("X-Cache", "MISS");
    return false;
}

void Api::get_product(std::string_view id_text, bool canary, HttpResponse& res, ThreadState& ts) {
    const auto id = parse_id(id_text);
    if (!id)
        return problem_with_errors(res, 400, "the product id must be a positive integer",
                                   {{"id", "must be a positive integer"}});
    const bool use_cache = cache_.enabled();
    std::string& key = ts.key;
    if (use_cache) {
        key.assign(canary ? "pc" : "ps");
        append_int(key, *id);
        if (serve_cached(key, res)) return;
    }
    CatalogConnection* db = catalog(ts, res);
    if (!db) return;
    Product p;
    const bool found = canary ? db->product_canary(*id, p) : db->product(*id, p);
    if (!found) return problem(res, 404, "product " + std::to_string(*id) + " does not exist");
    auto body = std::make_shared<std::string>();
    if (canary) {
        *body = product_json_canary(p);
    } else {
        body->reserve(320);
        append_product_json(*body, p);
    }
    if (use_cache) cache_.put(key, body, res.start);
    res.shared_body = std::move(body);
}

void Api::list_products(std::string_view query, bool canary, HttpResponse& res, ThreadState& ts) {
    std::int64_t page_size = 50, after = 0;
    std::string category, token, value;
    std::vector<FieldError> errors;
    for_each_param(query, [&](std::string_view name, std::string_view raw) {
        if (!url_decode(raw, value)) {
            errors.push_back({std::string(name), "invalid percent-encoding"});
            return true;
        }
        if (name == "page_size") {
            const auto n = parse_id(value);
            if (!n)
                errors.push_back({"page_size", "must be a positive integer"});
            else
                page_size = std::min<std::int64_t>(*n, static_cast<std::int64_t>(limits_.max_page_size));
        } else if (name == "page_token") {
            token = value;
            if (const auto a = decode_page_token(value))
                after = *a;
            else if (!value.empty())
                errors.push_back({"page_token", "is not a token returned by this API"});
        } else if (name == "category") {
            const auto& cats = catalog_categories();
            if (std::find(cats.begin(), cats.end(), value) == cats.end())
                errors.push_back({"category", "unknown category"});
            category = value;
        } else {
            errors.push_back({std::string(name), "unknown query parameter"});
        }
        return true;
    });
    if (!errors.empty()) return problem_with_errors(res, 400, "invalid query parameters", std::move(errors));

    const bool use_cache = cache_.enabled();
    std::string& key = ts.key;
    if (use_cache) {
        key.assign(canary ? "lc" : "ls");
        append_int(key, page_size);
        key.push_back(':');
        append_int(key, after);
        key.push_back(':');
        key.append(category);
        if (serve_cached(key, res)) return;
    }
    CatalogConnection* db = catalog(ts, res);
    if (!db) return;
    // One row more than the page tells whether another page exists.
    auto rows = db->list(after, category, static_cast<int>(page_size + 1));
    std::string next;
    if (static_cast<std::int64_t>(rows.size()) > page_size) {
        rows.resize(static_cast<std::size_t>(page_size));
        next = encode_page_token(rows.back().id);
    }
    auto body = std::make_shared<const std::string>(product_page_json(rows, next, canary));
    if (use_cache) cache_.put(key, body, res.start);
    res.shared_body = std::move(body);
}

void Api::search_products(std::string_view query, bool canary, HttpResponse& res, ThreadState& ts) {
    std::string q, value;
    bool has_q = false;
    std::int64_t page_size = 20;
    std::vector<FieldError> errors;
    for_each_param(query, [&](std::string_view name, std::string_view raw) {
        if (!url_decode(raw, value)) {
            errors.push_back({std::string(name), "invalid percent-encoding"});
        } else if (name == "q") {
            q = value;
            has_q = true;
        } else if (name == "page_size") {
            const auto n = parse_id(value);
            if (!n)
                errors.push_back({"page_size", "must be a positive integer"});
            else
                page_size = std::min<std::int64_t>(*n, 100);
        } else {
            errors.push_back({std::string(name), "unknown query parameter"});
        }
        return true;
    });
    // FTS5 expression: every alphanumeric word of q, quoted (implicit AND); operators are never interpreted.
    std::string match;
    std::size_t words = 0;
    for (std::size_t i = 0; i < q.size();) {
        while (i < q.size() && !std::isalnum(static_cast<unsigned char>(q[i])))
            ++i;
        const std::size_t start = i;
        while (i < q.size() && std::isalnum(static_cast<unsigned char>(q[i])))
            ++i;
        if (i > start) {
            if (words++) match.push_back(' ');
            match.push_back('"');
            match.append(q, start, i - start);
            match.push_back('"');
        }
    }
    if (!has_q)
        errors.push_back({"q", "is required"});
    else if (q.size() > 200)
        errors.push_back({"q", "must be at most 200 characters"});
    else if (words == 0)
        errors.push_back({"q", "must contain at least one letter or digit"});
    if (!errors.empty()) return problem_with_errors(res, 400, "invalid query parameters", std::move(errors));

    const bool use_cache = cache_.enabled();
    std::string& key = ts.key;
    if (use_cache) {
        key.assign(canary ? "sc" : "ss");
        append_int(key, page_size);
        key.push_back(':');
        key.append(match);
        if (serve_cached(key, res)) return;
    }
    CatalogConnection* db = catalog(ts, res);
    if (!db) return;
    std::vector<Product> rows;
    try {
        rows = db->search(match, static_cast<int>(page_size));
    } catch (const std::exception& e) {
        return problem(res, 400, std::string("search failed: ") + e.what());
    }
    auto body = std::make_shared<const std::string>(product_page_json(rows, {}, canary));
    if (use_cache) cache_.put(key, body, res.start);
    res.shared_body = std::move(body);
}

void Api::create_order(const HttpRequest& req, std::string_view client_key, HttpResponse& res,
                       ThreadState& ts) {
    if (!is_json_media_type(req.content_type)) return problem(res, 415, "send the order as application/json");
    if (req.has_idempotency_key) {
        const auto& k = req.idempotency_key;
        const bool printable = std::all_of(k.begin(), k.end(), [](char c) { return c > 0x20 && c < 0x7f; });
        if (k.empty() || k.size() > 255 || !printable)
            return problem_with_errors(res, 400, "invalid Idempotency-Key header",
                                       {{"Idempotency-Key", "must be 1-255 visible ASCII characters"}});
    }
    auto strict = parse_json_strict(req.body);
    if (!strict.ok()) return problem_with_errors(res, 400, "the body is not strict JSON", strict.errors());
    const nlohmann::json& doc = strict.value();
    std::vector<FieldError> errors;
    OrderRequest order;
    if (!doc.is_object()) {
        errors.push_back({"", "must be a JSON object"});
    } else {
        for (const auto& [name, value] : doc.items()) {
            if (name == "items") {
                if (!value.is_array() || value.empty() || value.size() > 50) {
                    errors.push_back({"items", "must be an array of 1-50 order lines"});
                    continue;
                }
                for (std::size_t i = 0; i < value.size(); ++i) {
                    const auto& line = value[i];
                    const std::string at = "items[" + std::to_string(i) + "]";
                    if (!line.is_object()) {
                        errors.push_back({at, "must be an object"});
                        continue;
                    }
                    OrderLine ol;
                    for (const auto& [f, v] : line.items()) {
                        if (f == "product_id" && v.is_number_integer() && v.get<std::int64_t>() >= 1)
                            ol.product_id = v.get<std::int64_t>();
                        else if (f == "quantity" && v.is_number_integer() && v.get<std::int64_t>() >= 1 &&
                                 v.get<std::int64_t>() <= 1000)
                            ol.quantity = v.get<std::int64_t>();
                        else if (f == "product_id")
                            errors.push_back({at + ".product_id", "must be a positive integer"});
                        else if (f == "quantity")
                            errors.push_back({at + ".quantity", "must be an integer 1-1000"});
                        else
                            errors.push_back({at + "." + f, "unknown field"});
                    }
                    if (!line.contains("product_id")) errors.push_back({at + ".product_id", "is required"});
                    if (!line.contains("quantity")) errors.push_back({at + ".quantity", "is required"});
                    order.items.push_back(ol);
                }
            } else if (name == "customer") {
                if (!value.is_string() || value.get<std::string>().size() > 100)
                    errors.push_back({"customer", "must be a string of at most 100 characters"});
                else
                    order.customer = value.get<std::string>();
            } else {
                errors.push_back({name, "unknown field"});
            }
        }
        if (!doc.contains("items")) errors.push_back({"items", "is required"});
    }
    if (!errors.empty()) return problem_with_errors(res, 400, "invalid order", std::move(errors));

    CatalogConnection* db = catalog(ts, res);
    if (!db) return;
    std::string scope;
    if (req.has_idempotency_key) {
        scope.assign(client_key);
        scope.push_back('\n');
        scope.append(req.idempotency_key);
    }
    OrderResult r = db->create_order(order, scope, fnv_hex(doc.dump()), unix_ms());
    switch (r.kind) {
        case OrderResult::Kind::Replayed:
            res.add_header("Idempotent-Replayed", "true");
            [[fallthrough]];
        case OrderResult::Kind::Created:
            res.status = 201;
            res.add_header("Location", "/v1/orders/" + std::to_string(r.order_id));
            res.body = std::move(r.body);
            return;
        case OrderResult::Kind::KeyReused:
        case OrderResult::Kind::UnknownProduct:
            return problem(res, 422, r.detail);
        case OrderResult::Kind::Failed:
            res.add_header("Retry-After", "1");
            return problem(res, 503, r.detail);
    }
}

void Api::get_order(std::string_view id_text, HttpResponse& res, ThreadState& ts) {
    const auto id = parse_id(id_text);
    if (!id)
        return problem_with_errors(res, 400, "the order id must be a positive integer",
                                   {{"id", "must be a positive integer"}});
    CatalogConnection* db = catalog(ts, res);
    if (!db) return;
    auto body = db->order(*id);
    if (!body) return problem(res, 404, "order " + std::to_string(*id) + " does not exist");
    res.body = std::move(*body);
}

}  // namespace redline::sample
