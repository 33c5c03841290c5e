// GUI test of issue 12 §1/§3 as an operator sees it: the Canary tab of an agent that is a redline-proxy shows
// the proxy's upstream backends (pool, address, health check, circuit, in flight, requests, failures) from
// its /v1/info, and when the canary upstream process is killed the row turns unhealthy and the note says
// where the canary's share goes now, as the proxy's own /v1/info says. Real processes only: two
// redline-sample-servers (stable and canary, two versions) behind a real redline-proxy on port 0. An agent
// that is not a proxy shows no backends box.
#include <QApplication>
#include <QGroupBox>
#include <QLabel>
#include <QStandardPaths>
#include <QTableView>
#include <QTemporaryDir>
#include <QtTest>

#include "core/agent_client.h"
#include "tests/integration/tst_proxy_support.h"
#include "tests/support/gui_fixture.h"
#include "tests/support/raw_http.h"
#include "ui/models/backends_model.h"
#include "ui/pages/canary_panel.h"
#include "ui/session/dashboard.h"
#include "ui/widgets/theme.h"

using namespace redline;
using namespace redline::ui;

static void initRedlineResources() {
    Q_INIT_RESOURCE(redline);  // the themes' style sheets, for the screenshots
}

namespace {
constexpr int kTimeout = 20000;

int rowOfPool(const BackendsModel* m, const QString& pool) {
    for (int r = 0; r < m->rowCount(); ++r)
        if (m->index(r, BackendsModel::PoolCol).data().toString() == pool) return r;
    return -1;
}

QString cell(const BackendsModel* m, const QString& pool, int col) {
    const int r = rowOfPool(m, pool);
    return r < 0 ? QString() : m->index(r, col).data().toString();
}
}  // namespace

class TestProxyBackends : public QObject {
    Q_OBJECT
  private slots:
    void initTestCase();
    void cleanupTestCase();
    void backendsShownAndAKilledCanaryIsSeen();
    void anAgentThatIsNotAProxyShowsNoBackends();

  private:
    QTemporaryDir dir_;
    std::unique_ptr<CurlGlobal> curl_;
    std::unique_ptr<SampleServerProcess> stable_, canary_;
    test::ProxyProcess proxy_;
};

void TestProxyBackends::initTestCase() {
    QStandardPaths::setTestModeEnabled(true);
    if (qEnvironmentVariableIsSet("REDLINE_SCREENSHOT_DIR")) {
        initRedlineResources();
        Theme::apply(*qApp, Theme::Mode::System);
    }
    curl_ = std::make_unique<CurlGlobal>();
    QVERIFY(dir_.isValid());
    stable_ = test::startSampleServer(dir_.filePath("stable"), 50);
    canary_ = test::startSampleServer(dir_.filePath("canary"), 50);
    QVERIFY2(stable_ && canary_, "redline-sample-server did not start (is it built?)");
    QVERIFY(proxy_.start({"--upstream", "stable=" + stable_->apiUrl(), "--upstream",
                          "canary=" + canary_->apiUrl(), "--health-path", "/healthz", "--health-interval-ms",
                          "300"}));
}

void TestProxyBackends::cleanupTestCase() {
    proxy_
        .stop();  // stopped (and its exit code checked) by the first test; here only if that one failed early
    if (stable_) QVERIFY(stable_->stop(10000));
}

