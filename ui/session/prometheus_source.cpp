#include "ui/session/prometheus_source.h"

#include <spdlog/spdlog.h>

#include <QCoreApplication>
#include <QDateTime>
#include <QPointer>
#include <algorithm>
#include <chrono>

#include "ui/session/agent_connection.h"  // runOnPool

namespace redline::ui {

namespace {

const char* figureName(FleetFigure f) {
    switch (f) {
        case FleetFigure::Rate:
            return "request-rate";
        case FleetFigure::Status:
            return "status (5xx/429)";
        case FleetFigure::Latency:
            return "latency histogram";
        case FleetFigure::Cache:
            return "cache";
        case FleetFigure::Upstream:
            return "upstream histogram";
    }
    return "?";
}

constexpr std::int64_t kMaxBackfillMs = 15 * 60 * 1000;
// At most this many steps per series in one backfill (at a 1 s refresh: 5 min): 500 instances x 6 figures x
// 300 steps is already ~1M points to evaluate and send.
constexpr std::int64_t kMaxBackfillSteps = 300;
// A backfill may take longer than a refresh; increments may not (a stalled server is said within seconds).
constexpr auto kBackfillTimeout = std::chrono::seconds(60);
constexpr int kMaxBackoffMs = 60'000;
constexpr std::int64_t kProbeEveryMs = 60'000;

}  // namespace

PrometheusSource::PrometheusSource(PrometheusSourceConfig config, std::size_t historySteps, QObject* parent)
    : QObject(parent), config_(std::move(config)), history_steps_(std::max<std::size_t>(historySteps, 1)) {
    timer_.setSingleShot(true);
    connect(&timer_, &QTimer::timeout, this, &PrometheusSource::refreshNow);
}

PrometheusSource::~PrometheusSource() = default;  // a running job keeps the client; its result is dropped

void PrometheusSource::start() {
    QString err;
    const PromAuth auth = config_.auth(&err);
    running_ = true;
    if (!err.isEmpty()) {
        status_ = tr("cannot read the token file: %1").arg(err);
        failures_ = 1;
        Update u;
        u.error = status_;
        emit updated(u);
        return;
    }
    const auto timeout = std::chrono::seconds(std::clamp(config_.refreshS * 3, 5, 30));
    client_ = std::make_shared<PrometheusClient>(config_.url.toStdString(), auth, timeout);
    status_ = tr("connecting to %1").arg(config_.url);
    refreshNow();
}

void PrometheusSource::stop() {
    running_ = false;
    timer_.stop();
}

void PrometheusSource::setFocus(const QStringList& instances) {
    if (instances == focus_) return;
    for (const auto& i : instances)
        if (!focus_.contains(i) && !focus_backfill_.contains(i)) focus_backfill_.append(i);
    focus_backfill_.erase(std::remove_if(focus_backfill_.begin(), focus_backfill_.end(),
                                         [&](const QString& i) { return !instances.contains(i); }),
                          focus_backfill_.end());
    focus_ = instances;
    // The new instance's routes are wanted now, not at the next tick (unless a refresh is under way).
    if (running_ && !in_flight_ && failures_ == 0) refreshNow();
}

void PrometheusSource::schedule(int ms) {
    if (running_) timer_.start(std::max(ms, 0));
}

void PrometheusSource::refreshNow() {
    if (!running_ || in_flight_ || !client_) return;
    in_flight_ = true;
    timer_.stop();
    const std::int64_t step = std::int64_t{config_.refreshS} * 1000;
    const std::int64_t now = QDateTime::currentMSecsSinceEpoch();
    const std::int64_t end = now / step * step;
    const std::int64_t span = std::min(
        {kMaxBackfillMs, static_cast<std::int64_t>(history_steps_ - 1) * step, kMaxBackfillSteps * step});
    const std::int64_t earliest = end - span / step * step;
    // After an outage longer than the backfill, the steps in between stay a gap.
    const std::int64_t start = last_end_ms_ > 0 ? std::max(last_end_ms_ + step, earliest) : earliest;
    const bool probe = last_probe_ms_ == 0 || now - last_probe_ms_ >= kProbeEveryMs;
    FleetMapping m = config_.mapping();
    m.native = native_;
    std::vector<std::string> focus, backfill;
    for (const auto& f : std::as_const(focus_))
        focus.push_back(f.toStdString());
    if (last_end_ms_ > 0)
        for (const auto& f : std::as_const(focus_backfill_))
            backfill.push_back(f.toStdString());
    const int window = config_.windowS;
    const std::int64_t backfill_end = last_end_ms_;

    QPointer<PrometheusSource> self(this);
    const auto timeout = std::chrono::milliseconds(std::clamp(config_.refreshS * 3, 5, 30) * 1000);
    runOnPool([self, client = client_, m, window, step, start, end, earliest, backfill_end, probe, focus,
               backfill, timeout]() mutable {
        client->set_timeout(timeout);
        std::int64_t from = start;
        auto u = std::make_shared<Update>();
        std::optional<bool> native;
        std::optional<QSet<QString>> redline;
        auto deliver = [&] {
            QMetaObject::invokeMethod(
                QCoreApplication::instance(),
                [self, u, end, native, redline, ran = from <= end] {
                    if (self) self->onDone(u, ran ? end : 0, native, redline);
                },
                Qt::QueuedConnection);
        };
        auto timed = [&](auto&& call) {
            const auto t0 = std::chrono::steady_clock::now();
            auto r = call();
            u->query_seconds += std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
            ++u->queries;
            return r;
        };
        auto failed = [&](const char* what, const PromResult<std::vector<PromSeries>>& r) {
            u->error = QStringLiteral("%1 query failed: %2").arg(what, QString::fromStdString(r.error));
            deliver();
        };
        if (probe) {
            auto p = timed([&] { return client->query(fleet_native_probe(m)); });
            if (!p.ok()) return failed("native-histogram probe", p);
            native = !p.value->empty() && !p.value->front().points.empty() &&
                     p.value->front().points.front().second > 0;
            m.native = *native;
            auto ti = timed([&] { return client->query(fleet_target_info_query(m)); });
            if (!ti.ok()) return failed("target_info", ti);
            redline.emplace();
            for (const auto& s : *ti.value) {
                auto sdk = s.labels.find("telemetry_sdk_name");
                auto inst = s.labels.find(m.instance_label);
                if (sdk != s.labels.end() && sdk->second == "redline" && inst != s.labels.end())
                    redline->insert(QString::fromStdString(inst->second));
            }
        }
        auto up = timed([&] { return client->query(fleet_targets_query(m)); });
        if (!up.ok()) return failed("up", up);
        if (up.value->empty()) {
            u->error = QString::fromStdString(fleet_no_target_text(m));
            return deliver();
        }
        for (const auto& s : *up.value) {
            Target t;
            auto inst = s.labels.find(m.instance_label);
            if (inst == s.labels.end()) continue;
            t.instance = inst->second;
            auto job = s.labels.find("job");
            if (job != s.labels.end()) t.job = job->second;
            t.up = !s.points.empty() && s.points.front().second == 1;
            t.pushed = s.labels.count(kFleetTargetLabel) > 0;
            u->targets.push_back(std::move(t));
        }
        // The first backfill is bounded by a budget of points: 500 targets get 60 steps of history at once
        // (3 with native histograms), a handful get 300 (the series store fills on from there).
        if (backfill_end == 0 && !u->targets.empty()) {
            // A native histogram sample is ~10 KB of JSON (its buckets): 20x the budget of a float.
            const std::int64_t budget = m.native ? 1'500 : 30'000;
            const std::int64_t steps = std::clamp<std::int64_t>(
                budget / static_cast<std::int64_t>(u->targets.size()), 3, kMaxBackfillSteps);
            from = std::max(from, end - steps * step);
        }
        if (from <= end) {
            // More than a few steps at once (the first refresh, or after an outage): the backfill timeout.
            client->set_timeout(end - from > 4 * step ? std::chrono::milliseconds(kBackfillTimeout)
                                                      : timeout);
            std::vector<std::pair<FleetFigure, std::vector<PromSeries>>> answers;
            for (const auto& q : fleet_queries(m, window, focus)) {
                auto r = timed([&] { return client->query_range(q.promql, from, end, step); });
                if (!r.ok()) return failed(figureName(q.figure), r);
                if (!q.level.empty()) tag_level(*r.value, q.level);
                answers.emplace_back(q.figure, std::move(*r.value));
            }
            u->frame = fleet_frame(m, window, answers);
        }
        if (!backfill.empty() && backfill_end >= earliest) {
            client->set_timeout(kBackfillTimeout);
            std::vector<std::pair<FleetFigure, std::vector<PromSeries>>> answers;
            for (const auto& q : fleet_queries(m, window, backfill, true)) {
                auto r = timed([&] { return client->query_range(q.promql, earliest, backfill_end, step); });
                if (!r.ok()) return failed(figureName(q.figure), r);
                if (!q.level.empty()) tag_level(*r.value, q.level);
                answers.emplace_back(q.figure, std::move(*r.value));
            }
            u->focus_history = fleet_frame(m, window, answers, true).instances;
        }
        client->set_timeout(timeout);
        u->ok = true;
        deliver();
    });
}

void PrometheusSource::onDone(std::shared_ptr<Update> u, std::int64_t end_ms, std::optional<bool> native,
                              std::optional<QSet<QString>> redline) {
    in_flight_ = false;
    last_queries_ = u->queries;
    last_query_s_ = u->query_seconds;
    if (native) {
        native_ = *native;
        last_probe_ms_ = QDateTime::currentMSecsSinceEpoch();
    }
    if (redline) redline_ = *redline;
    for (auto& t : u->targets)
        t.redline = redline_.contains(QString::fromStdString(t.instance));
    const int step_ms = config_.refreshS * 1000;
    if (!u->ok) {
        ++failures_;
        const int backoff = static_cast<int>(
            std::min<std::int64_t>(kMaxBackoffMs, std::int64_t{step_ms} << std::min(failures_, 16)));
        status_ = tr("%1; retrying in %2 s").arg(u->error).arg(backoff / 1000);
        spdlog::warn("prometheus source {}: {}", config_.name.toStdString(), status_.toStdString());
        emit updated(*u);
        schedule(backoff);
        return;
    }
    if (failures_ > 0) spdlog::info("prometheus source {}: answering again", config_.name.toStdString());
    failures_ = 0;
    ++refreshes_;
    if (end_ms > 0) last_end_ms_ = std::max(last_end_ms_, end_ms);
    for (const auto& [instance, _] : u->focus_history)
        focus_backfill_.removeAll(QString::fromStdString(instance));
    if (end_ms > 0 && u->focus_history.empty() && last_end_ms_ > 0) focus_backfill_.clear();
    status_ = tr("every %1 s · %2 queries in %3 ms%4")
                  .arg(config_.refreshS)
                  .arg(u->queries)
                  .arg(qRound(u->query_seconds * 1000))
                  .arg(native_ ? tr(" · native histograms") : QString());
    emit updated(*u);
    // The next step is due at the next multiple of the step; ask a little after it so its scrapes are in.
    const std::int64_t now = QDateTime::currentMSecsSinceEpoch();
    schedule(static_cast<int>((now / step_ms + 1) * step_ms + 500 - now));
}

}  // namespace redline::ui
