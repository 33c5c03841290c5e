// Engine: the control thread that prepares a run, drives stages, closes seconds, checks thresholds and builds
// the summary. The data path lives in Worker; statistics meet in Collector.
#include "core/load/engine.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <cmath>
#include <condition_variable>
#include <cstdlib>
#include <mutex>
#include <random>
#include <stdexcept>
#include <thread>

#include "core/agent_client.h"
#include "core/clock.h"
#include "core/load/arrival_schedule.h"
#include "core/load/collector.h"
#include "core/load/engine_eval.h"
#include "core/load/request_mix.h"
#include "core/load/tls_client.h"
#include "core/load/worker.h"
#include "core/random_id.h"

namespace redline::load {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;
using Clock = std::chrono::steady_clock;

namespace {

std::int64_t unix_ns_now() {
    return unix_ns();
}

std::string random_id() {
    return random_hex(8);
}

/// Resolves the target and keeps the endpoints the filter allows. Returns an error message on failure.
std::string resolve_target(const TargetUrl& t, const ConnectFilter& filter, std::vector<tcp::endpoint>& out) {
    asio::io_context ioc;
    tcp::resolver r(ioc);
    boost::system::error_code ec;
    auto results = r.resolve(t.host, std::to_string(t.port), tcp::resolver::numeric_service, ec);
    if (ec) return "cannot resolve " + t.host + ": " + ec.message();
    std::string why, refused;
    for (const auto& e : results) {
        const tcp::endpoint ep = e.endpoint();
        if (!filter || filter(ep, &why))
            out.push_back(ep);
        else
            refused += (refused.empty() ? "" : ", ") + ep.address().to_string() + ":" +
                       std::to_string(ep.port()) + (why.empty() ? "" : " (" + why + ")");
    }
    if (out.empty()) return "target " + t.host_header + " refused by the allow-list: " + refused;
    return {};
}

/// One connect attempt with a timeout, so an unreachable target is a clear runtime error before the run.
std::string preflight(const std::vector<tcp::endpoint>& eps, std::chrono::milliseconds timeout) {
    std::string last;
    for (const auto& ep : eps) {
        asio::io_context ioc;
        tcp::socket s(ioc);
        asio::steady_timer timer(ioc);
        boost::system::error_code result = asio::error::would_block;
        s.async_connect(ep, [&](boost::system::error_code ec) {
            result = ec;
            timer.cancel();
        });
        timer.expires_after(timeout);
        timer.async_wait([&](boost::system::error_code ec) {
            if (!ec) s.close();
        });
        ioc.run();
        if (!result) return {};
        last =
            ep.address().to_string() + ":" + std::to_string(ep.port()) + ": " +
            (result == asio::error::operation_aborted ? std::string("connect timed out") : result.message());
    }
    return "cannot connect to the target " + last;
}

}  // namespace

struct Engine::Impl {
    Scenario sc;
    EngineOptions opt;
    std::unique_ptr<RequestMix> mix;
    std::unique_ptr<ArrivalSchedule> schedule;
    std::unique_ptr<DataFeeder> feeder;  // scenario data (sc.data)
    std::unique_ptr<Collector> collector;
    Worker::Shared shared;
    std::vector<std::unique_ptr<Worker>> workers;
    std::shared_ptr<TlsClient> tls;  // https targets
    std::thread control;

    mutable std::mutex mu;
    std::condition_variable cv;
    Progress progress;
    Summary summary;
    bool finished = false;
    bool started = false;
    std::atomic<bool> stop_requested{false};
    std::string stop_reason;

    Clock::time_point t0;
    std::int64_t unix_offset_ns = 0;  // unix ns - steady ns
    std::int64_t started_unix_ns = 0;
    std::unique_ptr<AgentClient> agent_client;
    std::unique_ptr<RolloutDriver> rollout;  // when the scenario drives a rollout
    bool rollout_done = false;               // it reached a final state and ends the run (end_run)
    bool data_done = false;                  // the data rows were used up (unique / on_exhausted stop)
    std::vector<int> streak;                 // consecutive violating seconds per threshold (abort checks)
    int aborted_by = -1;                     // index of the threshold that aborted the run

    double elapsed_s() const { return std::chrono::duration<double>(Clock::now() - t0).count(); }
    std::int64_t unix_now_ns() const {
        return std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now().time_since_epoch()).count() +
               unix_offset_ns;
    }

