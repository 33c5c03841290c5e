// GUI tests of the main window's keyboard and screen behaviour (offscreen, no network: agents are added
// without connecting): the agents dock selects the agent everywhere and is no keyboard trap, removing an agent
// asks first, a saved geometry larger than the screen is fitted to it, Help lists every shortcut, and the
// developer repaint counter stays out of the status bar. Issue 10 §2 (connection UX) and §3.
#include <QAction>
#include <QComboBox>
#include <QDockWidget>
#include <QLabel>
#include <QScreen>
#include <QSettings>
#include <QStandardPaths>
#include <QTableView>
#include <QTemporaryDir>
#include <QtTest>

#include "ui/main_window.h"
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
        const QRect g = w.frameGeometry();
        QVERIFY2(g.width() <= avail.width() && g.height() <= avail.height(),
                 qPrintable(QStringLiteral("%1x%2 on a %3x%4 screen")
                                .arg(g.width())
                                .arg(g.height())
                                .arg(avail.width())
                                .arg(avail.height())));
        QVERIFY(avail.contains(g));
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
