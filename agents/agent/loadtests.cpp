// /v1/loadtests: load runs through the agent, confined to the host's own API server.
#include "agents/agent/loadtests.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <mutex>
#include <random>

#include "agents/agent/agent.h"
#include "core/json_strict.h"
#include "core/load/engine.h"

namespace redline::agent {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;
using nlohmann::json;
using namespace redline::load;

namespace {

constexpr std::string_view kPrefix = "/v1/loadtests";

AdminResponse bad_request(std::vector<FieldError> errs,
                          std::string detail = "the load test request is invalid") {
    Problem p = Problem::make(400, "Bad Request", std::move(detail));
    p.errors = std::move(errs);
    return AdminResponse::problem(p);
}

AdminResponse problem(int status, std::string title, std::string detail) {
    return AdminResponse::problem(Problem::make(status, std::move(title), std::move(detail)));
}

std::string new_id() {
    std::random_device rd;
    std::uniform_int_distribution<std::uint64_t> d;
    return fmt::format("lt-{:012x}", d(rd) & 0xffffffffffffull);
}

/// A host is acceptable only when written canonically: a literal address exactly as the address type prints
/// it, or "localhost". Everything else (2130706433, 0x7f.1, 127.1, 0177.0.0.1, names) is refused before
/// resolving.
bool canonical_host(const std::string& host, std::string* why) {
    if (host == "localhost") return true;
    boost::system::error_code ec;
    const auto a = asio::ip::make_address(host, ec);
    if (ec) {
        *why = "host '" + host + "' is not a literal IP address (names other than localhost are not allowed)";
        return false;
    }
    if (a.to_string() != host) {
        *why = "host '" + host + "' is not written canonically (expected " + a.to_string() + ")";
        return false;
    }
    return true;
}

/// Resolves host:port strictly numerically or via the system resolver (localhost only).
std::vector<tcp::endpoint> resolve(const TargetUrl& t, std::string* err) {
    asio::io_context ioc;
    tcp::resolver r(ioc);
    boost::system::error_code ec;
    auto res = r.resolve(t.host, std::to_string(t.port), tcp::resolver::numeric_service, ec);
    std::vector<tcp::endpoint> out;
    if (ec) {
        *err = "cannot resolve " + t.host + ": " + ec.message();
        return out;
    }
    for (const auto& e : res)
        out.push_back(e.endpoint());
    return out;
}

bool same_endpoint(const tcp::endpoint& a, const tcp::endpoint& b) {
    if (a.port() != b.port()) return false;
    auto norm = [](asio::ip::address x) {
        if (x.is_v6() && x.to_v6().is_v4_mapped())
            return asio::ip::address(asio::ip::make_address_v4(asio::ip::v4_mapped, x.to_v6()));
        return x;
    };
    return norm(a.address()) == norm(b.address());
}

std::string ep_string(const tcp::endpoint& e) {
    return (e.address().is_v6() ? "[" + e.address().to_string() + "]" : e.address().to_string()) + ":" +
           std::to_string(e.port());
}

/// "scenario": a built-in name (resolved in the standard search order, then `scenario_dirs`) or an inline
/// scenario object. Errors go to errs, named "scenario" or "scenario.<field>".
void parse_scenario_field(const json& body, const std::vector<std::string>& scenario_dirs, Scenario& sc,
                          bool& inline_target, std::vector<FieldError>& errs) {
    const auto sit = body.find("scenario");
    if (sit == body.end()) {
        errs.push_back(
            {"scenario", "is required: a built-in name such as \"smoke\" or an inline scenario object"});
    } else if (sit->is_string()) {
        const std::string name = sit->get<std::string>();
        const bool plain =
            !name.empty() && name.size() <= 64 && std::all_of(name.begin(), name.end(), [](char c) {
                return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_';
            });
        const auto path = plain ? find_scenario(name, scenario_dirs) : std::nullopt;
        if (!path) {
            errs.push_back({"scenario", "'" + name + "' is not a built-in scenario"});
        } else {
            auto p = load_scenario_file(*path);
            if (!p.ok())
                errs.push_back(
                    {"scenario", "built-in '" + name + "' is invalid: " + p.errors().front().message});
            else
                sc = p.value();
        }
    } else if (sit->is_object()) {
        auto p = parse_scenario(*sit);
        const auto data = sit->find("data");
        if (data != sit->end() && data->is_object() && data->contains("file")) {
            // Like --cacert: a scenario posted to the agent must not make it read a file of the poster's
            // choosing. Inline rows carry the same data.
            errs.push_back(
                {"scenario.data.file",
                 "is not accepted by the agent (it reads no files named by a posted scenario); give "
                 "the rows inline as data.rows"});
        } else if (!p.ok()) {
            for (const auto& e : p.errors())
                errs.push_back({"scenario." + e.field, e.message});
        } else {
            sc = p.value();
            inline_target = sit->contains("target");
        }
    } else {
        errs.push_back({"scenario", "must be a built-in name or a scenario object"});
    }
}

/// "guard": {route, p99_ms, for_s, version, window_s} -> an agent-side abort_on_fail p99 threshold.
std::optional<Threshold> parse_guard(const json& it_value, const std::vector<std::string>& routes,
                                     std::vector<FieldError>& errs) {
    const json* it = &it_value;
    if (!it->is_object()) {
        errs.push_back({"guard", "must be an object {route, p99_ms, for_s, version, window_s}"});
    } else {
        Threshold g;
        g.source = ThresholdSource::Agent;
        g.metric = ThresholdMetric::P99;
        g.op = Comparison::Less;
        g.abort_on_fail = true;
        g.for_s = 3;
        g.window_s = 1;
        for (auto k = it->begin(); k != it->end(); ++k) {
            const std::string f = "guard." + k.key();
            if (k.key() == "route" || k.key() == "version") {
                if (!k->is_string() || k->get<std::string>().empty())
                    errs.push_back({f, "must be a non-empty string"});
                else
                    (k.key() == "route" ? g.route : g.version) = k->get<std::string>();
            } else if (k.key() == "p99_ms") {
                if (!k->is_number() || k->get<double>() <= 0 || k->get<double>() > 600000)
                    errs.push_back({f, "must be > 0 and <= 600000"});
                else
                    g.value = k->get<double>();
            } else if (k.key() == "for_s") {
                if (!k->is_number() || k->get<double>() < 1 || k->get<double>() > 600)
                    errs.push_back({f, "must be between 1 and 600"});
                else
                    g.for_s = k->get<double>();
            } else if (k.key() == "window_s") {
                if (!k->is_number_integer() || k->get<int>() < 1 || k->get<int>() > 60)
                    errs.push_back({f, "must be an integer between 1 and 60"});
                else
                    g.window_s = k->get<int>();
            } else {
                errs.push_back({f, "unknown field"});
            }
        }
        if (g.route.empty() && !it->contains("route"))
            errs.push_back({"guard.route", "is required (a route id such as \"GET /v1/products/{id}\")"});
        if (g.value <= 0 && !it->contains("p99_ms")) errs.push_back({"guard.p99_ms", "is required"});
        if (!g.route.empty() && !routes.empty() &&
            std::find(routes.begin(), routes.end(), g.route) == routes.end())
            errs.push_back({"guard.route", "'" + g.route + "' is not a route of this agent"});
        g.expr = fmt::format("p99 < {}ms", g.value);
        return g;
    }
    return std::nullopt;
}

class Service final : public LoadtestService {
  public:
    Service(Agent& agent, LoadtestOptions opt) : agent_(agent), opt_(std::move(opt)) {}
    ~Service() override { shutdown(); }

