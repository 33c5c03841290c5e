#include "ui/session/load_controller.h"

#include <spdlog/spdlog.h>

#include <QCoreApplication>
#include <QDateTime>
#include <QPointer>

#include "ui/session/agent_connection.h"
#include "ui/session/dashboard.h"

namespace redline::ui {

LoadController::LoadController(Dashboard* dashboard, QObject* parent) : QObject(parent), d_(dashboard) {
    qRegisterMetaType<redline::load::Progress>("redline::load::Progress");
    qRegisterMetaType<redline::load::Summary>("redline::load::Summary");
}

LoadController::~LoadController() {
    stopAndWait();
}

load::Scenario LoadController::backgroundScenario(const std::string& target, double rate) {
    nlohmann::json j = {
        {"name", "dashboard-background"},
        {"description", "gentle mixed traffic started by redline --demo"},
        {"target", target},
        {"executor", "constant-arrival-rate"},
        {"rate", rate},
        {"duration_s", 86400},
        {"timeout_ms", 5000},
        {"requests",
         {{{"name", "get product"},
           {"weight", 6},
           {"method", "GET"},
           {"path", "/v1/products/{1..3000}"},
           {"api_keys", {"team-a", "team-b", "team-c", "team-d", "team-e", "team-f", "team-g", "team-h"}}},
          {{"name", "list products"},
           {"weight", 2},
           {"method", "GET"},
           {"path", "/v1/products?page_size=20"},
           {"api_keys", {"team-a", "team-b", "team-c", "team-d"}}},
          {{"name", "search"},
           {"weight", 1},
           {"method", "GET"},
           {"path", "/v1/products/search?q={lamp|chair|desk|red|blue|steel}"},
           {"api_keys", {"team-e", "team-f"}}},
          {{"name", "order"},
           {"weight", 1},
           {"method", "POST"},
           {"path", "/v1/orders"},
           {"headers", {{"Content-Type", "application/json"}}},
           {"body", {{"items", {{{"product_id", 42}, {"quantity", 1}}}}, {"customer", "demo"}}},
           {"api_keys", {"team-g", "team-h"}}}}}};
    auto parsed = load::parse_scenario(j);
    if (!parsed.ok()) {
        // The document above is fixed; a failure means the scenario format changed under us.
        std::string why;
        for (const auto& e : parsed.errors())
            why += e.field + ": " + e.message + "; ";
        spdlog::error("background scenario rejected: {}", why);
        throw std::runtime_error("background scenario rejected: " + why);
    }
    return parsed.value();
}

bool LoadController::start(load::Scenario scenario, const QString& agentId, bool recordEvents,
                           QString* error) {
    if (running_) {
        if (error) *error = tr("a load test is already running");
        return false;
    }
    agent_ = agentId;
    record_events_ = recordEvents;
    summary_.reset();
    progress_ = {};
    const int gen = ++generation_;
    QPointer<LoadController> self(this);
    load::EngineOptions opt;
    opt.progress_interval = std::chrono::milliseconds(1000);
    auto post = [self, gen](auto fn) {
        QMetaObject::invokeMethod(
            QCoreApplication::instance(),
            [self, gen, fn = std::move(fn)]() mutable {
                if (self && self->generation_ == gen) fn(*self);
            },
            Qt::QueuedConnection);
    };
    opt.on_progress = [post](const load::Progress& p) { post([p](LoadController& c) { c.onProgress(p); }); };
    opt.on_finished = [post](const load::Summary& s) { post([s](LoadController& c) { c.onFinished(s); }); };
    const std::string name = scenario.name, target = scenario.target;
    const double planned = scenario.duration_s();
    try {
        engine_ = std::make_unique<load::Engine>(std::move(scenario), std::move(opt));
        engine_->start();
    } catch (const std::exception& e) {
        engine_.reset();
        if (error) *error = QString::fromUtf8(e.what());
        return false;
    }
    running_ = true;
    emit runningChanged(true);
    if (record_events_ && !agent_.isEmpty())
        d_->addLocalEvent(agent_, "loadtest.started", "load test " + name + " started against " + target,
                          nullptr, {{"scenario", name}, {"target", target}, {"planned_s", planned}});
    return true;
}

void LoadController::stop(const QString& reason) {
    if (engine_ && running_) engine_->stop(reason.toStdString());
}

void LoadController::stopAndWait() {
    ++generation_;  // drop any result still queued
    if (engine_) {
        engine_->stop("dashboard closing");
        engine_->wait();
        engine_.reset();
    }
    running_ = false;
}

void LoadController::onProgress(const load::Progress& p) {
    progress_ = p;
    if (!agent_.isEmpty()) {
        Sample s;
        s.t_ms = QDateTime::currentMSecsSinceEpoch();
        auto set = [&](Metric m, double v) { s.v[static_cast<int>(m)] = static_cast<float>(v); };
        set(Metric::Rate, p.achieved_rate);
        set(Metric::Rate429, static_cast<double>(p.total.rate_limited) / std::max(1, p.window_s));
        set(Metric::Rate5xx, static_cast<double>(p.total.by_class[5]) / std::max(1, p.window_s));
        set(Metric::P50, p.latency.p50_ms);
        set(Metric::P95, p.latency.p95_ms);
        set(Metric::P99, p.latency.p99_ms);
        set(Metric::ErrorRatio, p.total.error_ratio.value_or(std::numeric_limits<double>::quiet_NaN()));
        set(Metric::CacheHitRatio, std::numeric_limits<double>::quiet_NaN());
        if (record_events_) d_->store().appendSample(agent_, kClientSeries, s);
    }
    emit progress(p);
}

void LoadController::onFinished(const load::Summary& s) {
    summary_ = std::make_unique<load::Summary>(s);
    running_ = false;
    // Join the engine's threads off the GUI thread.
    if (engine_) {
        std::shared_ptr<load::Engine> e(engine_.release());
        runOnPool([e] { e->wait(); });
    }
    if (record_events_ && !agent_.isEmpty()) {
        const bool aborted = s.outcome == load::RunOutcome::Aborted || s.outcome == load::RunOutcome::Error;
        std::string outcome(load::to_string(s.outcome));
        d_->addLocalEvent(
            agent_, aborted ? "loadtest.aborted" : "loadtest.finished",
            "load test " + s.scenario + " " + outcome + (s.reason.empty() ? "" : ": " + s.reason), nullptr,
            {{"outcome", outcome},
             {"completed", s.completed},
             {"p99_ms", s.latency.p99_ms},
             {"error_ratio", s.error_ratio}});
        for (const auto& t : s.thresholds)
            if (!t.passed)
                d_->addLocalEvent(agent_, "threshold.breached", "threshold " + t.threshold.expr + " failed",
                                  nullptr, {{"expr", t.threshold.expr}, {"observed", t.observed}});
    }
    emit runningChanged(false);
    emit finished(s);
}

}  // namespace redline::ui
