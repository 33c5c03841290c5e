// redline — the dashboard. Thin main: parses the command line and wires ui/ objects together.
//   redline                                  agents from the settings
//   redline --demo                           local sample server + background traffic
//   redline --agent URL --token-file F       connect straight away
//   redline --prometheus URL [--prometheus-selector M] [--prometheus-preset otel|prometheus|load]
//                                            watch a Prometheus-compatible server's targets
//   --screenshot DIR [--screenshot-delay S]  save PNGs of the main screens (dark and light) and quit
#include <spdlog/spdlog.h>
#include <sys/socket.h>
#include <unistd.h>

#include <QApplication>
#include <QCommandLineParser>
#include <QDir>
#include <QSettings>
#include <QSocketNotifier>
#include <QTabWidget>
#include <QThread>
#include <QTimer>
#include <QUrl>
#include <algorithm>
#include <csignal>
#include <cstdio>
#include <optional>

#include "core/agent_client.h"
#include "ui/demo/demo_session.h"
#include "ui/main_window.h"
#include "ui/models/runs_model.h"
#include "ui/pages/detail_page.h"
#include "ui/pages/load_panel.h"
#include "ui/pages/runs_page.h"
#include "ui/session/dashboard.h"

using namespace redline::ui;

namespace {

// SIGINT / SIGTERM / SIGHUP (Ctrl+C in the terminal that ran `redline.sh demo`, a logout, `kill`) close the
// window like the close button does, so the settings are saved and the demo's sample server and load stop
// cleanly instead of being orphaned. The handler only writes one byte to a socket pair; the GUI thread reads
// it through a QSocketNotifier.
int g_signal_fd[2] = {-1, -1};

extern "C" void onTerminationSignal(int sig) {
    const char c = static_cast<char>(sig);
    [[maybe_unused]] const auto n = ::write(g_signal_fd[0], &c, 1);
}

void closeOnTerminationSignals(MainWindow* window) {
    if (::socketpair(AF_UNIX, SOCK_STREAM, 0, g_signal_fd) != 0) {
        spdlog::warn("no socket pair for signal handling; Ctrl+C will not stop the demo cleanly");
        return;
    }
    auto* notifier = new QSocketNotifier(g_signal_fd[1], QSocketNotifier::Read, window);
    QObject::connect(notifier, &QSocketNotifier::activated, window, [window, notifier] {
        char c = 0;
        [[maybe_unused]] const auto n = ::read(g_signal_fd[1], &c, 1);
        notifier->setEnabled(false);
        spdlog::info("signal {}: closing", static_cast<int>(c));
        window->close();
        QApplication::quit();
    });
    struct sigaction sa {};
    sa.sa_handler = onTerminationSignal;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = SA_RESTART;
    for (const int sig : {SIGINT, SIGTERM, SIGHUP})
        sigaction(sig, &sa, nullptr);
}

}  // namespace

