#include "ui/models/runs_model.h"

#include <QDateTime>
#include <QFont>
#include <QSet>
#include <cmath>

#include "ui/widgets/verdict_colors.h"

namespace redline::ui {

namespace {
QString durationText(double s) {
    if (s < 60) return QStringLiteral("%1 s").arg(s, 0, 'f', s < 10 ? 1 : 0);
    const int t = static_cast<int>(s + 0.5);
    return t >= 3600 ? QStringLiteral("%1 h %2 min").arg(t / 3600).arg((t % 3600) / 60)
                     : QStringLiteral("%1 min %2 s").arg(t / 60).arg(t % 60);
}
}  // namespace

void RunsModel::setRuns(std::vector<load::StoredRun> runs) {
    beginResetModel();
    runs_ = std::move(runs);
    endResetModel();
}

void RunsModel::setDark(bool dark) {
    dark_ = dark;
    if (!runs_.empty()) emit dataChanged(index(0, 0), index(rowCount() - 1, ColumnCount - 1));
}

int RunsModel::rowOf(const QString& id) const {
    const std::string s = id.toStdString();
    for (std::size_t i = 0; i < runs_.size(); ++i)
        if (runs_[i].id == s) return static_cast<int>(i);
    return -1;
}

const load::StoredRun* RunsModel::run(const QString& id) const {
    const int r = rowOf(id);
    return r < 0 ? nullptr : &runs_[std::size_t(r)];
}

QStringList RunsModel::scenarios() const {
    QStringList out;
    QSet<QString> seen;
    for (const auto& r : runs_) {
        const QString s = QString::fromStdString(r.scenario);
        if (!seen.contains(s)) {
            seen.insert(s);
            out << s;
        }
    }
    out.sort(Qt::CaseInsensitive);
    return out;
}

QString RunsModel::outcomeOf(const load::StoredRun& r) {
    return r.complete ? QString::fromStdString(r.outcome) : QStringLiteral("incomplete");
}

std::uint64_t RunsModel::failuresOf(const load::StoredRun& r) {
    if (r.complete && r.summary.is_object()) {
        const auto it = r.summary.find("errors");
        if (it != r.summary.end() && it->is_number_unsigned()) return it->get<std::uint64_t>();
    }
    return r.error_ratio ? static_cast<std::uint64_t>(std::llround(*r.error_ratio * double(r.requests))) : 0;
}

int RunsModel::rowCount(const QModelIndex& parent) const {
    return parent.isValid() ? 0 : static_cast<int>(runs_.size());
}

int RunsModel::columnCount(const QModelIndex& parent) const {
    return parent.isValid() ? 0 : ColumnCount;
}

QVariant RunsModel::data(const QModelIndex& index, int role) const {
    if (!index.isValid() || index.row() >= rowCount()) return {};
    const load::StoredRun& r = runs_[std::size_t(index.row())];
    const QString outcome = outcomeOf(r);
    switch (role) {
        case IdRole:
            return QString::fromStdString(r.id);
        case OutcomeRole:
            return outcome;
        case ScenarioRole:
            return QString::fromStdString(r.scenario);
        default:
            break;
    }
    const std::uint64_t failures = failuresOf(r);
    if (role == Qt::DisplayRole || role == SortRole) {
        const bool sort = role == SortRole;
        switch (index.column()) {
            case StartedCol:
                return sort ? QVariant(qint64(r.started_ms))
                            : QVariant(QDateTime::fromMSecsSinceEpoch(r.started_ms)
                                           .toString(QStringLiteral("yyyy-MM-dd HH:mm:ss")));
            case ScenarioCol:
                return QString::fromStdString(r.scenario);
            case OutcomeCol:
                return outcome;
            case DurationCol:
                return sort ? QVariant(r.duration_s) : QVariant(durationText(r.duration_s));
            case RequestsCol:
                return sort ? QVariant(qulonglong(r.requests)) : QVariant(QString::number(r.requests));
            case FailuresCol:
                if (sort) return qulonglong(failures);
                if (!r.requests) return QStringLiteral("—");
                return QStringLiteral("%1 (%2 %)")
                    .arg(failures)
                    .arg(r.error_ratio.value_or(0) * 100, 0, 'f', 2);
            case P99Col:
                if (sort) return r.p99_ms ? QVariant(*r.p99_ms) : QVariant(-1.0);
                return r.p99_ms
                           ? QVariant(QStringLiteral("%1 ms").arg(*r.p99_ms, 0, 'f', *r.p99_ms < 10 ? 2 : 1))
                           : QVariant(QStringLiteral("—"));
            case TargetCol:
                return QString::fromStdString(r.target);
            default:
                return {};
        }
    }
    if (role == Qt::TextAlignmentRole) {
        const int c = index.column();
        if (c == DurationCol || c == RequestsCol || c == FailuresCol || c == P99Col)
            return QVariant(Qt::AlignRight | Qt::AlignVCenter);
        return QVariant(Qt::AlignLeft | Qt::AlignVCenter);
    }
    if (role == Qt::ForegroundRole) {
        if (index.column() == OutcomeCol) {
            if (!r.complete) return verdict::warning(dark_);
            return r.outcome == "passed" ? verdict::good(dark_) : verdict::bad(dark_);
        }
        if (index.column() == FailuresCol && failures > 0) return verdict::bad(dark_);
        return {};
    }
    if (role == Qt::FontRole && !r.complete) {
        QFont f;
        f.setItalic(true);
        return f;
    }
    if (role == Qt::ToolTipRole) {
        if (!r.complete)
            return tr("No end was recorded: the run is still going on, or the process that ran it (pid %1 on "
                      "%2) stopped before the end. Its figures come from the seconds stored so far.")
                .arg(r.pid)
                .arg(QString::fromStdString(r.host));
        return tr("run %1 · %2 · exit code %3%4")
            .arg(QString::fromStdString(r.id), QString::fromStdString(r.executor))
            .arg(r.exit_code.value_or(-1))
            .arg(r.reason.empty() ? QString() : QStringLiteral(" · ") + QString::fromStdString(r.reason));
    }
    return {};
}

QVariant RunsModel::headerData(int section, Qt::Orientation o, int role) const {
    if (o != Qt::Horizontal || role != Qt::DisplayRole) return {};
    switch (section) {
        case StartedCol:
            return tr("Started");
        case ScenarioCol:
            return tr("Scenario");
        case OutcomeCol:
            return tr("Outcome");
        case DurationCol:
            return tr("Duration");
        case RequestsCol:
            return tr("Requests");
        case FailuresCol:
            return tr("Failures");
        case P99Col:
            return tr("p99");
        case TargetCol:
            return tr("Target");
        default:
            return {};
    }
}

RunsFilter::RunsFilter(QObject* parent) : QSortFilterProxyModel(parent) {
    setSortRole(RunsModel::SortRole);
}

void RunsFilter::setText(const QString& text) {
    words_ = text.simplified().split(' ', Qt::SkipEmptyParts);
    invalidateFilter();
}

void RunsFilter::setScenario(const QString& scenario) {
    scenario_ = scenario;
    invalidateFilter();
}

void RunsFilter::setOutcome(const QString& outcome) {
    outcome_ = outcome;
    invalidateFilter();
}

bool RunsFilter::filterAcceptsRow(int row, const QModelIndex& parent) const {
    const QModelIndex i = sourceModel()->index(row, 0, parent);
    const QString scenario = i.data(RunsModel::ScenarioRole).toString();
    const QString outcome = i.data(RunsModel::OutcomeRole).toString();
    if (!scenario_.isEmpty() && scenario != scenario_) return false;
    if (!outcome_.isEmpty() && outcome != outcome_) return false;
    if (words_.isEmpty()) return true;
    const QString hay = scenario + ' ' + outcome + ' ' + i.data(RunsModel::IdRole).toString() + ' ' +
                        sourceModel()->index(row, RunsModel::TargetCol, parent).data().toString() + ' ' +
                        sourceModel()->index(row, RunsModel::StartedCol, parent).data().toString();
    for (const auto& w : words_)
        if (!hay.contains(w, Qt::CaseInsensitive)) return false;
    return true;
}

}  // namespace redline::ui