void TestProxyBackends::backendsShownAndAKilledCanaryIsSeen() {
    Dashboard d;
    d.setStreamIntervalMs(250);
    AgentConfig c;
    c.name = "proxy";
    c.url = proxy_.proc().admin_url();
    c.token = proxy_.proc().token("operator");
    const QString id = d.addAgent(c);
    QVERIFY(test::waitLive(d, id, kTimeout));

    CanaryPanel panel(&d);
    panel.resize(1100, 700);
    panel.setAgent(id);
    panel.show();
    QVERIFY(QTest::qWaitForWindowExposed(&panel));
    auto* box = panel.findChild<QWidget*>("backendsBox");
    auto* note = panel.findChild<QLabel*>("backendsNote");
    QVERIFY(box && note);
    const BackendsModel* m = panel.backends();
    QTRY_VERIFY_WITH_TIMEOUT(box->isVisible() && m->rowCount() == 2, kTimeout);
    // The proxy ignores the canary control's fault knobs: they are disabled and say where faults go.
    auto* faults = panel.findChild<QGroupBox*>("faultBox");
    QVERIFY(faults && !faults->isEnabled());
    QVERIFY2(faults->title().contains("not in redline-proxy"), qPrintable(faults->title()));
    QVERIFY2(faults->toolTip().contains("canary service's own agent"), qPrintable(faults->toolTip()));
    QCOMPARE(cell(m, "canary", BackendsModel::UrlCol), canary_->apiUrl());
    QCOMPARE(cell(m, "stable", BackendsModel::UrlCol), stable_->apiUrl());
    QTRY_COMPARE_WITH_TIMEOUT(cell(m, "canary", BackendsModel::CircuitCol), QStringLiteral("closed"),
                              kTimeout);
    QVERIFY2(note->text().contains("GET /healthz every 300 ms"), qPrintable(note->text()));
    QVERIFY(!note->text().contains("No canary backend"));
    const QString healthyText = cell(m, "canary", BackendsModel::HealthCol);

    // Traffic through the proxy: the requests column counts what the proxy sent to each backend.
    AgentClient admin(proxy_.proc().admin_url().toStdString(), proxy_.proc().token("operator").toStdString());
    CanaryConfig half;
    half.weight_percent = 50;
    QVERIFY(admin.set_canary(half).ok());
    for (int i = 0; i < 40; ++i)
        QCOMPARE(test::http_request(proxy_.port(), "GET", "/v1/products?page_size=1",
                                    {{"X-API-Key", "c" + std::to_string(i)}})
                     .status,
                 200);
    QTRY_VERIFY_WITH_TIMEOUT(cell(m, "canary", BackendsModel::RequestsCol).toInt() > 0 &&
                                 cell(m, "stable", BackendsModel::RequestsCol).toInt() > 0 &&
                                 cell(m, "canary", BackendsModel::RequestsCol).toInt() +
                                         cell(m, "stable", BackendsModel::RequestsCol).toInt() >=
                                     40,
                             kTimeout);
    test::shot(&panel, "proxy-backends");

    // The canary process dies: the health check marks it down within an interval or two; the panel follows
    // (timer refresh of /v1/info and the proxy.backend event) and says the canary's share goes to stable.
    canary_->kill();
    QTRY_VERIFY_WITH_TIMEOUT(cell(m, "canary", BackendsModel::HealthCol) != healthyText, kTimeout);
    QTRY_VERIFY_WITH_TIMEOUT(note->text().contains("the canary's share goes to stable"), kTimeout);
    const int canaryRow = rowOfPool(m, "canary");
    QVERIFY(!BackendsModel::usable(m->backendAt(canaryRow)));
    // What the panel shows is what the proxy says.
    auto info = admin.info();
    QVERIFY(info.ok());
    QVERIFY(info.value->proxy.has_value());
    bool agentSaysDown = false;
    for (const auto& b : info.value->proxy->backends)
        if (b.pool == "canary") agentSaysDown = !b.healthy || b.circuit == "open";
    QVERIFY(agentSaysDown);
    // Requests still succeed: the canary's share is answered by stable.
    for (int i = 0; i < 10; ++i)
        QCOMPARE(test::http_request(proxy_.port(), "GET", "/v1/products?page_size=1",
                                    {{"X-API-Key", "k" + std::to_string(i)}})
                     .status,
                 200);
    test::shot(&panel, "proxy-backends-canary-down");

    // The proxy itself goes away: the table greys out and the note says its figures are the last contact's.
    QCOMPARE(proxy_.stop(), 0);  // a clean stop (SIGTERM drain)
    auto* table = panel.findChild<QTableView*>("backendsTable");
    QTRY_VERIFY_WITH_TIMEOUT(!table->isEnabled(), kTimeout);
    QVERIFY2(note->text().contains("not live"), qPrintable(note->text()));
    test::shot(&panel, "proxy-backends-proxy-gone");
}

void TestProxyBackends::anAgentThatIsNotAProxyShowsNoBackends() {
    Dashboard d;
    const QString id = test::addAgent(d, "stable", *stable_);
    QVERIFY(test::waitLive(d, id, kTimeout));
    CanaryPanel panel(&d);
    panel.setAgent(id);
    panel.show();
    QVERIFY(QTest::qWaitForWindowExposed(&panel));
    QTest::qWait(500);
    QVERIFY(!panel.findChild<QWidget*>("backendsBox")->isVisible());
    QCOMPARE(panel.backends()->rowCount(), 0);
    QVERIFY(panel.findChild<QGroupBox*>("faultBox")->isEnabled());
}

QTEST_MAIN(TestProxyBackends)
#include "tst_proxy_backends.moc"
