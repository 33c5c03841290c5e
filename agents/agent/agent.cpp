#include "agents/agent/agent.h"

#include <prometheus/collectable.h>
#include <prometheus/text_serializer.h>
#include <spdlog/fmt/fmt.h>
#include <spdlog/spdlog.h>
#include <sys/resource.h>
#include <sys/stat.h>

#include <atomic>
#include <boost/asio/ip/address.hpp>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <set>

#include "agents/agent/admin_api.h"
#include "agents/agent/admin_server.h"
#include "agents/agent/control_store.h"
#include "agents/agent/error_reporter.h"
#include "agents/agent/event_log.h"
#include "agents/agent/metrics_collectable.h"
#include "agents/agent/metrics_protobuf.h"
#include "agents/agent/recorder.h"
#include "agents/agent/rollout_engine.h"
#include "agents/agent/tokens.h"

#ifndef REDLINE_VERSION
#define REDLINE_VERSION "0.0.0"
#endif

namespace redline::agent {
namespace fs = std::filesystem;

namespace {

struct ListenAddress {
    std::string host;  // numeric IP
    std::uint16_t port = 0;
};

ListenAddress parse_listen(const std::string& s) {
    ListenAddress a;
    std::string host, port;
    if (!s.empty() && s.front() == '[') {
        auto close = s.find(']');
        if (close == std::string::npos || close + 1 >= s.size() || s[close + 1] != ':')
            throw ConfigError("admin_listen '" + s + "' must be host:port or [v6]:port");
        host = s.substr(1, close - 1);
        port = s.substr(close + 2);
    } else {
        auto colon = s.rfind(':');
        if (colon == std::string::npos) throw ConfigError("admin_listen '" + s + "' must be host:port");
        host = s.substr(0, colon);
        port = s.substr(colon + 1);
    }
    if (host == "localhost") host = "127.0.0.1";
    boost::system::error_code ec;
    boost::asio::ip::make_address(host, ec);
    if (ec) throw ConfigError("admin_listen '" + s + "': '" + host + "' is not an IP address");
    if (port.empty() || port.size() > 5 || port.find_first_not_of("0123456789") != std::string::npos ||
        std::stoul(port) > 65535)
        throw ConfigError("admin_listen '" + s + "': bad port '" + port + "'");
    a.host = host;
    a.port = static_cast<std::uint16_t>(std::stoul(port));
    return a;
}

bool is_loopback(const std::string& host) {
    boost::system::error_code ec;
    auto addr = boost::asio::ip::make_address(host, ec);
    if (ec) return false;
    if (addr.is_v6() && addr.to_v6().is_v4_mapped())
        return boost::asio::ip::make_address_v4(boost::asio::ip::v4_mapped, addr.to_v6()).is_loopback();
    return addr.is_loopback();
}

std::string fmt_num(double v) {
    std::string s = fmt::format("{:.6g}", v);
    return s;
}

std::string describe_canary(const nlohmann::json& before, const nlohmann::json& after) {
    auto w = [](const nlohmann::json& j) { return j.is_object() ? j.value("weight_percent", 0.0) : 0.0; };
    std::string msg = "canary weight " + fmt_num(w(before)) + "% -> " + fmt_num(w(after)) + "%";
    if (before.is_object() && after.is_object() &&
        before.value("faults", nlohmann::json()) != after.value("faults", nlohmann::json()))
        msg += ", faults changed";
    return msg;
}

std::string describe_limits(const nlohmann::json& before, const nlohmann::json& after) {
    auto routes = [](const nlohmann::json& j) {
        return j.is_object() && j.contains("routes") && j["routes"].is_object() ? j["routes"]
                                                                                : nlohmann::json::object();
    };
    auto b = routes(before), a = routes(after);
    std::vector<std::string> changed;
    for (auto& [k, v] : a.items())
        if (!b.contains(k) || b[k] != v) changed.push_back(k);
    for (auto& [k, v] : b.items())
        if (!a.contains(k)) changed.push_back(k + " (removed)");
    if (changed.empty()) return "limits set (unchanged)";
    std::string msg = "limits changed: ";
    for (std::size_t i = 0; i < changed.size() && i < 5; ++i)
        msg += (i ? ", " : "") + changed[i];
    if (changed.size() > 5) msg += fmt::format(" and {} more", changed.size() - 5);
    return msg;
}

/// The admin server's budgets need descriptors: raise the soft RLIMIT_NOFILE to the hard limit when the soft
/// one is below `wanted` (a default soft limit of 1024 would otherwise make the pending budget unreachable).
/// With EMFILE anyway, the server evicts its oldest waiting connection (AdminServer::Core::do_accept).
void raise_open_files_limit(std::size_t wanted) {
    rlimit rl{};
    if (::getrlimit(RLIMIT_NOFILE, &rl) != 0 || rl.rlim_cur == RLIM_INFINITY || rl.rlim_cur >= wanted) return;
    if (rl.rlim_cur >= rl.rlim_max) {
        spdlog::warn("agent: open-files limit {} is below the {} the admin budgets may use (hard limit {})",
                     rl.rlim_cur, wanted, rl.rlim_max);
        return;
    }
    const rlim_t before = rl.rlim_cur;
    rl.rlim_cur = rl.rlim_max;
    if (::setrlimit(RLIMIT_NOFILE, &rl) == 0)
        spdlog::info("agent: raised the open-files soft limit from {} to {}", before, rl.rlim_cur);
    else
        spdlog::warn("agent: could not raise the open-files soft limit from {}", before);
}

}  // namespace

struct Agent::Impl {
    explicit Impl(AgentOptions o) : options(std::move(o)), errors(options.on_error) {}

