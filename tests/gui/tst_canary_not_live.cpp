// GUI test of the Canary tab's tables when their agent goes away, against real processes (port 0): the
// stable-versus-canary table reads sub-millisecond latencies in µs (never "0.0 ms") and, after kill -9 of the
// sample server, greys every figure, drops its worse / better colours and says it is not live; the upstream
// backends table of a redline-proxy turns from health colours to grey when the proxy is killed. Screenshots
// with REDLINE_SCREENSHOT_DIR.
#include <QBrush>
#include <QGroupBox>
#include <QLabel>
#include <QStandardPaths>
#include <QTableView>
#include <QTemporaryDir>
#include <QtTest>

#include "core/agent_client.h"
#include "core/control.h"
#include "tests/integration/tst_proxy_support.h"
#include "tests/support/gui_fixture.h"
#include "tests/support/rollout_gui.h"
#include "ui/models/backends_model.h"
#include "ui/models/comparison_model.h"
#include "ui/models/figure_text.h"
#include "ui/pages/canary_panel.h"
#include "ui/session/dashboard.h"
#include "ui/widgets/health_colors.h"
#include "ui/widgets/theme.h"

using namespace redline;
using namespace redline::ui;

static void initRedlineResources() {
    Q_INIT_RESOURCE(redline);  // the themes' style sheets, for the screenshots
}

namespace {
constexpr int kTimeout = 20000;

QColor foreground(const QAbstractItemModel& m, int row, int col) {
    const QVariant v = m.index(row, col).data(Qt::ForegroundRole);
    if (v.canConvert<QBrush>() && v.typeId() == QMetaType::QBrush) return v.value<QBrush>().color();
    return v.value<QColor>();
}
}  // namespace

class TestCanaryNotLive : public QObject {
    Q_OBJECT
  private slots:
    void initTestCase();
    void comparisonReadsMicrosecondsAndGreysWhenKilled();
    void backendsGreyWhenTheProxyIsKilled();

  private:
    QTemporaryDir dir_;
    std::unique_ptr<CurlGlobal> curl_;
};

void TestCanaryNotLive::initTestCase() {
    QStandardPaths::setTestModeEnabled(true);
    if (qEnvironmentVariableIsSet("REDLINE_SCREENSHOT_DIR")) {
        initRedlineResources();
        Theme::apply(*qApp, Theme::Mode::System);
    }
    curl_ = std::make_unique<CurlGlobal>();
    QVERIFY(dir_.isValid());
}

void TestCanaryNotLive::comparisonReadsMicrosecondsAndGreysWhenKilled() {
    auto server = test::startSampleServer(dir_.filePath("sample"), 50, 1);
    QVERIFY2(server, "redline-sample-server did not start (is it built?)");
    auto token = read_token_file(server->operatorTokenFile().toStdString());
    QVERIFY(token);
    AgentClient admin(server->adminUrl().toStdString(), *token);
    CanaryConfig half;
    half.weight_percent = 50;
    QVERIFY(admin.set_canary(half).ok());

    Dashboard d;
    d.setStreamIntervalMs(250);
    const QString id = test::addAgent(d, "sample", *server);
    QVERIFY(test::waitLive(d, id, kTimeout));
    CanaryPanel panel(&d);
    panel.resize(1280, 1000);
    panel.setAgent(id);
    panel.show();
    QVERIFY(QTest::qWaitForWindowExposed(&panel));
    const ComparisonModel* m = panel.comparison();
    auto* table = panel.findChild<QTableView*>("comparisonTable");
    QVERIFY(table);
    test::Traffic traffic(server->apiPort());
    QTRY_VERIFY_WITH_TIMEOUT(m->hasTraffic(ComparisonModel::Stable) &&
                                 m->hasTraffic(ComparisonModel::Canary) &&
                                 m->value(ComparisonModel::P95Row, ComparisonModel::Stable).has_value(),
                             kTimeout);
    QVERIFY(!m->stale());
    QVERIFY(table->isEnabled());

    // Latency in adaptive units: the cell is the shared figure text of the value, and a value under 1 ms
    // (the sample server answers a cached read in microseconds) reads in µs, never "0.0 ms".
    for (int row : {int(ComparisonModel::P95Row), int(ComparisonModel::P99Row)})
        for (int col : {int(ComparisonModel::Stable), int(ComparisonModel::Canary)}) {
            const auto v = m->value(row, col);
            if (!v) continue;
            const QString text = m->index(row, col).data().toString();
            QCOMPARE(text, latencyText(*v));
            QVERIFY2(!text.startsWith("0.0 ") && !text.startsWith("0.00 "), qPrintable(text));
            if (*v < 1.0) QVERIFY2(text.endsWith(QStringLiteral(" µs")), qPrintable(text));
        }
    QVERIFY(m->index(ComparisonModel::P95Row, ComparisonModel::Difference).data().toString() != "+0.0 ms");
    test::shot(&panel, "canary-live");

    // kill -9: the figures stay (the last word), greyed, without verdict colours, and say so.
    server->kill();
    QTRY_VERIFY_WITH_TIMEOUT(m->stale(), kTimeout);
    QVERIFY(!table->isEnabled());
    for (int r = 0; r < m->rowCount(); ++r)
        for (int c = 0; c < m->columnCount(); ++c) {
            QCOMPARE(foreground(*m, r, c), colors::stale);
            QVERIFY(!m->index(r, c).data(Qt::BackgroundRole).isValid());
        }
    QVERIFY(m->value(ComparisonModel::RateRow, ComparisonModel::Stable).has_value());
    QLabel* note = nullptr;
    for (auto* l : table->parentWidget()->findChildren<QLabel*>("staleLabel"))
        if (l->isVisible()) note = l;
    QVERIFY(note);
    QVERIFY2(note->text().startsWith("Not live"), qPrintable(note->text()));
    test::shot(&panel, "canary-not-live");
}