    void shutdown() override {
        std::unique_ptr<Engine> e;
        {
            std::lock_guard lk(mu_);
            closing_ = true;
            e = std::move(engine_);
        }
        if (e) e->stop("agent shutting down");
        e.reset();  // joins
    }

    bool running() const override {
        std::lock_guard lk(mu_);
        return engine_ && !engine_->finished();
    }

    AdminResponse post(const AdminRequest& req);
    AdminResponse list(const AdminRequest& req);
    AdminResponse get(const AdminRequest& req);
    AdminResponse del(const AdminRequest& req);

  private:
    std::string api_url() const { return opt_.api_url_fn ? opt_.api_url_fn() : opt_.api_url; }
    /// Checks a target against the API address; fills the allowed endpoints. Returns an empty string when
    /// allowed.
    std::string check_target(const std::string& target, std::vector<tcp::endpoint>& allowed) const;
    json describe_locked() const;
    /// The engine's options for run `id`: connects only to `allowed`, reports progress and the summary as
    /// events.
    EngineOptions engine_options(const std::string& id, std::vector<tcp::endpoint> allowed,
                                 const std::string& actor);
    void emit(std::string kind, std::string actor, std::string message, json after);

    Agent& agent_;
    LoadtestOptions opt_;
    mutable std::mutex mu_;  // guards everything below
    bool closing_ = false;
    std::unique_ptr<Engine> engine_;
    std::string id_;
    std::string scenario_name_;
    json summary_;  // null while running
    std::string stopped_by_;
};

void Service::emit(std::string kind, std::string actor, std::string message, json after) {
    {
        std::lock_guard lk(mu_);
        if (closing_) return;
    }
    Event e;
    e.kind = std::move(kind);
    e.actor = std::move(actor);
    e.message = std::move(message);
    e.after = std::move(after);
    agent_.publish_event(std::move(e));
}

std::string Service::check_target(const std::string& target, std::vector<tcp::endpoint>& allowed) const {
    const std::string api = api_url();
    std::string why;
    const auto api_t = parse_target_url(api, &why);
    if (!api_t) return "the host has no usable API address (" + api + ": " + why + ")";
    std::string err;
    allowed = resolve(*api_t, &err);
    if (allowed.empty()) return "the host's API address does not resolve: " + err;
    // https:// targets go through the same check: only the scheme differs, the endpoints must be this host's.
    const auto t = parse_target_url(target, &why, redline::Schemes::HttpOrHttps);
    if (!t) return "target '" + target + "': " + why;
    if (!canonical_host(t->host, &why)) return "target '" + target + "': " + why;
    const auto eps = resolve(*t, &err);
    if (eps.empty()) return "target '" + target + "': " + err;
    bool any = false;
    for (const auto& e : eps) {
        const bool ok =
            std::any_of(allowed.begin(), allowed.end(), [&](const auto& a) { return same_endpoint(a, e); });
        if (!ok && t->host != "localhost")
            return "target '" + target + "' resolves to " + ep_string(e) +
                   ", which is not this host's API server (" + api + ")";
        any = any || ok;
    }
    if (!any) return "target '" + target + "' does not resolve to this host's API server (" + api + ")";
    return {};
}

/// A POST /v1/loadtests body, parsed: the scenario with its overrides and the optional guard.
struct PostBody {
    Scenario scenario;
    bool inline_target = false;
    ScenarioOverrides overrides;
    std::string target;
    std::optional<Threshold> guard;
};

/// Parses the body's fields; every problem goes to errs, named by its field.
PostBody parse_post_body(const json& body, const std::vector<std::string>& scenario_dirs,
                         const std::vector<std::string>& routes, std::vector<FieldError>& errs) {
    static const std::vector<std::string> kKeys = {"scenario",    "target", "rate",    "duration_s",
                                                   "connections", "vus",    "threads", "guard"};
    for (auto it = body.begin(); it != body.end(); ++it)
        if (std::find(kKeys.begin(), kKeys.end(), it.key()) == kKeys.end())
            errs.push_back({it.key(), "unknown field"});
    PostBody pb;
    parse_scenario_field(body, scenario_dirs, pb.scenario, pb.inline_target, errs);
    auto num = [&](const char* key, double lo, double hi) -> std::optional<double> {
        const auto it = body.find(key);
        if (it == body.end()) return std::nullopt;
        if (!it->is_number() || it->get<double>() < lo || it->get<double>() > hi) {
            errs.push_back({key, fmt::format("must be a number between {} and {}", lo, hi)});
            return std::nullopt;
        }
        return it->get<double>();
    };
    pb.overrides.rate = num("rate", 0.001, 1e6);
    pb.overrides.duration_s = num("duration_s", 0.001, 86400);
    pb.overrides.vus = num("vus", 1, 10000);
    if (auto c = num("connections", 1, 10000)) pb.overrides.connections = int(*c);
    if (auto t = num("threads", 1, 64)) pb.overrides.threads = int(*t);
    if (const auto it = body.find("target"); it != body.end()) {
        if (!it->is_string())
            errs.push_back({"target", "must be a string such as \"http://127.0.0.1:8080\""});
        else
            pb.target = it->get<std::string>();
    }
    if (const auto it = body.find("guard"); it != body.end()) pb.guard = parse_guard(*it, routes, errs);
    return pb;
}

/// The agent's caps on rate, connections and duration; one error per cap exceeded.
std::vector<FieldError> check_caps(const Scenario& sc, const LoadtestOptions& opt) {
    std::vector<FieldError> errs;
    const bool open = is_open_model(sc.executor);
    if (open && sc.max_target() > opt.max_rate)
        errs.push_back({"rate", fmt::format("peak arrival rate {:.0f}/s exceeds this agent's cap of {:.0f}/s",
                                            sc.max_target(), opt.max_rate)});
    if (sc.effective_connections() > opt.max_connections)
        errs.push_back(
            {open ? "connections" : "vus", fmt::format("{} connections exceed this agent's cap of {}",
                                                       sc.effective_connections(), opt.max_connections)});
    if (sc.duration_s() > opt.max_duration_s)
        errs.push_back({"duration_s", fmt::format("{:.0f} s exceeds this agent's cap of {:.0f} s",
                                                  sc.duration_s(), opt.max_duration_s)});
    return errs;
}

AdminResponse Service::post(const AdminRequest& req) {
    auto strict = parse_json_strict(req.body);
    if (!strict.ok()) return bad_request(strict.errors(), "the body is not strict JSON");
    const json& body = strict.value();
    if (!body.is_object()) return bad_request({{"", "the body must be a JSON object"}});
    std::vector<FieldError> errs;
    PostBody pb = parse_post_body(body, opt_.scenario_dirs, agent_.route_ids(), errs);
    if (!errs.empty()) return bad_request(std::move(errs));
    Scenario& sc = pb.scenario;

    // Target: always the host's API server. A given target must name it (checked on the resolved address).
    std::string target = pb.target;
    if (target.empty() && pb.inline_target) target = sc.target;
    if (target.empty()) target = api_url();
    std::vector<tcp::endpoint> allowed;
    if (const std::string why = check_target(target, allowed); !why.empty())
        return problem(403, "Forbidden", "load tests may only target this host's API server: " + why);
    pb.overrides.target = target;
    if (auto e = apply_overrides(sc, pb.overrides); !e.empty()) return bad_request(std::move(e));
    if (pb.guard) sc.thresholds.push_back(*pb.guard);
    if (auto e = check_caps(sc, opt_); !e.empty())
        return bad_request(std::move(e), "the load test exceeds this agent's caps");
    sc.threads = std::min(sc.effective_threads(), std::max(1, opt_.max_threads));

    std::unique_lock lk(mu_);
    if (closing_) return problem(503, "Service Unavailable", "the agent is shutting down");
    if (engine_ && !engine_->finished())
        return problem(409, "Conflict",
                       "load test " + id_ + " is still running; stop it first (DELETE " +
                           std::string(kPrefix) + "/" + id_ + ")");
    std::unique_ptr<Engine> old = std::move(engine_);
    const std::string id = new_id();
    try {
        engine_ = std::make_unique<Engine>(sc, engine_options(id, std::move(allowed), req.actor));
    } catch (const std::exception& e) {
        return bad_request({{"scenario", e.what()}});
    }
    id_ = id;
    scenario_name_ = sc.name;
    summary_ = nullptr;
    stopped_by_.clear();
    engine_->start();
    json resp = describe_locked();
    lk.unlock();
    old.reset();
    const json started{{"id", id},
                       {"scenario", to_json(sc)},
                       {"target", sc.target},
                       {"planned_s", sc.duration_s()},
                       {"remote", req.remote}};
    const bool open = is_open_model(sc.executor);
    emit("loadtest.started", std::string(to_string(req.role)),
         fmt::format("load test {} started: {} ({}, peak {:.0f}{}, {:.0f} s) against {}", id, sc.name,
                     to_string(sc.executor), sc.max_target(), open ? "/s" : " VUs", sc.duration_s(),
                     sc.target),
         started);
    return AdminResponse::json(201, resp);
}

EngineOptions Service::engine_options(const std::string& id, std::vector<tcp::endpoint> allowed,
                                      const std::string& actor) {
    EngineOptions eo;
    eo.run_id = id;
    eo.progress_interval = std::chrono::milliseconds(opt_.progress_interval_ms);
    eo.allow_connect = [allowed = std::move(allowed)](const tcp::endpoint& ep, std::string* why) {
        for (const auto& a : allowed)
            if (same_endpoint(a, ep)) return true;
        if (why) *why = ep_string(ep) + " is not this host's API server";
        return false;
    };
    eo.agent_snapshot = [this](int window_s, std::string*) -> std::optional<Snapshot> {
        return agent_.snapshot(window_s);
    };
    // A scenario's rollout is this agent's own: driven in-process, as the operator who started the test.
    eo.agent_call = [this, actor](std::string_view method, std::string_view path, const json* body) {
        const AdminResponse r = agent_.rollout_call(method, path, body ? body->dump() : std::string(), actor);
        Result<json> out;
        out.url = std::string(path);
        out.http_status = r.status;
        if (r.status >= 200 && r.status < 300) {
            auto j = json::parse(r.body, nullptr, false);
            if (j.is_discarded())
                out.protocol_error = "the rollout answer is not JSON";
            else
                out.value = std::move(j);
        } else {
            out.problem = Problem::parse(r.body);
        }
        return out;
    };
    eo.on_progress = [this, id](const Progress& p) {
        if (p.state != RunState::Running) return;
        emit("loadtest.progress", "agent",
             fmt::format("load test {}: {:.0f}/s, p99 {:.1f} ms, errors {:.2f}%", id, p.achieved_rate,
                         p.latency.p99_ms, p.error_ratio * 100),
             to_json(p));
    };
    eo.on_finished = [this, id](const Summary& s) {
        json js = to_json(s);
        std::string by;
        {
            std::lock_guard g(mu_);
            if (id_ == id) summary_ = js;
            by = stopped_by_;
        }
        const bool ok = s.outcome == RunOutcome::Passed || s.outcome == RunOutcome::ThresholdsFailed;
        emit(ok ? "loadtest.finished" : "loadtest.aborted", by.empty() ? "agent" : by,
             fmt::format("load test {} {}: {} requests, {:.1f}/s, p99 {:.1f} ms{}{}", id,
                         to_string(s.outcome), s.completed, s.achieved_rate, s.latency.p99_ms,
                         s.reason.empty() ? "" : " - ", s.reason),
             js);
    };
    return eo;
}

json Service::describe_locked() const {
    json j{{"id", id_}, {"scenario", scenario_name_}};
    if (!engine_) {
        j["state"] = "finished";
    } else {
        const Progress p = engine_->progress();
        // "finished" only once the engine is done (its last progress says Finished a moment before: while the
        // summary is handed over, a new run would still get 409 and DELETE still 202).
        const RunState shown = p.state == RunState::Idle       ? RunState::Starting
                               : p.state == RunState::Finished ? RunState::Stopping
                                                               : p.state;
        j["state"] = engine_->finished() ? std::string("finished") : std::string(to_string(shown));
        j["progress"] = to_json(p);
    }
    j["summary"] = summary_;
    return j;
}

AdminResponse Service::list(const AdminRequest&) {
    std::lock_guard lk(mu_);
    json runs = json::array();
    if (!id_.empty()) runs.push_back(describe_locked());
    return AdminResponse::json(200, json{{"runs", runs}});
}

AdminResponse Service::get(const AdminRequest& req) {
    std::lock_guard lk(mu_);
    const std::string& id = req.params.at("id");
    if (id_.empty() || id != id_) return problem(404, "Not Found", "no load test with id '" + id + "'");
    return AdminResponse::json(200, describe_locked());
}

AdminResponse Service::del(const AdminRequest& req) {
    std::lock_guard lk(mu_);
    const std::string& id = req.params.at("id");
    if (id_.empty() || id != id_) return problem(404, "Not Found", "no load test with id '" + id + "'");
    if (engine_ && !engine_->finished()) {
        stopped_by_ = std::string(to_string(req.role));
        engine_->stop("stopped by " + stopped_by_ + " (DELETE)");
        json j = describe_locked();
        j["state"] = "stopping";
        return AdminResponse::json(202, j);
    }
    return AdminResponse::json(200, describe_locked());
}

}  // namespace

std::shared_ptr<LoadtestService> install_loadtests(Agent& agent, LoadtestOptions options) {
    auto svc = std::make_shared<Service>(agent, std::move(options));
    const std::string runs(kPrefix), run = std::string(kPrefix) + "/{id}";
    agent.add_handler("POST", runs, Role::Operator, [svc](const AdminRequest& r) { return svc->post(r); });
    agent.add_handler("GET", runs, Role::Viewer, [svc](const AdminRequest& r) { return svc->list(r); });
    agent.add_handler("GET", run, Role::Viewer, [svc](const AdminRequest& r) { return svc->get(r); });
    agent.add_handler("DELETE", run, Role::Operator, [svc](const AdminRequest& r) { return svc->del(r); });
    return svc;
}

}  // namespace redline::agent
