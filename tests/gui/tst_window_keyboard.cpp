// GUI tests of the main window's keyboard and screen behaviour (offscreen, no network: agents are added
// without connecting): the agents dock selects the agent everywhere and is no keyboard trap, removing an
// agent asks first, a saved geometry larger than the screen is fitted to it, Help lists every shortcut, and
// the developer repaint counter stays out of the status bar. Issue 10 §2 (connection UX) and §3.
#include <QAction>
#include <QComboBox>
#include <QDockWidget>
#include <QLabel>
#include <QLineEdit>
#include <QScreen>
#include <QSettings>
#include <QStandardPaths>
#include <QTabWidget>
#include <QTableView>
#include <QTemporaryDir>
#include <QtTest>
#include <nlohmann/json.hpp>

#include "ui/main_window.h"
#include "ui/models/events_model.h"
#include "ui/pages/detail_page.h"
#include "ui/pages/events_page.h"
#include "ui/pages/load_panel.h"
#include "ui/session/dashboard.h"

using namespace redline;
using namespace redline::ui;

static void initRedlineResources() {
    Q_INIT_RESOURCE(redline);
}

class TestWindowKeyboard : public QObject {
    Q_OBJECT
  private slots:
    void initTestCase() {
        initRedlineResources();
        QStandardPaths::setTestModeEnabled(true);
        QVERIFY(dir_.isValid());
    }

    void dockRowSelectsTheAgentEverywhere() {
        Dashboard d;
        const QString a = addAgent(d, "catalog-a"), b = addAgent(d, "catalog-b");
        MainWindow w(&d);
        w.show();
        QVERIFY(QTest::qWaitForWindowExposed(&w));
        QCOMPARE(w.currentAgent(), a);
        auto* view = w.findChild<QTableView*>("agentsView");
        QVERIFY(view);
        view->setFocus();
        QTest::keyClick(view, Qt::Key_Down);
        QCOMPARE(w.currentAgent(), b);
        QCOMPARE(w.findChild<QComboBox*>("agentBox")->currentText(), QStringLiteral("catalog-b"));
        QTest::keyClick(view, Qt::Key_Up);
        QCOMPARE(w.currentAgent(), a);
        // And the other way round: the toolbar's agent box moves the dock's selection.
        w.selectAgent(b);
        QCOMPARE(view->selectionModel()->currentIndex().row(), d.agentsModel()->rowOf(b));
    }

    void tabLeavesTheAgentsDock() {
        Dashboard d;
        addAgent(d, "catalog-a");
        addAgent(d, "catalog-b");
        MainWindow w(&d);
        w.show();
        QVERIFY(QTest::qWaitForWindowExposed(&w));
        auto* view = w.findChild<QTableView*>("agentsView");
        view->setFocus();
        QVERIFY(view->hasFocus());
        QTest::keyClick(view, Qt::Key_Tab);
        QVERIFY2(!view->hasFocus(), "Tab walks the dock's cells instead of moving to the next control");
    }

    void removingAnAgentAsksFirst() {
        Dashboard d;
        const QString a = addAgent(d, "catalog-a");
        MainWindow w(&d);
        QStringList asked;
        bool answer = false;
        w.setConfirm([&](const QString& text) {
            asked << text;
            return answer;
        });
        auto* remove = w.findChild<QAction*>("actionRemoveAgent");
        QVERIFY(remove);
        remove->trigger();
        QCOMPARE(asked.size(), 1);
        QVERIFY(asked[0].contains("catalog-a"));
        QCOMPARE(d.agentIds(), QStringList{a});
        answer = true;
        remove->trigger();
        QVERIFY(d.agentIds().isEmpty());
    }

    void oversizedSavedGeometryIsFittedToTheScreen() {
        const QString ini = dir_.filePath("big.ini");
        const QRect avail = QGuiApplication::primaryScreen()->availableGeometry();
        {
            Dashboard d;
            MainWindow w(&d);
            w.setSettingsFile(ini);
            w.setGeometry(avail.x() + 50, avail.y() + 40, avail.width() + 700, avail.height() + 450);
            w.saveSettings();
        }
        Dashboard d;
        MainWindow w(&d);
        w.setSettingsFile(ini);
        w.restoreSettings();
        w.show();
        QVERIFY(QTest::qWaitForWindowExposed(&w));
        // The smallest screen the window must fit: 1600x1000 at QT_SCALE_FACTOR=1.5 (1066x666 logical).
        QVERIFY2(w.minimumSizeHint().width() <= 1066 && w.minimumSizeHint().height() <= 666,
                 qPrintable(QStringLiteral("minimum %1x%2")
                                .arg(w.minimumSizeHint().width())
                                .arg(w.minimumSizeHint().height())));
        // Fitted to the screen, down to the window's minimum (this test screen is narrower than that
        // minimum).
        const QRect g = w.frameGeometry();
        const int maxW = std::max(avail.width(), 1066);
        QVERIFY2(g.width() <= maxW && g.height() <= avail.height(),
                 qPrintable(QStringLiteral("%1x%2 on a %3x%4 screen")
                                .arg(g.width())
                                .arg(g.height())
                                .arg(avail.width())
                                .arg(avail.height())));
        QVERIFY(avail.contains(g.topLeft()));
    }

    void helpListsEveryShortcut() {
        Dashboard d;
        MainWindow w(&d);
        auto* help = w.findChild<QAction*>("actionShortcuts");
        QVERIFY(help);
        QCOMPARE(help->shortcut(), QKeySequence(Qt::Key_F1));
        const QString text = w.shortcutsText();
        int listed = 0;
        for (QAction* a : w.findChildren<QAction*>()) {
            if (a->shortcut().isEmpty() || a->objectName().isEmpty()) continue;
            QVERIFY2(text.contains(a->shortcut().toString(QKeySequence::NativeText).toHtmlEscaped()),
                     qPrintable(a->objectName()));
            ++listed;
        }
        QVERIFY(listed >= 15);
    }