    AgentOptions options;
    ErrorReporter errors;
    TokenStore tokens;
    Recorder recorder;
    // Upstream time per series (forwarding hosts only; empty otherwise). Attached to `recorder` at start():
    // closed with it, no clock of its own, read into every snapshot's "upstream" members.
    Recorder upstream;
    bool has_upstream = false;
    std::vector<std::pair<std::string, std::function<nlohmann::json()>>> info_extra;
    std::unique_ptr<EventLog> events;
    std::unique_ptr<ControlStore> controls;
    std::unique_ptr<RolloutEngine> rollout;
    std::vector<HostHandler> handlers;
    std::vector<std::function<void(const LimitsConfig&)>> limits_fns;
    std::vector<std::function<void(const CanaryConfig&)>> canary_fns;
    std::string agent_id;
    ListenAddress listen;
    bool has_admin = false;

    mutable std::mutex typed_mutex;  // guards limits, canary
    LimitsConfig limits;
    CanaryConfig canary;

    std::mutex life_mutex;  // guards started/stopped/server
    bool started = false;
    bool stopped = false;
    std::unique_ptr<AdminApi> api;
    std::unique_ptr<AdminServer> server;
    std::atomic<std::uint16_t> port{0};
    std::atomic<std::int64_t> started_ms{0};
    mutable std::mutex api_url_mu;  // guards api_url
    std::string api_url;            // the host's API base URL, empty until set_api_url()

    std::once_flag collectable_once;
    std::shared_ptr<MetricsCollectable> collectable;

    std::vector<std::string> route_ids() const {
        std::vector<std::string> out;
        std::set<std::string> seen;
        for (auto& s : recorder.series())
            if (seen.insert(s.id()).second) out.push_back(s.id());
        return out;
    }

    Snapshot snapshot(int window_s) const {
        Snapshot s = recorder.snapshot(window_s);
        s.agent_id = agent_id;
        s.service = options.service;
        s.service_version = options.service_version;
        s.time_ms = unix_ms();
        s.last_event_id = events->last_id();
        return s;
    }

    nlohmann::json info_json(Role caller) const {
        std::vector<std::string> versions;
        std::set<std::string> seen;
        for (auto& s : recorder.series())
            if (seen.insert(s.version).second) versions.push_back(s.version);
        nlohmann::json j{{"agent_id", agent_id},
                         {"service", options.service},
                         {"service_version", options.service_version},
                         {"agent_version", REDLINE_VERSION},
                         {"started_ms", started_ms.load()},
                         {"routes", route_ids()},
                         {"versions", versions},
                         {"controls", controls->names()},
                         {"role", std::string(to_string(caller))},
                         {"api_url", api_url_or_null()}};
        for (const auto& [key, fn] : info_extra)
            j[key] = fn();
        return j;
    }