int main(int argc, char** argv) {
    redline::CurlGlobal curl;
    QApplication app(argc, argv);
    QApplication::setOrganizationName(QStringLiteral("redline"));
    QApplication::setApplicationName(QStringLiteral("redline"));
    QApplication::setApplicationVersion(QStringLiteral(REDLINE_VERSION));
    Q_INIT_RESOURCE(redline);

    QCommandLineParser cli;
    cli.setApplicationDescription(
        QStringLiteral("Redline: live RED metrics, rate limits, canary and load tests"));
    cli.addHelpOption();
    cli.addVersionOption();
    QCommandLineOption demo(QStringLiteral("demo"),
                            QStringLiteral("Start a local sample server with background traffic."));
    QCommandLineOption agent(QStringLiteral("agent"),
                             QStringLiteral("Connect to the agent at URL (repeatable)."),
                             QStringLiteral("URL"));
    QCommandLineOption tokenFile(
        QStringLiteral("token-file"),
        QStringLiteral("Token file for --agent (repeatable: the n-th goes with the n-th --agent)."),
        QStringLiteral("FILE"));
    QCommandLineOption theme(QStringLiteral("theme"), QStringLiteral("system, dark or light."),
                             QStringLiteral("MODE"));
    QCommandLineOption shots(QStringLiteral("screenshot"),
                             QStringLiteral("Save screenshots to DIR and quit."), QStringLiteral("DIR"));
    QCommandLineOption delay(QStringLiteral("screenshot-delay"),
                             QStringLiteral("Seconds before screenshots (default 40)."), QStringLiteral("S"),
                             QStringLiteral("40"));
    QCommandLineOption prometheus(
        QStringLiteral("prometheus"),
        QStringLiteral("Watch the targets of the Prometheus-compatible server at URL."),
        QStringLiteral("URL"));
    QCommandLineOption promSelector(QStringLiteral("prometheus-selector"),
                                    QStringLiteral("Label matchers for --prometheus, e.g. job=\"api\"."),
                                    QStringLiteral("MATCHERS"));
    QCommandLineOption promPreset(
        QStringLiteral("prometheus-preset"),
        QStringLiteral("Metric mapping for --prometheus: otel (Redline agents, OpenTelemetry HTTP server; "
                       "default), prometheus (Prometheus' own HTTP metrics) or load (redline-load "
                       "generators pushed to a Pushgateway)."),
        QStringLiteral("NAME"), QStringLiteral("otel"));
    QCommandLineOption promRefresh(
        QStringLiteral("prometheus-refresh"),
        QStringLiteral("Refresh interval for --prometheus in seconds (default 5)."), QStringLiteral("S"),
        QStringLiteral("5"));
    QCommandLineOption verbose(QStringLiteral("verbose"), QStringLiteral("Debug logging."));
    cli.addOptions({demo, agent, tokenFile, prometheus, promSelector, promPreset, promRefresh, theme, shots,
                    delay, verbose});
    cli.process(app);
    std::optional<PrometheusSourceConfig> promSource;
    if (cli.isSet(prometheus)) {
        const QString preset = cli.value(promPreset);
        if (preset != "otel" && preset != "prometheus" && preset != "load") {
            std::fprintf(stderr, "redline: --prometheus-preset must be otel, prometheus or load, not '%s'\n",
                         qPrintable(preset));
            return 2;
        }
        PrometheusSourceConfig c = preset == "prometheus" ? PrometheusSourceConfig::prometheusSelf({})
                                   : preset == "load"     ? PrometheusSourceConfig::loadGenerators({})
                                                          : PrometheusSourceConfig{};
        c.url = cli.value(prometheus);
        c.name = QUrl(c.url).authority();
        if (cli.isSet(promSelector)) c.selector = cli.value(promSelector);
        bool ok = false;
        c.refreshS = cli.value(promRefresh).toInt(&ok);
        if (!ok) c.refreshS = 0;  // validate() names the field
        c.windowS = std::max(c.windowS, c.refreshS);
        c.ephemeral = true;
        if (const QString err = c.validate(); !err.isEmpty()) {
            std::fprintf(stderr, "redline: --prometheus: %s\n", qPrintable(err));
            return 2;
        }
        promSource = c;
    }
    spdlog::set_level(cli.isSet(verbose) ? spdlog::level::debug : spdlog::level::info);

    Dashboard dashboard;
    {
        // SLOs always come from the settings; the saved agents only without --demo / --agent (those sessions
        // are session-only and must not overwrite the saved agent list on exit either).
        QSettings s;
        dashboard.setPersistAgents(!cli.isSet(demo) && !cli.isSet(agent) && !promSource);
        dashboard.load(s);
    }
    MainWindow window(&dashboard);
    window.restoreSettings();
    if (cli.isSet(theme)) window.setThemeMode(Theme::fromString(cli.value(theme)));

    DemoSession session(&dashboard);
    QObject::connect(&session, &DemoSession::message, &window, &MainWindow::showMessage);
    if (cli.isSet(demo)) {
        QObject::connect(&session, &DemoSession::ready, &window, [&](const QString& id, const QString& api) {
            window.selectAgent(id);
            window.load()->setDefaultTarget(api);
        });
        session.start();
    }
    if (cli.isSet(agent)) {
        // --agent and --token-file repeat in pairs (the n-th token file goes with the n-th agent); the first
        // agent is shown.
        const QStringList urls = cli.values(agent), tokens = cli.values(tokenFile);
        QString first;
        for (qsizetype i = 0; i < urls.size(); ++i) {
            AgentConfig c;
            c.url = urls[i];
            c.name = c.url;
            if (i < tokens.size()) c.tokenFile = tokens[i];
            c.ephemeral = true;
            const QString id = dashboard.addAgent(c);
            if (first.isEmpty()) first = id;
        }
        window.selectAgent(first);
    }
    if (promSource) {
        const QString id = dashboard.addPrometheusSource(*promSource);
        window.selectAgent(Dashboard::sourceAgentId(id, QStringLiteral("*")));
    }
    QObject::connect(&app, &QApplication::aboutToQuit, [&] { session.shutdown(); });

    if (cli.isSet(shots)) {
        // Screenshots of the main screens in dark and light; the window must have data by then.
        const QString dir = cli.value(shots);
        QDir().mkpath(dir);
        QTimer::singleShot(cli.value(delay).toInt() * 1000, &window, [&, dir] {
            const struct {
                MainWindow::Tab tab;
                const char* name;
            } screens[] = {{MainWindow::OverviewTab, "overview"}, {MainWindow::ChartsTab, "charts"},
                           {MainWindow::LimitsTab, "limits"},     {MainWindow::CanaryTab, "canary"},
                           {MainWindow::LoadTab, "load"},         {MainWindow::EventsTab, "events"},
                           {MainWindow::RunsTab, "runs"},         {MainWindow::RunsTab, "runs-compare"}};
            // The Runs tab with the newest run opened, then the newest two complete runs of one scenario
            // compared (when the runs database has them).
            auto prepareRuns = [&window](bool compare) {
                RunsPage* runs = window.runs();
                runs->refresh();
                const auto& list = runs->model()->runs();  // newest first
                if (list.empty()) return;
                if (!compare) {
                    runs->clearBaseline();
                    runs->openRun(QString::fromStdString(list.front().id));
                    return;
                }
                for (std::size_t i = 0; i < list.size(); ++i)
                    for (std::size_t j = i + 1; j < list.size(); ++j)
                        if (list[i].complete && list[j].complete && list[i].scenario == list[j].scenario) {
                            runs->compareRuns(QString::fromStdString(list[j].id),
                                              QString::fromStdString(list[i].id));
                            return;
                        }
            };
            for (auto mode : {Theme::Mode::Dark, Theme::Mode::Light}) {
                window.setThemeMode(mode);
                for (const auto& s : screens) {
                    window.showTab(s.tab);
                    if (s.tab == MainWindow::ChartsTab) window.detail()->refreshNow();
                    if (s.tab == MainWindow::RunsTab) prepareRuns(QLatin1String(s.name) == "runs-compare");
                    // Let layouts settle as they would on screen (the charts align their plot areas after
                    // Qt Charts laid them out: two or three passes of the event loop).
                    for (int k = 0; k < 15; ++k) {
                        QApplication::processEvents();
                        QThread::msleep(20);
                    }
                    const QString path =
                        QStringLiteral("%1/%2-%3.png").arg(dir, QLatin1String(s.name), Theme::toString(mode));
                    window.grab().save(path);
                    spdlog::info("saved {}", path.toStdString());
                }
            }
            window.close();
        });
    }
    closeOnTerminationSignals(&window);
    window.show();
    return app.exec();
}