    void statusBarShowsNoDeveloperCounters() {
        Dashboard d;
        addAgent(d, "catalog-a");
        MainWindow w(&d);
        w.show();
        auto* rate = w.findChild<QLabel*>("statusRate");
        QVERIFY(rate);
        QTRY_VERIFY(!rate->text().isEmpty());
        QVERIFY2(!rate->text().contains("repaints"), qPrintable(rate->text()));
    }

    void eventsTabFiltersExportsAndJumps() {
        Dashboard d;
        const QString a = addAgent(d, "catalog-a"), b = addAgent(d, "catalog-b");
        d.addLocalEvent(a, "limits.changed", "limits changed",
                        {{"routes", {{"GET /v1/products", {{"rate_per_s", 100}, {"burst", 200}}}}}},
                        {{"routes", {{"GET /v1/products", {{"rate_per_s", 50}, {"burst", 200}}}}}});
        d.addLocalEvent(b, "loadtest.started", "load test smoke started", nullptr, {{"scenario", "smoke"}});
        d.addLocalEvent(b, "canary.changed", "canary weight 0% -> 25%", {{"weight_percent", 0}},
                        {{"weight_percent", 25}});
        MainWindow w(&d);
        w.show();
        QVERIFY(QTest::qWaitForWindowExposed(&w));
        w.showTab(MainWindow::EventsTab);
        EventsPage* page = w.events();
        QVERIFY(page);
        auto* view = page->view();
        QCOMPARE(view->model()->rowCount(), 3);
        // Time with date; before/after reduced to what changed.
        const auto* m = view->model();
        QVERIFY(QDateTime::fromString(m->index(0, EventsModel::Time).data().toString(), "yyyy-MM-dd HH:mm:ss")
                    .isValid());
        QCOMPARE(m->index(0, EventsModel::Before).data().toString(),
                 QStringLiteral("routes.GET /v1/products.rate_per_s: 100"));
        QCOMPARE(m->index(0, EventsModel::After).data().toString(),
                 QStringLiteral("routes.GET /v1/products.rate_per_s: 50"));
        QVERIFY(m->index(0, EventsModel::Time).data(Qt::ToolTipRole).toString().contains("100 → <b>50</b>"));
        // Search, typed.
        auto* search = page->findChild<QLineEdit*>("eventsSearch");
        search->setFocus();
        QTest::keyClicks(search, "weight");
        QCOMPARE(view->model()->rowCount(), 1);
        search->clear();
        // Kind and agent filters.
        auto* kind = page->findChild<QComboBox*>("eventsKind");
        kind->setCurrentIndex(kind->findData("loadtest"));
        QCOMPARE(view->model()->rowCount(), 1);
        kind->setCurrentIndex(0);
        auto* agent = page->findChild<QComboBox*>("eventsAgent");
        agent->setCurrentIndex(agent->findData(b));
        QCOMPARE(view->model()->rowCount(), 2);
        // Export the visible rows.
        QVERIFY(page->exportCsv(dir_.filePath("events.csv")));
        QFile csv(dir_.filePath("events.csv"));
        QVERIFY(csv.open(QIODevice::ReadOnly));
        const QStringList lines = QString::fromUtf8(csv.readAll()).split('\n', Qt::SkipEmptyParts);
        QCOMPARE(lines.size(), 4);  // comment, header, two rows
        QVERIFY(lines[0].startsWith("# Redline events"));
        QVERIFY(lines[1].startsWith("time_ms,time,agent,kind,who,summary,before,after"));
        QVERIFY(page->exportJson(dir_.filePath("events.json")));
        QFile js(dir_.filePath("events.json"));
        QVERIFY(js.open(QIODevice::ReadOnly));
        const auto arr = nlohmann::json::parse(js.readAll().toStdString());
        QCOMPARE(arr.size(), std::size_t(2));
        QCOMPARE(arr[1]["after"]["weight_percent"].get<int>(), 25);
        // Double-click a row: the charts of that agent at that moment.
        agent->setCurrentIndex(0);
        const qint64 t = view->model()->index(0, 0).data(EventsModel::TimeMsRole).toLongLong();
        const QRect r = view->visualRect(view->model()->index(0, EventsModel::Kind));
        QVERIFY2(view->viewport()->rect().contains(r.center()), "row 0 is not on screen");
        QTest::mouseClick(view->viewport(), Qt::LeftButton, {}, r.center());
        QTest::mouseDClick(view->viewport(), Qt::LeftButton, {}, r.center());
        QCOMPARE(w.tabs()->currentIndex(), int(MainWindow::ChartsTab));
        // And with the keyboard: Enter on the selected row.
        w.showTab(MainWindow::EventsTab);
        view->setFocus();
        view->setCurrentIndex(view->model()->index(0, 0));
        QTest::keyClick(view, Qt::Key_Return);
        QCOMPARE(w.tabs()->currentIndex(), int(MainWindow::ChartsTab));
        QCOMPARE(w.currentAgent(), a);
        QVERIFY(w.detail()->paused());
        QVERIFY(std::abs(w.detail()->rangeEndMs() - t) <= w.detail()->rangeSeconds() * 1000);
    }

  private:
    QString addAgent(Dashboard& d, const QString& name) {
        AgentConfig c;
        c.name = name;
        c.url = QStringLiteral("http://127.0.0.1:9");
        return d.addAgent(c, /*connect=*/false);
    }
    QTemporaryDir dir_;
};

QTEST_MAIN(TestWindowKeyboard)
#include "tst_window_keyboard.moc"
