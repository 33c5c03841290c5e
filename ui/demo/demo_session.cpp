#include "ui/demo/demo_session.h"

#include <spdlog/spdlog.h>

#include <QStandardPaths>

#include "ui/session/dashboard.h"
#include "ui/session/load_controller.h"

namespace redline::ui {

DemoSession::DemoSession(Dashboard* dashboard, QObject* parent)
    : QObject(parent), d_(dashboard), background_(new LoadController(dashboard, this)) {
    connect(&server_, &SampleServerProcess::ready, this, [this](const QString& api, const QString& admin) {
        AgentConfig c;
        c.name = QStringLiteral("demo sample server");
        c.url = admin;
        c.tokenFile = server_.operatorTokenFile();
        c.ephemeral = true;
        agent_id_ = d_->addAgent(c);
        QString err;
        try {
            if (!background_->start(LoadController::backgroundScenario(api.toStdString(), rate_), agent_id_,
                                    false, &err))
                emit message(tr("Background traffic not started: %1").arg(err), true);
        } catch (const std::exception& e) {
            emit message(tr("Background traffic not started: %1").arg(QString::fromUtf8(e.what())), true);
        }
        emit ready(agent_id_, api);
    });
    connect(&server_, &SampleServerProcess::failed, this,
            [this](const QString& why) { emit message(tr("Demo server: %1").arg(why), true); });
    connect(&server_, &SampleServerProcess::exited, this, [this](int code) {
        if (!agent_id_.isEmpty()) emit message(tr("Demo server exited (code %1)").arg(code), true);
    });
}

DemoSession::~DemoSession() {
    shutdown();
}

QString DemoSession::defaultDataDir() {
    return QStandardPaths::writableLocation(QStandardPaths::CacheLocation) + QStringLiteral("/demo");
}

void DemoSession::start(const QString& dataDir, double backgroundRate) {
    rate_ = backgroundRate;
    server_.start(dataDir);
}

void DemoSession::shutdown() {
    background_->stopAndWait();
    if (!agent_id_.isEmpty()) {
        if (auto* c = d_->connection(agent_id_)) c->stop();
        agent_id_.clear();
    }
    if (server_.running()) {
        const bool clean = server_.stop(8000);
        spdlog::info("demo sample server stopped{}", clean ? "" : " (killed)");
    }
}

}  // namespace redline::ui