    void add_upstream_families(std::vector<prometheus::MetricFamily>& families) const {
        if (has_upstream) families.push_back(upstream_duration_family(upstream));
    }

    nlohmann::json api_url_or_null() const {
        std::lock_guard lk(api_url_mu);
        return api_url.empty() ? nlohmann::json(nullptr) : nlohmann::json(api_url);
    }

    std::string metrics_text() {
        std::call_once(collectable_once,
                       [&] { collectable = make_metrics_collectable(recorder, options.service); });
        auto families = collectable->Collect();
        add_upstream_families(families);
        return prometheus::TextSerializer().Serialize(families);
    }

    std::string metrics_protobuf() {
        std::call_once(collectable_once,
                       [&] { collectable = make_metrics_collectable(recorder, options.service); });
        auto exposition = collectable->collect_exposition();
        if (has_upstream) {
            // The upstream time as a native histogram too, like the request duration.
            NativeFamily nf;
            nf.family = kUpstreamFamily;
            exposition.families.push_back(upstream_duration_family(upstream, &nf.histograms));
            exposition.more_native.push_back(std::move(nf));
        }
        return serialize_metrics_protobuf(exposition);
    }

    void load_agent_id() {
        std::string path = (fs::path(options.data_dir) / "agent-id").string();
        std::ifstream in(path);
        std::string line;
        if (in && std::getline(in, line)) {
            while (!line.empty() && (line.back() == '\r' || line.back() == ' '))
                line.pop_back();
            if (!line.empty()) {
                agent_id = line;
                return;
            }
        }
        agent_id = TokenStore::random_hex(16);
        std::string err;
        if (!ControlStore::write_atomic(path, agent_id + "\n", &err))
            throw ConfigError("cannot write " + path + ": " + err);
    }
};

Agent::Agent(AgentOptions options) : impl_(std::make_unique<Impl>(std::move(options))) {
    auto& o = impl_->options;
    if (o.data_dir.empty()) throw ConfigError("AgentOptions::data_dir is required");
    if (!o.admin_listen.empty()) {
        impl_->listen = parse_listen(o.admin_listen);
        impl_->has_admin = true;
        if (!o.require_auth && !is_loopback(impl_->listen.host))
            throw ConfigError("refusing to serve the admin API on non-loopback address " +
                              impl_->listen.host + " without authentication (require_auth = false)");
        if (!is_loopback(impl_->listen.host)) {
            // Beyond loopback /metrics needs the viewer token unless the host opened it explicitly.
            if (!o.metrics_open_beyond_loopback) o.metrics_require_auth = true;
            spdlog::warn(
                "agent: the admin API listens on {} (not loopback): reachable from other hosts; /metrics {}",
                impl_->listen.host,
                o.metrics_require_auth ? "requires the viewer token"
                                       : "is open (metrics_open_beyond_loopback)");
        }
    }
    if (o.max_connections == 0) throw ConfigError("max_connections must be at least 1");
    if (o.max_pending == 0) throw ConfigError("max_pending must be at least 1");
    if (o.header_timeout.count() <= 0) throw ConfigError("header_timeout must be positive");
    std::error_code ec;
    bool existed = fs::exists(o.data_dir, ec);
    fs::create_directories(o.data_dir, ec);
    if (ec || !fs::is_directory(o.data_dir, ec))
        throw ConfigError("cannot create data directory " + o.data_dir + (ec ? ": " + ec.message() : ""));
    if (!existed) ::chmod(o.data_dir.c_str(), 0700);
    impl_->tokens.load(o.data_dir);
    impl_->load_agent_id();
    impl_->events =
        std::make_unique<EventLog>(o.event_log_capacity, (fs::path(o.data_dir) / "audit.jsonl").string());
    impl_->controls = std::make_unique<ControlStore>(o.data_dir, *impl_->events, impl_->errors);

    Impl* im = impl_.get();
    ControlResource limits;
    limits.name = "limits";
    limits.initial = LimitsConfig{};
    limits.validate = [im](const nlohmann::json& body) -> Parsed<nlohmann::json> {
        auto p = parse_limits(body, im->route_ids());
        if (!p.ok()) return {p.errors()};
        return {nlohmann::json(p.value())};
    };
    limits.apply = [im](const nlohmann::json& state) {
        auto p = parse_limits(state);
        if (!p.ok()) return;
        {
            std::lock_guard lock(im->typed_mutex);
            im->limits = p.value();
        }
        for (auto& fn : im->limits_fns)
            fn(p.value());
    };
    limits.describe = describe_limits;
    impl_->controls->add(std::move(limits));

    ControlResource canary;
    canary.name = "canary";
    canary.initial = CanaryConfig{};
    canary.validate = [im](const nlohmann::json& body) -> Parsed<nlohmann::json> {
        auto p = parse_canary(body);
        if (!p.ok()) return {p.errors()};
        if (im->rollout && im->rollout->owns_weight() && !RolloutEngine::writing_weight_here()) {
            double current = 0.0;
            {
                std::lock_guard lock(im->typed_mutex);
                current = im->canary.weight_percent;
            }
            if (p.value().weight_percent != current)
                return {std::vector<FieldError>{
                    {"weight_percent",
                     "a rollout owns the canary weight (now " + fmt_num(current) +
                         "%) while it is progressing or paused: promote, skip or abort it (POST "
                         "/v1/rollout/{action}); the fault knobs may still change"}}};
        }
        return {nlohmann::json(p.value())};
    };
    canary.apply = [im](const nlohmann::json& state) {
        auto p = parse_canary(state);
        if (!p.ok()) return;
        {
            std::lock_guard lock(im->typed_mutex);
            im->canary = p.value();
        }
        for (auto& fn : im->canary_fns)
            fn(p.value());
    };
    canary.describe = describe_canary;
    impl_->controls->add(std::move(canary));

    RolloutEngine::Hooks rh;
    rh.windows = [im](int seconds, VersionWindow& stable, VersionWindow& canary_w) {
        im->recorder.version_window(seconds, "stable", stable.counters, stable.latency);
        im->recorder.version_window(seconds, "canary", canary_w.counters, canary_w.latency);
    };
    rh.set_weight = [im](double weight) -> std::optional<std::string> {
        nlohmann::json doc = im->controls->get("canary");
        if (!doc.is_object()) doc = CanaryConfig{};
        doc["weight_percent"] = weight;
        AdminResponse r = im->controls->put_as("canary", doc.dump(), "rollout");
        if (r.status == 200) return std::nullopt;
        auto body = nlohmann::json::parse(r.body, nullptr, false);
        return "HTTP " + std::to_string(r.status) +
               (body.is_object() ? ": " + body.value("detail", std::string()) : std::string());
    };
    rh.current_weight = [im] {
        std::lock_guard lock(im->typed_mutex);
        return im->canary.weight_percent;
    };
    rh.publish = [im](Event& e) {
        std::string err;
        if (im->events->append(e, e.actor != "agent", &err)) return true;
        im->errors.report("emit " + e.kind + ": " + err);
        return false;
    };
    rh.now_ms = [] { return unix_ms(); };
    impl_->rollout = std::make_unique<RolloutEngine>((fs::path(o.data_dir) / "rollout.json").string(),
                                                     std::move(rh), impl_->errors);
    impl_->recorder.on_epoch_closed([im](std::int64_t epoch) { im->rollout->tick(epoch); });
    RolloutEngine* engine = impl_->rollout.get();
    add_handler("GET", "/v1/rollout", Role::Viewer, [engine](const AdminRequest&) { return engine->get(); });
    add_handler("PUT", "/v1/rollout", Role::Operator,
                [engine](const AdminRequest& r) { return engine->put(r.body, r.actor); });
    add_handler("POST", "/v1/rollout/{action}", Role::Operator, [engine](const AdminRequest& r) {
        return engine->act(r.params.at("action"), r.body, r.actor);
    });
}

Agent::~Agent() {
    stop();
}

SeriesHandle Agent::register_series(std::string_view method, std::string_view route,
                                    std::string_view version) {
    return impl_->recorder.register_series(method, route, version);
}

std::vector<std::string> Agent::route_ids() const {
    return impl_->route_ids();
}

void Agent::add_control(ControlResource resource) {
    if (impl_->started) throw ConfigError("add_control after start()");
    impl_->controls->add(std::move(resource));
}

void Agent::add_handler(std::string method, std::string path_template, Role min_role, AdminHandler handler,
                        std::vector<std::string> query) {
    if (impl_->started) throw ConfigError("add_handler after start()");
    if (method.empty() || !handler) throw ConfigError("add_handler needs a method and a handler");
    impl_->handlers.push_back({std::move(method), PathTemplate::parse(path_template), min_role,
                               std::move(handler), std::move(query)});
}

SeriesHandle Agent::register_upstream_series(std::string_view method, std::string_view route,
                                             std::string_view version) {
    impl_->has_upstream = true;
    return impl_->upstream.register_series(method, route, version);
}

void Agent::add_info(std::string key, std::function<nlohmann::json()> fn) {
    if (fn) impl_->info_extra.emplace_back(std::move(key), std::move(fn));
}

void Agent::on_limits(std::function<void(const LimitsConfig&)> fn) {
    if (fn) impl_->limits_fns.push_back(std::move(fn));
}

void Agent::on_canary(std::function<void(const CanaryConfig&)> fn) {
    if (fn) impl_->canary_fns.push_back(std::move(fn));
}

void Agent::start() {
    Impl& im = *impl_;
    std::lock_guard lock(im.life_mutex);
    if (im.started) return;
    if (im.has_upstream) im.recorder.attach_upstream(im.upstream);
    im.recorder.freeze();
    im.upstream.freeze();
    im.controls->load_and_apply();
    im.rollout->load();
    im.started_ms = unix_ms();
    if (im.has_admin) {
        AdminApi::Context ctx;
        ctx.options = &im.options;
        ctx.tokens = &im.tokens;
        ctx.controls = im.controls.get();
        ctx.events = im.events.get();
        ctx.errors = &im.errors;
        Impl* p = &im;
        ctx.snapshot_json = [p](int window_s) {
            return nlohmann::json(p->snapshot(window_s))
                .dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
        };
        ctx.metrics_text = [p] { return p->metrics_text(); };
        ctx.metrics_protobuf = [p] { return p->metrics_protobuf(); };
        ctx.info_json = [p](Role r) { return p->info_json(r); };
        im.api = std::make_unique<AdminApi>(std::move(ctx), im.handlers);

        AdminServer::Options so;
        so.address = im.listen.host;
        so.port = im.listen.port;
        so.max_connections = im.options.max_connections;
        so.max_pending = im.options.max_pending;
        so.max_streams_per_role = im.options.max_streams_per_role;
        so.header_timeout = im.options.header_timeout;
        so.max_header_bytes = im.options.max_header_bytes;
        so.max_body_bytes = im.options.max_body_bytes;
        so.read_timeout = im.options.read_timeout;
        so.idle_timeout = im.options.idle_timeout;
        AdminServer::Hooks hooks;
        AdminApi* api = im.api.get();
        hooks.admit = [api](HttpIn& in) { return api->admit(in); };
        hooks.dispatch = [api](HttpIn& in) { return api->dispatch(in); };
        hooks.snapshot_json = [p](int window_s) {
            return nlohmann::json(p->snapshot(window_s))
                .dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
        };
        raise_open_files_limit(so.max_pending + so.max_connections + 3 * so.max_streams_per_role + 256);
        im.server = std::make_unique<AdminServer>(std::move(so), std::move(hooks), *im.events, im.errors);
        im.port = im.server->port();
        im.server->start();
        spdlog::info("agent: admin API on {}", admin_url());
    }
    if (im.options.clock) im.recorder.start_clock();
    im.started = true;
    Event e;
    e.kind = "agent.started";
    e.actor = "agent";
    e.message = im.options.service + " " + im.options.service_version + " started";
    im.events->append(e, false);
}

void Agent::stop() {
    Impl& im = *impl_;
    std::lock_guard lock(im.life_mutex);
    if (!im.started || im.stopped) return;
    im.stopped = true;
    im.rollout->stop();
    if (im.server) {
        im.server->stop();
        im.server.reset();
    }
    if (im.options.clock) {
        im.recorder.stop_clock();
        im.recorder.close_epoch(unix_ms() / 1000);  // closes the upstream recorder too
    }
}

void Agent::record(SeriesHandle h, int status, std::chrono::nanoseconds latency,
                   CacheOutcome cache) noexcept {
    impl_->recorder.record(h, status, latency, cache);
}
void Agent::record_upstream(SeriesHandle h, int status, std::chrono::nanoseconds latency) noexcept {
    impl_->upstream.record(h, status, latency);
}
void Agent::record_rate_limit(SeriesHandle h, RateLimitOutcome outcome) noexcept {
    impl_->recorder.record_rate_limit(h, outcome);
}
void Agent::request_started(SeriesHandle h) noexcept {
    impl_->recorder.request_started(h);
}
void Agent::request_finished(SeriesHandle h) noexcept {
    impl_->recorder.request_finished(h);
}

LimitsConfig Agent::limits() const {
    std::lock_guard lock(impl_->typed_mutex);
    return impl_->limits;
}

CanaryConfig Agent::canary() const {
    std::lock_guard lock(impl_->typed_mutex);
    return impl_->canary;
}

nlohmann::json Agent::control(std::string_view name) const {
    return impl_->controls->get(name);
}

Event Agent::publish_event(Event e) {
    if (e.actor.empty()) e.actor = "host";
    std::string err;
    try {
        if (!impl_->events->append(e, e.actor != "agent", &err)) {
            impl_->errors.report("emit " + e.kind + ": " + err + " (event kept in memory only)");
            impl_->events->append(e, false);
        }
    } catch (const std::exception& ex) {
        impl_->errors.report(std::string("emit failed: ") + ex.what());
    }
    return e;
}

RolloutStatus Agent::rollout() const {
    return impl_->rollout->status();
}

AdminResponse Agent::rollout_call(std::string_view method, std::string_view path, const std::string& body,
                                  const std::string& actor) {
    RolloutEngine& r = *impl_->rollout;
    constexpr std::string_view kBase = "/v1/rollout";
    if (path == kBase && method == "GET") return r.get();
    if (path == kBase && method == "PUT") return r.put(body, actor);
    if (method == "POST" && path.starts_with(kBase) && path.size() > kBase.size() + 1 &&
        path[kBase.size()] == '/')
        return r.act(std::string(path.substr(kBase.size() + 1)), body, actor);
    return AdminResponse::problem(Problem::make(
        404, "Not Found", std::string(method) + " " + std::string(path) + " is not a rollout call"));
}

Snapshot Agent::snapshot(int window_s) const {
    return impl_->snapshot(window_s);
}

std::string Agent::metrics_text() const {
    try {
        return impl_->metrics_text();
    } catch (const std::exception& ex) {
        impl_->errors.report(std::string("metrics: ") + ex.what());
        return {};
    }
}

std::shared_ptr<prometheus::Collectable> Agent::collectable() {
    std::call_once(impl_->collectable_once, [&] {
        impl_->collectable = make_metrics_collectable(impl_->recorder, impl_->options.service);
    });
    return impl_->collectable;
}

void Agent::close_epoch(std::int64_t epoch) {
    impl_->recorder.close_epoch(epoch);  // and the attached upstream recorder
}

std::uint16_t Agent::admin_port() const {
    return impl_->port;
}

std::string Agent::admin_url() const {
    // The address actually bound, also when it is the wildcard: a reader must see that it is not loopback.
    std::string host = impl_->listen.host;
    if (host.find(':') != std::string::npos) host = "[" + host + "]";
    return "http://" + host + ":" + std::to_string(admin_port());
}

void Agent::set_api_url(std::string url) {
    std::lock_guard lk(impl_->api_url_mu);
    impl_->api_url = std::move(url);
}

std::string Agent::api_url() const {
    std::lock_guard lk(impl_->api_url_mu);
    return impl_->api_url;
}

const std::string& Agent::agent_id() const {
    return impl_->agent_id;
}
const AgentOptions& Agent::options() const {
    return impl_->options;
}
std::string Agent::token_path(Role role) const {
    return impl_->tokens.path(role);
}

}  // namespace redline::agent