    void run();
    void publish(RunState state);
    bool check_aborts(std::string& reason);
    /// Open model: arrivals intended before t_s that have not started yet.
    std::uint64_t backlog(double t_s) const {
        if (!schedule) return 0;
        const double due = std::ceil(schedule->arrivals_before(t_s) - 1e-9);
        const double started = double(shared.completed.load() +
                                      std::uint64_t(std::max<std::int64_t>(0, shared.in_flight.load())));
        return std::uint64_t(std::max(0.0, due - started));
    }
    std::optional<Snapshot> agent_snapshot(int window_s, std::string* err);
    /// The AgentClient built from scenario.agent (created on first use; control thread only).
    AgentClient& agent();
    std::string start_rollout();
    std::string check_agent(std::int64_t* agent_epoch);
    std::optional<Snapshot> final_agent_snapshot(double stop_s, std::string* err);
    void evaluate_thresholds(Summary& s, const EpochStats& tot, double ran_s, const Snapshot* agent_snap,
                             const std::string& agent_err, bool aborted);
    void decide_outcome(Summary& s, bool aborted, const std::string& abort_reason);
    EpochStats summarize(Summary& s, double ran_s, double stop_s);
    void start_workers(const std::vector<tcp::endpoint>& endpoints, const std::string& host_header,
                       Summary& s);
    void finish(Summary s);
    /// Builds the cumulative figures from the collector's totals and hands them to opt.on_totals.
    void emit_totals(const EpochStats& tot, double at_s, std::uint64_t unsent, bool final);
    /// Hands each closed second to opt.on_second.
    void emit_seconds(std::vector<EpochStats> closed, std::uint64_t unsent);
};

