#include "ui/pages/events_page.h"

#include <QCheckBox>
#include <QComboBox>
#include <QDateTime>
#include <QFile>
#include <QFileDialog>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QScrollBar>
#include <QSet>
#include <QStandardPaths>
#include <QTableView>
#include <QTextStream>
#include <QVBoxLayout>
#include <nlohmann/json.hpp>

#include "ui/models/events_model.h"
#include "ui/session/dashboard.h"

namespace redline::ui {

namespace {
QString family(const QString& kind) {
    const int dot = kind.indexOf('.');
    return dot < 0 ? kind : kind.left(dot);
}

QString csvField(QString s) {
    if (s.contains(',') || s.contains('"') || s.contains('\n')) s = '"' + s.replace('"', "\"\"") + '"';
    return s;
}
}  // namespace

void EventsFilter::setAgent(const QString& agentId) {
    agent_ = agentId;
    invalidateFilter();
}
void EventsFilter::setKindFamily(const QString& f) {
    family_ = f;
    invalidateFilter();
}
void EventsFilter::setText(const QString& text) {
    text_ = text.trimmed();
    invalidateFilter();
}

bool EventsFilter::filterAcceptsRow(int row, const QModelIndex& parent) const {
    const QAbstractItemModel* m = sourceModel();
    if (!agent_.isEmpty() && m->index(row, 0, parent).data(EventsModel::AgentIdRole).toString() != agent_)
        return false;
    if (!family_.isEmpty() && family(m->index(row, EventsModel::Kind, parent).data().toString()) != family_)
        return false;
    if (text_.isEmpty()) return true;
    for (int c = 0; c < EventsModel::ColumnCount; ++c)
        if (m->index(row, c, parent).data().toString().contains(text_, Qt::CaseInsensitive)) return true;
    return false;
}

EventsPage::EventsPage(Dashboard* dashboard, QWidget* parent) : Page(parent), d_(dashboard) {
    filter_ = new EventsFilter(this);
    filter_->setSourceModel(d_->eventsModel());
    search_ = new QLineEdit;
    search_->setObjectName("eventsSearch");
    search_->setPlaceholderText(tr("Search events (kind, who, summary, values)…"));
    search_->setClearButtonEnabled(true);
    agent_box_ = new QComboBox;
    agent_box_->setObjectName("eventsAgent");
    kind_box_ = new QComboBox;
    kind_box_->setObjectName("eventsKind");
    follow_ = new QCheckBox(tr("Follow new events"));
    follow_->setObjectName("eventsFollow");
    follow_->setChecked(true);
    count_ = new QLabel;
    count_->setObjectName("mutedLabel");
    auto* csv = new QPushButton(tr("Export CSV…"));
    csv->setObjectName("eventsExportCsv");
    auto* json = new QPushButton(tr("Export JSON…"));
    json->setObjectName("eventsExportJson");

    view_ = new QTableView;
    view_->setObjectName("eventsView");
    view_->setModel(filter_);
    view_->verticalHeader()->hide();
    // Every column on screen at a typical width: the summary takes what is left.
    view_->horizontalHeader()->setSectionResizeMode(QHeaderView::Interactive);
    view_->horizontalHeader()->setSectionResizeMode(EventsModel::Message, QHeaderView::Stretch);
    view_->setSelectionBehavior(QAbstractItemView::SelectRows);
    view_->setSelectionMode(QAbstractItemView::SingleSelection);
    view_->setAlternatingRowColors(true);
    view_->setTabKeyNavigation(false);
    view_->setWordWrap(false);
    view_->setColumnWidth(EventsModel::Time, 140);
    view_->setColumnWidth(EventsModel::Agent, 100);
    view_->setColumnWidth(EventsModel::Kind, 120);
    view_->setColumnWidth(EventsModel::Actor, 100);
    view_->setColumnWidth(EventsModel::Before, 150);
    view_->setColumnWidth(EventsModel::After, 150);

    auto* bar = new QHBoxLayout;
    bar->addWidget(search_, 1);
    bar->addWidget(new QLabel(tr("Agent")));
    bar->addWidget(agent_box_);
    bar->addWidget(new QLabel(tr("Kind")));
    bar->addWidget(kind_box_);
    auto* foot = new QHBoxLayout;
    foot->addWidget(count_, 1);
    foot->addWidget(follow_);
    foot->addWidget(csv);
    foot->addWidget(json);
    auto* lay = new QVBoxLayout(this);
    lay->addLayout(bar);
    lay->addWidget(view_, 1);
    lay->addLayout(foot);

    connect(search_, &QLineEdit::textChanged, this, [this](const QString& t) {
        filter_->setText(t);
        updateCount();
    });
    connect(agent_box_, &QComboBox::currentIndexChanged, this, [this] {
        filter_->setAgent(agent_box_->currentData().toString());
        updateCount();
    });
    connect(kind_box_, &QComboBox::currentIndexChanged, this, [this] {
        filter_->setKindFamily(kind_box_->currentData().toString());
        updateCount();
    });
    connect(filter_, &QAbstractItemModel::rowsInserted, this, [this] {
        refreshFilters();
        updateCount();
        if (follow_->isChecked()) view_->scrollToBottom();
    });
    connect(filter_, &QAbstractItemModel::rowsRemoved, this, &EventsPage::updateCount);
    // Scrolling up to read pauses following; back at the bottom it follows again.
    connect(view_->verticalScrollBar(), &QScrollBar::valueChanged, this, [this](int v) {
        if (v < view_->verticalScrollBar()->maximum()) follow_->setChecked(false);
    });
    connect(follow_, &QCheckBox::toggled, this, [this](bool on) {
        if (on) view_->scrollToBottom();
    });
    auto jump = [this](const QModelIndex& i) {
        emit jumpTo(i.siblingAtColumn(0).data(EventsModel::AgentIdRole).toString(),
                    i.siblingAtColumn(0).data(EventsModel::TimeMsRole).toLongLong());
    };
    // Enter (activated) and double-click; on platforms where a single click activates, both arrive once each.
    connect(view_, &QTableView::activated, this, jump);
    connect(view_, &QTableView::doubleClicked, this, jump);
    connect(csv, &QPushButton::clicked, this, [this] { exportTo(true); });
    connect(json, &QPushButton::clicked, this, [this] { exportTo(false); });
    connect(d_, &Dashboard::agentAdded, this, &EventsPage::refreshFilters);
    connect(d_, &Dashboard::agentRemoved, this, &EventsPage::refreshFilters);
    refreshFilters();
    updateCount();
}

void EventsPage::refreshFilters() {
    // Agents and kind families as they exist now; the current choice is kept.
    const QString agent = agent_box_->currentData().toString(), kind = kind_box_->currentData().toString();
    QSignalBlocker ba(agent_box_), bk(kind_box_);
    agent_box_->clear();
    agent_box_->addItem(tr("All agents"), QString());
    for (const auto& id : d_->agentIds())
        agent_box_->addItem(d_->agentName(id), id);
    agent_box_->setCurrentIndex(std::max(0, agent_box_->findData(agent)));
    QSet<QString> fams;
    const auto* m = d_->eventsModel();
    for (int r = 0; r < m->rowCount(); ++r)
        fams.insert(family(m->index(r, EventsModel::Kind).data().toString()));
    if (!kind.isEmpty()) fams.insert(kind);
    QStringList sorted(fams.begin(), fams.end());
    sorted.sort();
    kind_box_->clear();
    kind_box_->addItem(tr("All kinds"), QString());
    for (const auto& f : sorted)
        kind_box_->addItem(f, f);
    kind_box_->setCurrentIndex(std::max(0, kind_box_->findData(kind)));
}

void EventsPage::updateCount() {
    count_->setText(tr("%1 of %2 events").arg(filter_->rowCount()).arg(d_->eventsModel()->rowCount()));
}

bool EventsPage::exportCsv(const QString& path) const {
    QFile f(path);
    if (!f.open(QIODevice::WriteOnly | QIODevice::Truncate | QIODevice::Text)) return false;
    QTextStream out(&f);
    out << "# Redline events exported " << QDateTime::currentDateTime().toString(Qt::ISODate) << ", "
        << filter_->rowCount() << " rows; time_ms is unix milliseconds\n";
    out << "time_ms,time,agent,kind,who,summary,before,after\n";
    for (int r = 0; r < filter_->rowCount(); ++r) {
        const QModelIndex i = filter_->index(r, 0);
        out << i.data(EventsModel::TimeMsRole).toLongLong();
        for (int c = 0; c < EventsModel::ColumnCount; ++c)
            out << ',' << csvField(filter_->index(r, c).data().toString());
        out << '\n';
    }
    out.flush();
    return f.error() == QFile::NoError;
}

bool EventsPage::exportJson(const QString& path) const {
    nlohmann::json rows = nlohmann::json::array();
    const auto* model = d_->eventsModel();
    for (int r = 0; r < filter_->rowCount(); ++r) {
        const QModelIndex src = filter_->mapToSource(filter_->index(r, 0));
        const Event& e = model->eventAt(src.row());
        nlohmann::json j = e;
        j["agent"] = src.data(EventsModel::AgentIdRole).toString().toStdString();
        j["agent_name"] = model->index(src.row(), EventsModel::Agent).data().toString().toStdString();
        rows.push_back(std::move(j));
    }
    QFile f(path);
    if (!f.open(QIODevice::WriteOnly | QIODevice::Truncate)) return false;
    const std::string text = rows.dump(2);
    return f.write(text.data(), qint64(text.size())) == qint64(text.size());
}

void EventsPage::exportTo(bool csv) {
    const QString stamp = QDateTime::currentDateTime().toString(QStringLiteral("yyyyMMdd-HHmmss"));
    const QString path =
        QFileDialog::getSaveFileName(this, csv ? tr("Export events as CSV") : tr("Export events as JSON"),
                                     QStandardPaths::writableLocation(QStandardPaths::DocumentsLocation) +
                                         "/redline-events-" + stamp + (csv ? ".csv" : ".json"),
                                     csv ? tr("CSV (*.csv)") : tr("JSON (*.json)"));
    if (path.isEmpty()) return;
    const bool ok = csv ? exportCsv(path) : exportJson(path);
    emit message(ok ? tr("Saved %1 events to %2").arg(filter_->rowCount()).arg(path)
                    : tr("Could not write %1").arg(path),
                 !ok);
}

}  // namespace redline::ui