void TestCanaryNotLive::backendsGreyWhenTheProxyIsKilled() {
    auto stable = test::startSampleServer(dir_.filePath("stable"), 50, 1);
    auto canary = test::startSampleServer(dir_.filePath("canary"), 50, 1);
    QVERIFY2(stable && canary, "redline-sample-server did not start (is it built?)");
    test::ProxyProcess proxy;
    QVERIFY(
        proxy.start({"--upstream", "stable=" + stable->apiUrl(), "--upstream", "canary=" + canary->apiUrl(),
                     "--health-path", "/healthz", "--health-interval-ms", "300"}));
    Dashboard d;
    d.setStreamIntervalMs(250);
    AgentConfig c;
    c.name = "proxy";
    c.url = proxy.proc().admin_url();
    c.token = proxy.proc().token("operator");
    const QString id = d.addAgent(c);
    QVERIFY(test::waitLive(d, id, kTimeout));
    CanaryPanel panel(&d);
    panel.resize(1100, 900);
    panel.setAgent(id);
    panel.show();
    QVERIFY(QTest::qWaitForWindowExposed(&panel));
    const BackendsModel* m = panel.backends();
    QTRY_VERIFY_WITH_TIMEOUT(m->rowCount() == 2 && m->backendAt(0).healthy && m->backendAt(1).healthy,
                             kTimeout);
    const bool dark = panel.palette().color(QPalette::Window).lightness() < 128;
    QCOMPARE(foreground(*m, 0, BackendsModel::HealthCol), *healthColor(Health::Good, dark));
    QVERIFY(!m->stale());

    proxy.proc().kill();  // SIGKILL
    QTRY_VERIFY_WITH_TIMEOUT(m->stale(), kTimeout);
    QCOMPARE(m->rowCount(), 2);  // the last contact's figures stay
    for (int r = 0; r < m->rowCount(); ++r)
        for (int col = 0; col < m->columnCount(); ++col)
            QCOMPARE(foreground(*m, r, col), *healthColor(Health::Stale, dark));
    auto* note = panel.findChild<QLabel*>("backendsNote");
    QVERIFY(note);
    QVERIFY2(note->text().contains("not live"), qPrintable(note->text()));
    QVERIFY(!panel.findChild<QTableView*>("backendsTable")->isEnabled());
    test::shot(&panel, "canary-backends-not-live");
    QVERIFY(stable->stop(10000));
    QVERIFY(canary->stop(10000));
}

QTEST_MAIN(TestCanaryNotLive)
#include "tst_canary_not_live.moc"