void Engine::Impl::emit_seconds(std::vector<EpochStats> closed, std::uint64_t unsent) {
    if (!opt.on_second) return;
    const bool open = is_open_model(sc.executor);
    for (auto& e : closed) {
        RunSecond r;
        r.run_id = opt.run_id;
        r.epoch = e.epoch;
        r.t_s = std::max(0.0, double((e.epoch + 1) * 1'000'000'000 - started_unix_ns) / 1e9);
        r.open_model = open;
        r.target = sc.target_at(std::min(r.t_s, sc.duration_s()));
        r.late = e.late;
        r.unsent = unsent;
        r.in_flight = shared.in_flight.load();
        r.transport = e.transport;
        r.requests.reserve(mix->size());
        for (std::size_t i = 0; i < mix->size(); ++i) {
            RunSecond::Request q;
            q.name = mix->entry(i).name;
            q.method = mix->entry(i).method;
            if (i < e.requests.size()) q.stats = std::move(e.requests[i]);
            r.requests.push_back(std::move(q));
        }
        r.records = std::move(e.records);
        std::sort(r.records.begin(), r.records.end(),
                  [](const RequestRecord& a, const RequestRecord& b) { return a.done_ns < b.done_ns; });
        try {
            opt.on_second(r);
        } catch (const std::exception& ex) {
            spdlog::error("load second callback threw: {}", ex.what());
        }
    }
}

void Engine::Impl::emit_totals(const EpochStats& tot, double at_s, std::uint64_t unsent, bool final) {
    if (!opt.on_totals) return;
    RunTotals t;
    t.run_id = opt.run_id;
    t.scenario = sc.name;
    t.started_unix_ms = started_unix_ns / 1'000'000;
    t.elapsed_s = at_s;
    t.open_model = is_open_model(sc.executor);
    t.target = sc.target_at(std::min(at_s, sc.duration_s()));
    t.requests.reserve(mix->size());
    for (std::size_t i = 0; i < mix->size(); ++i) {
        RunTotals::Request r;
        r.name = mix->entry(i).name;
        r.method = mix->entry(i).method;
        if (i < tot.requests.size()) {
            r.counters = tot.requests[i].counters;
            r.corrected = tot.requests[i].corrected;
        }
        t.requests.push_back(std::move(r));
    }
    t.transport = tot.transport;
    t.unsent = unsent;
    t.final = final;
    try {
        opt.on_totals(t);
    } catch (const std::exception& e) {
        spdlog::error("load totals callback threw: {}", e.what());
    }
}

AgentClient& Engine::Impl::agent() {
    if (!agent_client) {
        std::string token;
        if (!sc.agent.token_file.empty()) {
            std::string e;
            if (auto t = read_token_file(sc.agent.token_file, &e))
                token = *t;
            else
                spdlog::warn("agent token file: {}", e);
        } else if (!sc.agent.token_env.empty()) {
            if (const char* v = std::getenv(sc.agent.token_env.c_str())) token = v;
        }
        agent_client = std::make_unique<AgentClient>(sc.agent.url, token, std::chrono::seconds(2));
        agent_client->set_actor("redline-load " + (opt.run_id.empty() ? sc.name : opt.run_id));
    }
    return *agent_client;
}

std::string Engine::Impl::start_rollout() {
    AgentCallFn call = opt.agent_call;
    if (!call) {
        if (sc.agent.url.empty())
            return "the scenario drives a rollout on its agent: give \"agent\": {\"url\": ...} or --agent "
                   "URL";
        call = [this](std::string_view method, std::string_view path, const nlohmann::json* body) {
            return agent().call_json(method, path, body);
        };
    }
    rollout = std::make_unique<RolloutDriver>(sc.rollout, std::move(call));
    return rollout->start();
}

std::optional<Snapshot> Engine::Impl::agent_snapshot(int window_s, std::string* err) {
    if (opt.agent_snapshot) return opt.agent_snapshot(window_s, err);
    if (sc.agent.url.empty()) {
        if (err) *err = "no agent configured (scenario \"agent.url\" or --agent)";
        return std::nullopt;
    }
    auto r = agent().snapshot(window_s);
    if (!r.ok()) {
        if (err) *err = r.error_message();
        return std::nullopt;
    }
    return r.value;
}

void Engine::Impl::publish(RunState state) {
    Progress p;
    p.run_id = opt.run_id;
    p.scenario = sc.name;
    p.state = state;
    p.open_model = is_open_model(sc.executor);
    p.planned_s = sc.duration_s();
    const bool running = state == RunState::Running || state == RunState::Stopping;
    p.elapsed_s = running ? std::min(elapsed_s(), p.planned_s + sc.graceful_stop_s) : 0;
    if (state == RunState::Finished) p.elapsed_s = summary.duration_s;
    p.remaining_s = std::max(0.0, p.planned_s - p.elapsed_s);
    p.fraction = p.planned_s > 0 ? std::clamp(p.elapsed_s / p.planned_s, 0.0, 1.0) : 1.0;
    const auto si = sc.stage_at(p.elapsed_s);
    p.stage_index = int(si);
    p.stage_count = int(sc.stages.size());
    p.stage = sc.stages.empty() ? "" : sc.stages[si].name;
    p.target = sc.target_at(p.elapsed_s);
    p.in_flight = shared.in_flight.load();
    p.active_vus = p.open_model ? 0 : shared.target_vus.load();
    p.sent = shared.sent.load();
    p.bytes_sent = shared.bytes_sent.load();
    p.bytes_received = shared.bytes_received.load();
    if (collector) {
        const EpochStats tot = collector->totals();
        Counters all;
        for (const auto& r : tot.requests)
            all.merge(r.counters);
        p.completed = all.requests;
        p.errors = all.errors;
        const CheckCount checks = sum_checks(*mix, tot.checks, -1);
        p.checks_passed = checks.passes;
        p.checks_failed = checks.fails;
        p.transport_errors = all.by_class[0];
        p.rate_limited = all.code_count(429);
        p.error_ratio = error_ratio(all);
        for (std::size_t i = 0; i < all.ncodes; ++i)
            if (all.codes[i].first != 0) p.by_status[all.codes[i].first] = all.codes[i].second;
        for (std::size_t k = 0; k < kTransportKinds; ++k)
            if (tot.transport[k])
                p.transport_by_kind[std::string(to_string(TransportError(k)))] = tot.transport[k];
        p.late = tot.late;
        if (p.open_model && schedule && running) p.unsent = backlog(std::min(p.elapsed_s, p.planned_s));
        const auto w = collector->window(-1, 1);
        p.window_s = 1;
        p.epoch = collector->closed_through();
        p.achieved_rate = double(w.counters.requests);
        p.latency = LatencyQuantiles::from(w.corrected);
        p.latency_uncorrected = LatencyQuantiles::from(w.uncorrected);
        for (std::size_t i = 0; i < mix->size(); ++i) {
            const auto rw = collector->window(int(i), 1);
            p.series.push_back(SeriesSnapshot::from(mix->entry(i).method, mix->entry(i).name, "client",
                                                    rw.counters, rw.corrected, 1, 0));
        }
        p.total = SeriesSnapshot::from("*", "*", "client", w.counters, w.corrected, 1, p.in_flight);
    }
    for (std::size_t i = 0; i < streak.size(); ++i)
        if (streak[i] > 0) p.breaching.push_back(sc.thresholds[i].expr);
    {
        std::lock_guard lk(mu);
        progress = p;
    }
    if (opt.on_progress) {
        try {
            opt.on_progress(p);
        } catch (const std::exception& e) {
            spdlog::error("load progress callback threw: {}", e.what());
        }
    }
}

bool Engine::Impl::check_aborts(std::string& reason) {
    const double el = elapsed_s();
    const std::int64_t closed = collector->closed_through();
    const int seconds_run =
        std::max(1, int(std::floor((double(closed + 1) * 1e9 - double(started_unix_ns)) / 1e9)));
    for (std::size_t i = 0; i < sc.thresholds.size(); ++i) {
        const Threshold& t = sc.thresholds[i];
        if (!t.abort_on_fail || el < t.delay_abort_s) continue;
        std::optional<double> v;
        std::string note;
        bool violated = false;
        if (t.source == ThresholdSource::Client) {
            const int win = std::min(t.window_s, seconds_run);
            const int idx = t.request.empty() ? -1 : request_index(*mix, t.request);
            const auto w = collector->window(idx, win);
            ClientData d;
            d.counters = w.counters;
            d.corrected = w.corrected;
            d.seconds = double(win);
            d.checks = w.checks;
            if (is_open_model(sc.executor)) d.unsent = backlog(std::min(el, sc.duration_s()));
            v = client_metric(t.metric, d, &note);
            if (!v) continue;  // no responses in the window yet: neither breaks nor extends the streak
        } else {
            auto snap = agent_snapshot(std::min(t.window_s, std::max(1, seconds_run)), &note);
            if (!snap) {
                // The agent did not answer (unreachable, 4xx, bad body): a guard that cannot look is failing.
                violated = true;
                note = "agent check failed: " + note;
            } else {
                v = agent_metric(t, *snap, &note);
                if (!v) continue;  // no requests in the agent's window
            }
        }
        if (!violated && threshold_holds(t, *v)) {
            streak[i] = 0;
            continue;
        }
        ++streak[i];
        if (streak[i] >= std::max(1, int(std::ceil(t.for_s)))) {
            aborted_by = int(i);
            reason = "threshold '" + t.expr + "' (" + std::string(to_string(t.source)) +
                     (t.route.empty() ? "" : " " + t.route) + (t.request.empty() ? "" : " " + t.request) +
                     ") failed for " + std::to_string(streak[i]) +
                     " s: " + (v ? "observed " + format_metric(t.metric, *v) : note);
            return true;
        }
    }
    return false;
}

/// Before the first request: every agent-side threshold needs an agent that answers and knows the route.
/// Returns an error message (the run must not start) or "".
std::string Engine::Impl::check_agent(std::int64_t* agent_epoch) {
    std::string err;
    const auto snap = agent_snapshot(1, &err);
    if (!snap) return "agent-side thresholds need the agent, which did not answer: " + err;
    if (agent_epoch) *agent_epoch = snap->epoch;
    for (std::size_t i = 0; i < sc.thresholds.size(); ++i) {
        const Threshold& t = sc.thresholds[i];
        if (t.source != ThresholdSource::Agent || (t.route.empty() && t.version.empty())) continue;
        const bool known =
            std::any_of(snap->series.begin(), snap->series.end(), [&](const SeriesSnapshot& x) {
                return (t.route.empty() || x.id() == t.route) &&
                       (t.version.empty() || x.version == t.version);
            });
        if (!known) {
            std::string routes;
            for (const auto& x : snap->series)
                if (routes.find(x.id()) == std::string::npos) routes += (routes.empty() ? "" : ", ") + x.id();
            return "thresholds[" + std::to_string(i) + "] '" + t.expr + "': the agent has no series " +
                   (t.route.empty() ? std::string() : "'" + t.route + "' ") +
                   (t.version.empty() ? std::string() : "version '" + t.version + "' ") + "(it serves " +
                   routes + ")";
        }
    }
    return {};
}

/// The agent's window over exactly the seconds of the run (its last 60 when longer): waits until the agent
/// has closed the run's last second, asks for the window from the run's first second, and asks again with
/// the corrected length when the agent's newest closed second is not the one expected.
std::optional<Snapshot> Engine::Impl::final_agent_snapshot(double stop_s, std::string* err) {
    const std::int64_t first = started_unix_ns / 1'000'000'000;
    const std::int64_t last = (started_unix_ns + std::int64_t(stop_s * 1e9)) / 1'000'000'000;
    // The agent closes second E at the start of E+1; give it a little more.
    const std::int64_t ready_ns = (last + 1) * 1'000'000'000 + 150'000'000;
    const std::int64_t wait_ns = ready_ns - unix_now_ns();
    if (wait_ns > 0)
        std::this_thread::sleep_for(std::chrono::nanoseconds(std::min<std::int64_t>(wait_ns, 2'000'000'000)));
    auto window_to = [&](std::int64_t newest) {
        return int(std::clamp<std::int64_t>(newest - first + 1, 1, 60));
    };
    int win = window_to(last);
    auto snap = agent_snapshot(win, err);
    for (int attempt = 0; snap && attempt < 3 && snap->epoch != last; ++attempt) {
        if (snap->epoch > last) {
            // The agent closed later seconds too (they hold no run traffic): widen to keep the first second.
            const int wider = window_to(snap->epoch);
            if (wider == win) break;
            win = wider;
        } else {
            std::this_thread::sleep_for(std::chrono::milliseconds(300));  // not yet closed: ask again
        }
        snap = agent_snapshot(win, err);
    }
    return snap;
}

void Engine::Impl::finish(Summary s) {
    {
        std::lock_guard lk(mu);
        summary = s;
    }
    publish(RunState::Finished);
    if (opt.on_finished) {
        try {
            opt.on_finished(s);
        } catch (const std::exception& e) {
            spdlog::error("load finished callback threw: {}", e.what());
        }
    }
    {
        std::lock_guard lk(mu);
        finished = true;
    }
    cv.notify_all();
}

/// The final verdict of every threshold: client-side over the whole run, agent-side on `agent_snap` (null
/// when the agent did not answer: agent_err says why). A threshold that cannot be measured fails with its
/// reason.
/// Totals, requests, checks, schedule, stages, timeline and knee of the finished run; returns the totals.
/// Compiles the request mix and schedule, fixes the common start t0 and starts one worker per thread.
void Engine::Impl::start_workers(const std::vector<tcp::endpoint>& endpoints, const std::string& host_header,
                                 Summary& s) {
    const bool open = is_open_model(sc.executor);
    mix = std::make_unique<RequestMix>(sc, host_header);
    if (open) schedule = std::make_unique<ArrivalSchedule>(sc);
    if (sc.data.enabled)
        feeder = std::make_unique<DataFeeder>(sc.data.table.rows.size(), sc.data.mode, sc.data.stop_at_end);
    std::vector<std::pair<std::size_t, std::size_t>> check_ranges;
    for (std::size_t i = 0; i < mix->size(); ++i)
        check_ranges.emplace_back(mix->entry(i).check_base, mix->entry(i).check_names.size());
    collector = std::make_unique<Collector>(mix->size(), std::move(check_ranges));
    const int nthreads = sc.effective_threads();
    const int nconn = sc.effective_connections();
    t0 = Clock::now() + std::chrono::milliseconds(20);
    unix_offset_ns =
        unix_ns_now() -
        std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now().time_since_epoch()).count();
    started_unix_ns =
        std::chrono::duration_cast<std::chrono::nanoseconds>(t0.time_since_epoch()).count() + unix_offset_ns;
    s.started_ms = started_unix_ns / 1'000'000;
    if (!open) shared.target_vus = int(std::lround(sc.target_at(0)));
    for (int w = 0; w < nthreads; ++w) {
        Worker::Config c;
        c.index = w;
        c.count = nthreads;
        c.scenario = &sc;
        c.mix = mix.get();
        c.schedule = schedule.get();
        c.feeder = feeder.get();
        c.endpoints = endpoints;
        c.filter = opt.allow_connect;
        c.tls = tls;
        c.connections = nconn / nthreads + (w < nconn % nthreads ? 1 : 0);
        if (!open)
            for (int v = w; v < nconn; v += nthreads)
                c.vu_ids.push_back(v);
        c.t0 = t0;
        c.unix_offset_ns = unix_offset_ns;
        c.shared = &shared;
        c.flush = [this](const EpochStats& e) { collector->add(e); };
        c.seed = 0x5eed0000ull + std::uint64_t(w) * 7919 + std::uint64_t(started_unix_ns);
        c.record_requests = opt.record_requests && opt.on_second;
        if (c.connections == 0 && open) continue;
        workers.push_back(std::make_unique<Worker>(std::move(c)));
    }
    for (auto& w : workers)
        w->start();
    spdlog::info("load run {} started: {} against {}, {} threads, {} connections, {:.1f} s", sc.name,
                 to_string(sc.executor), sc.target, workers.size(), nconn, sc.duration_s());
}

EpochStats Engine::Impl::summarize(Summary& s, double ran_s, double stop_s) {
    s.duration_s = ran_s;
    const EpochStats tot = collector->totals();
    fill_totals(s, tot, *mix, ran_s);
    s.sent = shared.sent.load();
    s.bytes_sent = shared.bytes_sent.load();
    s.bytes_received = shared.bytes_received.load();
    if (tls) s.tls = TlsSummary{shared.tls_handshakes.load(), shared.tls_resumed.load()};
    if (is_open_model(sc.executor)) {
        const double due = std::ceil(schedule->arrivals_before(stop_s) - 1e-9);
        s.unsent = std::uint64_t(std::max(0.0, due - double(shared.completed.load())));
        s.lateness = LatencyQuantiles::from(tot.lateness);
        s.late = tot.late;
    }
    fill_stages(s, tot, sc, stop_s);
    fill_timeline(s, collector->timeline(), sc, double(started_unix_ns) / 1e9, stop_s);
    if (sc.executor == ExecutorKind::RampingArrivalRate || sc.executor == ExecutorKind::RampingVus)
        s.knee = detect_knee(s.timeline, is_open_model(sc.executor));
    return tot;
}

void Engine::Impl::evaluate_thresholds(Summary& s, const EpochStats& tot, double ran_s,
                                       const Snapshot* agent_snap, const std::string& agent_err,
                                       bool aborted) {
    for (std::size_t i = 0; i < sc.thresholds.size(); ++i) {
        const Threshold& t = sc.thresholds[i];
        ThresholdResult r;
        r.threshold = t;
        std::optional<double> v;
        if (t.source == ThresholdSource::Client) {
            const int idx = t.request.empty() ? -1 : request_index(*mix, t.request);
            ClientData d;
            for (std::size_t k = 0; k < tot.requests.size(); ++k) {
                if (idx >= 0 && int(k) != idx) continue;
                d.counters.merge(tot.requests[k].counters);
                d.corrected.merge(tot.requests[k].corrected);
            }
            d.seconds = ran_s;
            d.checks = sum_checks(*mix, tot.checks, idx);
            if (is_open_model(sc.executor)) d.unsent = s.unsent;
            v = client_metric(t.metric, d, &r.note);
        } else if (agent_snap) {
            v = agent_metric(t, *agent_snap, &r.note);
        } else {
            r.note = "agent unavailable: " + agent_err;
        }
        // A threshold that cannot be measured has failed (the reason is in the note), never skipped.
        r.evaluated = v.has_value();
        r.observed = v.value_or(0);
        r.passed = v && threshold_holds(t, *v);
        r.aborted_run = aborted && aborted_by == int(i);
        if (r.aborted_run) r.passed = false;
        s.thresholds.push_back(r);
    }
}

/// Outcome and reason: aborted > thresholds failed > stopped from outside > passed.
void Engine::Impl::decide_outcome(Summary& s, bool aborted, const std::string& abort_reason) {
    {
        std::lock_guard lk(mu);
        if (aborted) {
            s.outcome = RunOutcome::Aborted;
            s.reason = abort_reason;
        } else if (!s.thresholds_passed()) {
            s.outcome = RunOutcome::ThresholdsFailed;
            for (const auto& r : s.thresholds)
                if (!r.passed) {
                    s.reason =
                        "threshold '" + r.threshold.expr + "' " +
                        (r.evaluated ? "failed: observed " + format_metric(r.threshold.metric, r.observed) +
                                           (r.note.empty() ? "" : " (" + r.note + ")")
                                     : "could not be measured: " + r.note);
                    break;
                }
            if (stop_requested) s.reason += "; stopped early: " + stop_reason;
        } else if (s.rollout && !s.rollout->passed) {
            s.outcome = RunOutcome::ThresholdsFailed;
            s.reason = "rollout " + (s.rollout->state.empty() ? std::string("unknown") : s.rollout->state) +
                       (s.rollout->reason.empty() ? "" : " (" + s.rollout->reason + ")") +
                       (s.rollout->note.empty() ? "" : ": " + s.rollout->note);
            if (stop_requested) s.reason += "; stopped early: " + stop_reason;
        } else if (stop_requested) {
            s.outcome = RunOutcome::Stopped;
            s.reason = stop_reason;
        } else {
            s.outcome = RunOutcome::Passed;
            if (rollout_done && s.rollout)
                s.reason = "the rollout ended " + s.rollout->state +
                           (s.rollout->reason.empty() ? "" : " (" + s.rollout->reason + ")");
            else if (data_done)
                s.reason = "all " + std::to_string(sc.data.table.rows.size()) + " data rows used (mode " +
                           std::string(to_string(sc.data.mode)) + ")";
        }
    }
}

void Engine::Impl::run() {
    Summary s;
    s.run_id = opt.run_id;
    s.scenario = sc.name;
    s.target = sc.target;
    s.executor = std::string(to_string(sc.executor));
    s.planned_s = sc.duration_s();
    s.started_ms = unix_ns_now() / 1'000'000;
    streak.assign(sc.thresholds.size(), 0);
    publish(RunState::Starting);

    std::string why;
    const auto url = parse_target_url(sc.target, &why, redline::Schemes::HttpOrHttps);
    std::vector<tcp::endpoint> endpoints;
    std::string err = url ? resolve_target(*url, opt.allow_connect, endpoints) : "invalid target: " + why;
    if (err.empty()) err = preflight(endpoints, std::chrono::milliseconds(3000));
    if (err.empty() && url->tls) {  // a certificate the run would refuse is one error here, before the run
        tls = TlsClient::create({url->host, sc.insecure_skip_verify, opt.tls_ca_file}, &err);
        if (tls) err = tls_preflight(*tls, endpoints, std::chrono::milliseconds(3000));
    }
    const bool need_agent = std::any_of(sc.thresholds.begin(), sc.thresholds.end(), [](const Threshold& t) {
        return t.source == ThresholdSource::Agent;
    });
    if (err.empty() && need_agent) err = check_agent(nullptr);
    if (err.empty() && sc.rollout.enabled) err = start_rollout();
    if (!err.empty()) {
        spdlog::error("load run {}: {}", sc.name, err);
        s.outcome = RunOutcome::Error;
        s.error = err;
        s.reason = err;
        finish(std::move(s));
        return;
    }

    const bool open = is_open_model(sc.executor);
    start_workers(endpoints, url->host_header, s);

    const double planned = sc.duration_s();
    const auto interval =
        std::clamp(opt.progress_interval, std::chrono::milliseconds(100), std::chrono::milliseconds(10'000));
    auto next_progress = t0 + interval;
    const auto totals_every = opt.on_totals && opt.totals_interval.count() > 0
                                  ? std::clamp(opt.totals_interval, std::chrono::milliseconds(1000),
                                               std::chrono::milliseconds(3'600'000))
                                  : std::chrono::milliseconds(0);
    auto next_totals = t0 + totals_every;
    std::string abort_reason;
    bool aborted = false;
    std::this_thread::sleep_until(t0);
    publish(RunState::Running);
    while (true) {
        {
            std::unique_lock lk(mu);
            cv.wait_for(lk, std::chrono::milliseconds(20), [&] { return stop_requested.load(); });
        }
        const double el = elapsed_s();
        if (!open) shared.target_vus = int(std::lround(sc.target_at(std::min(el, planned))));
        // Close every second that ended more than 200 ms ago (workers flush at their first event after it).
        const std::int64_t closable = (unix_now_ns() - 200'000'000) / 1'000'000'000 - 1;
        if (closable > collector->closed_through()) {
            emit_seconds(collector->close_through(closable), open ? backlog(std::min(el, planned)) : 0);
            if (check_aborts(abort_reason)) {
                aborted = true;
                spdlog::warn("load run {} aborted: {}", sc.name, abort_reason);
            }
            if (rollout && rollout->poll(el) && sc.rollout.end_run) rollout_done = true;
            // Exporters get the cumulative totals at this once-a-second point, never on a worker.
            if (totals_every.count() > 0 && Clock::now() >= next_totals) {
                emit_totals(collector->totals(), el, open ? backlog(std::min(el, planned)) : 0, false);
                next_totals += totals_every;
                if (next_totals < Clock::now()) next_totals = Clock::now() + totals_every;
            }
        }
        if (Clock::now() >= next_progress) {
            publish(RunState::Running);
            next_progress += interval;
            if (next_progress < Clock::now()) next_progress = Clock::now() + interval;
        }
        // Data used up: the open model stops at once; the closed one when every active VU found no row for
        // its next iteration (the iterations that got a row run to their end).
        if (shared.data_exhausted.load() && (open || shared.vus_done.load() >= shared.target_vus.load()))
            data_done = true;
        if (aborted || rollout_done || data_done || stop_requested || el >= planned) break;
    }
    // Stop starting requests; let in-flight ones finish within graceful_stop_s.
    const double stop_s = std::min(elapsed_s(), planned);
    shared.stop_at_ns = std::int64_t(stop_s * 1e9);
    publish(RunState::Stopping);
    const auto grace_end = Clock::now() + std::chrono::milliseconds(std::int64_t(sc.graceful_stop_s * 1000));
    while (shared.in_flight.load() > 0 && Clock::now() < grace_end)
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
    for (auto& w : workers)
        w->request_shutdown();
    for (auto& w : workers)
        w->join();
    const double ran_s = std::max(1e-3, elapsed_s());
    emit_seconds(collector->close_through(unix_now_ns() / 1'000'000'000), open ? backlog(stop_s) : 0);

    const EpochStats tot = summarize(s, ran_s, stop_s);

    // Final thresholds. Agent-side: the agent's window over exactly the run's seconds.
    std::optional<Snapshot> agent_snap;
    std::string agent_err;
    if (need_agent) agent_snap = final_agent_snapshot(stop_s, &agent_err);
    evaluate_thresholds(s, tot, ran_s, agent_snap ? &*agent_snap : nullptr, agent_err, aborted);
    if (rollout) s.rollout = rollout->finish(ran_s);
    decide_outcome(s, aborted, abort_reason);
    emit_totals(tot, ran_s, s.unsent, true);
    spdlog::info("load run {} finished: {} ({} requests, {:.1f}/s, p99 {:.2f} ms)", sc.name,
                 to_string(s.outcome), s.completed, s.achieved_rate, s.latency.p99_ms);
    finish(std::move(s));
}

// ---- Engine ----

Engine::Engine(Scenario scenario, EngineOptions options) : impl_(std::make_unique<Impl>()) {
    auto check = parse_scenario(to_json(scenario));
    if (!check.ok()) {
        std::string m = "invalid scenario:";
        for (const auto& e : check.errors())
            m += " " + e.field + ": " + e.message + ";";
        throw std::invalid_argument(m);
    }
    if (scenario.data.enabled && !scenario.data.loaded)
        throw std::invalid_argument("invalid scenario: data.file " + scenario.data.file +
                                    " was not read (load_scenario_file / load_scenario_data)");
    impl_->sc = std::move(scenario);
    impl_->opt = std::move(options);
    if (impl_->opt.run_id.empty()) impl_->opt.run_id = random_id();
    impl_->progress.run_id = impl_->opt.run_id;
    impl_->progress.scenario = impl_->sc.name;
    impl_->progress.planned_s = impl_->sc.duration_s();
    impl_->progress.remaining_s = impl_->progress.planned_s;
}

Engine::~Engine() {
    stop("engine destroyed");
    if (impl_->control.joinable()) impl_->control.join();
}

void Engine::start() {
    {
        std::lock_guard lk(impl_->mu);
        if (impl_->started) throw std::logic_error("Engine::start called twice");
        impl_->started = true;
    }
    impl_->control = std::thread([this] { impl_->run(); });
}

void Engine::stop(std::string reason) {
    {
        std::lock_guard lk(impl_->mu);
        if (impl_->stop_requested) return;
        impl_->stop_reason = std::move(reason);
        impl_->stop_requested = true;
    }
    impl_->cv.notify_all();
}

Summary Engine::wait() {
    {
        std::unique_lock lk(impl_->mu);
        if (!impl_->started) throw std::logic_error("Engine::wait before start");
        impl_->cv.wait(lk, [&] { return impl_->finished; });
    }
    if (impl_->control.joinable() && impl_->control.get_id() != std::this_thread::get_id())
        impl_->control.join();
    std::lock_guard lk(impl_->mu);
    return impl_->summary;
}

bool Engine::wait_for(std::chrono::milliseconds timeout) {
    std::unique_lock lk(impl_->mu);
    return impl_->cv.wait_for(lk, timeout, [&] { return impl_->finished; });
}

bool Engine::finished() const {
    std::lock_guard lk(impl_->mu);
    return impl_->finished;
}

Progress Engine::progress() const {
    std::lock_guard lk(impl_->mu);
    return impl_->progress;
}

const Scenario& Engine::scenario() const {
    return impl_->sc;
}

Summary Engine::run(Scenario scenario, EngineOptions options) {
    Engine e(std::move(scenario), std::move(options));
    e.start();
    return e.wait();
}

}  // namespace redline::load
