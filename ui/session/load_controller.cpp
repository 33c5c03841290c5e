#include "ui/session/load_controller.h"

#include <spdlog/spdlog.h>

#include <QCoreApplication>
#include <QDateTime>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QPointer>
#include <QStandardPaths>
#include <QSysInfo>

#include "core/load/run_recorder.h"
#include "core/load/run_store.h"
#include "ui/session/agent_connection.h"
#include "ui/session/dashboard.h"

// Outside any namespace, as Q_INIT_RESOURCE requires; referencing it keeps the static library's resources
// linked.
static void initResources() {
    Q_INIT_RESOURCE(redline);
}

namespace redline::ui {

LoadController::LoadController(Dashboard* dashboard, QObject* parent) : QObject(parent), d_(dashboard) {
    qRegisterMetaType<redline::load::Progress>("redline::load::Progress");
    qRegisterMetaType<redline::load::Summary>("redline::load::Summary");
}

LoadController::~LoadController() {
    stopAndWait();
}

QString LoadController::defaultRunsDb() {
    const QString env = qEnvironmentVariable("REDLINE_RUNS_DB");
    if (!env.isEmpty()) return env;
    // The CLI's default (app/redline-load/cmd_runs.h): $XDG_DATA_HOME/redline/runs.db, else
    // ~/.local/share/redline/runs.db, so runs saved by either show in both.
    const QString dir = QStandardPaths::writableLocation(QStandardPaths::GenericDataLocation);
    return dir.isEmpty() ? QString() : dir + QStringLiteral("/redline/runs.db");
}

bool LoadController::startRecording(const load::Scenario& scenario, load::EngineOptions& opt) {
    const std::string path = runs_db_.toStdString();
    const QString dir = QFileInfo(runs_db_).absolutePath();
    if (!QDir().mkpath(dir)) {
        recording_problem_ = tr("cannot create the directory %1").arg(dir);
        return false;
    }
    std::string why;
    auto store = load::RunStore::open(path, load::RunStore::Mode::CreateIfMissing, &why);
    if (!store) {
        recording_problem_ = QString::fromStdString(why);
        return false;
    }
    load::RunHeader h;
    h.id = load::RunStore::new_id();
    if (opt.run_id.empty()) opt.run_id = h.id;
    h.run_id = opt.run_id;
    h.scenario = scenario.name;
    h.scenario_json = load::to_json(scenario);
    h.target = scenario.target;
    h.executor = std::string(load::to_string(scenario.executor));
    h.started_ms = QDateTime::currentMSecsSinceEpoch();
    h.host = QSysInfo::machineHostName().toStdString();
    h.pid = QCoreApplication::applicationPid();
    h.version = REDLINE_VERSION;
    load::RunRecorder::Options ro;  // the agent's own figures are the dashboard's, not the record's
    auto rec = load::RunRecorder::start(std::move(store), std::move(h), ro, &why);
    if (!rec) {
        recording_problem_ = QString::fromStdString(why);
        return false;
    }
    recorder_ = std::move(rec);
    saved_id_ = QString::fromStdString(recorder_->id());
    opt.on_second = [r = recorder_](const load::RunSecond& sec) { r->submit(sec); };
    return true;
}

load::Scenario LoadController::backgroundScenario(const std::string& target, double rate) {
    // resources/demo/background.json, compiled in (it is not a built-in: it runs for a day).
    initResources();
    QFile f(QStringLiteral(":/redline/demo/background.json"));
    if (!f.open(QIODevice::ReadOnly)) throw std::runtime_error("background scenario resource missing");
    const QByteArray text = f.readAll();
    auto parsed = load::parse_scenario_text(std::string_view(text.constData(), std::size_t(text.size())));
    if (!parsed.ok()) {
        // The file ships with the binary; a failure means the scenario format changed under it.
        std::string why;
        for (const auto& e : parsed.errors())
            why += e.field + ": " + e.message + "; ";
        spdlog::error("background scenario rejected: {}", why);
        throw std::runtime_error("background scenario rejected: " + why);
    }
    load::Scenario sc = parsed.value();
    load::ScenarioOverrides o;
    o.target = target;
    o.rate = rate;
    if (auto errs = load::apply_overrides(sc, o); !errs.empty())
        throw std::runtime_error("background scenario: " + errs.front().field + ": " + errs.front().message);
    return sc;
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
    recorder_.reset();
    recording_problem_.clear();
    saved_id_.clear();
    if (recordEvents && !runs_db_.isEmpty() && !startRecording(scenario, opt))
        spdlog::warn("load run not saved in {}: {}", runs_db_.toStdString(),
                     recording_problem_.toStdString());
    // Agent-side thresholds and a scenario's rollout talk to the agent whose API the run drives, with this
    // dashboard's token for it (not the scenario file's agent.url and token variable).
    if (AgentConnection* c = agentId.isEmpty() ? nullptr : d_->connection(agentId)) {
        const QString token = c->token().isEmpty() ? c->config().resolveToken(nullptr) : c->token();
        auto client = std::make_shared<AgentClient>(c->config().url.toStdString(), token.toStdString(),
                                                    std::chrono::seconds(2));
        const QString actor = c->actor();
        client->set_actor((actor.isEmpty() ? QStringLiteral("redline dashboard") : actor).toStdString());
        // Both run on the engine's control thread only, one call at a time.
        opt.agent_snapshot = [client](int window_s, std::string* err) -> std::optional<Snapshot> {
            auto r = client->snapshot(window_s);
            if (!r.ok()) {
                if (err) *err = r.error_message();
                return std::nullopt;
            }
            return r.value;
        };
        opt.agent_call = [client](std::string_view method, std::string_view path,
                                  const nlohmann::json* body) {
            return client->call_json(method, path, body);
        };
        if (scenario.agent.url.empty()) scenario.agent.url = c->config().url.toStdString();
    }
    const std::string name = scenario.name, target = scenario.target;
    const double planned = scenario.duration_s();
    try {
        engine_ = std::make_unique<load::Engine>(std::move(scenario), std::move(opt));
        engine_->start();
    } catch (const std::exception& e) {
        engine_.reset();
        if (recorder_) {  // the run never went: its row goes too
            recorder_.reset();
            std::string why;
            if (auto store =
                    load::RunStore::open(runs_db_.toStdString(), load::RunStore::Mode::MustExist, &why))
                try {
                    store->remove(saved_id_.toStdString());
                } catch (const load::RunStoreError& re) {
                    spdlog::warn("runs database {}: {}", runs_db_.toStdString(), re.what());
                }
            saved_id_.clear();
        }
        if (error) *error = QString::fromUtf8(e.what());
        return false;
    }
    running_ = true;
    emit recordingChanged();
    emit runningChanged(true);
    postRunEvents({{"loadtest.started",
                    "load test " + name + " started against " + target,
                    {{"scenario", name}, {"target", target}, {"planned_s", planned}}}});
    return true;
}

void LoadController::postRunEvents(std::vector<RunEvent> events) {
    if (!record_events_ || agent_.isEmpty() || events.empty()) return;
    AgentConnection* c = d_->connection(agent_);
    Dashboard* d = d_;
    const QString agent = agent_;
    auto local = [d, agent](const std::vector<RunEvent>& evs, const std::string& why) {
        for (const auto& e : evs)
            d->addLocalEvent(agent, e.kind, e.message + " (seen by this dashboard only: " + why + ")",
                             nullptr, e.after);
    };
    if (!c) return;
    if (c->role() != QLatin1String("operator")) {
        local(events, "the agent's token is not an operator token");
        return;
    }
    // Posted to the agent's log in order, so every client of the agent sees them (they come back on the
    // stream like the agent's own events); what the agent refuses stays a local event, marked as such.
    const std::string by = d_->operatorName().toStdString();
    using Posted = std::vector<std::pair<RunEvent, std::string>>;  // (event, error) of those not recorded
    c->call<Posted>(
        [events = std::move(events), by](AgentClient& client) {
            Posted failed;
            for (const auto& e : events) {
                auto r = client.post_event(e.kind, e.message, e.after, by);
                if (!r.ok()) failed.emplace_back(e, r.error_message());
            }
            return failed;
        },
        [local](Posted failed) {
            for (const auto& [e, why] : failed)
                local({e}, "the agent refused it: " + why);
        });
}

void LoadController::stop(const QString& reason) {
    if (engine_ && running_) engine_->stop(reason.toStdString());
}

void LoadController::stopAndWait() {
    ++generation_;  // drop any result still queued
    if (engine_) {
        engine_->stop("dashboard closing");
        const load::Summary s = engine_->wait();
        engine_.reset();
        if (recorder_) {  // the run ends stopped, and is kept as such
            const auto res = recorder_->finish(s);
            if (!res.saved) spdlog::warn("the end of run {} could not be stored: {}", res.id, res.error);
        }
    }
    recorder_.reset();
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
        // A second in which nothing completed has no latency (absence is not zero).
        const double nan = std::numeric_limits<double>::quiet_NaN();
        const bool any = p.total.latency.has_value();
        set(Metric::P50, any ? p.latency.p50_ms : nan);
        set(Metric::P95, any ? p.latency.p95_ms : nan);
        set(Metric::P99, any ? p.latency.p99_ms : nan);
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
    if (recorder_) {
        // The end is one transaction, but a write may wait for another process's lock: off the GUI thread.
        std::shared_ptr<load::RunRecorder> rec = std::move(recorder_);
        QPointer<LoadController> self(this);
        runOnPool([rec, s, self] {
            const auto res = rec->finish(s);
            QMetaObject::invokeMethod(
                QCoreApplication::instance(),
                [self, res] {
                    if (!self) return;
                    const QString id = QString::fromStdString(res.id);
                    if (!res.saved) {
                        self->recording_problem_ = tr("the end of the run could not be stored: %1")
                                                       .arg(QString::fromStdString(res.error));
                        emit self->recordingChanged();
                    } else if (res.seconds_lost) {
                        self->recording_problem_ = tr("%1 seconds could not be stored: %2")
                                                       .arg(res.seconds_lost)
                                                       .arg(QString::fromStdString(res.write_error));
                        emit self->recordingChanged();
                    }
                    emit self->runSaved(id, res.saved);
                },
                Qt::QueuedConnection);
        });
    }
    {
        const bool aborted = s.outcome == load::RunOutcome::Aborted || s.outcome == load::RunOutcome::Error;
        std::string outcome(load::to_string(s.outcome));
        std::vector<RunEvent> events;
        events.push_back(
            {aborted ? "loadtest.aborted" : "loadtest.finished",
             "load test " + s.scenario + " " + outcome + (s.reason.empty() ? "" : ": " + s.reason),
             {{"outcome", outcome},
              {"completed", s.completed},
              {"failed", s.errors},
              {"rate_limited", s.rate_limited},
              {"p99_ms", s.latency.p99_ms},
              {"error_ratio", s.error_ratio}}});
        for (const auto& t : s.thresholds)
            if (!t.passed)
                events.push_back({"threshold.breached",
                                  "threshold " + t.threshold.expr + " failed",
                                  {{"expr", t.threshold.expr}, {"observed", t.observed}}});
        postRunEvents(std::move(events));
    }
    emit runningChanged(false);
    emit finished(s);
}

}  // namespace redline::ui
