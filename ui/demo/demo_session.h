// `redline --demo`: a sample server child (data dir under the user's cache), the dashboard connected to its
// agent with the operator token, and gentle background traffic from an in-process load engine. Everything is
// stopped cleanly by shutdown() (also on destruction).
//
// Threading: GUI thread only.
#pragma once

#include <QObject>

#include "ui/demo/sample_server_process.h"

namespace redline::ui {

class Dashboard;
class LoadController;

class DemoSession : public QObject {
    Q_OBJECT
  public:
    DemoSession(Dashboard* dashboard, QObject* parent = nullptr);
    ~DemoSession() override;

    /// Default data dir: <CacheLocation>/demo.
    static QString defaultDataDir();
    void start(const QString& dataDir = defaultDataDir(), double backgroundRate = 30);
    void shutdown();
    QString agentId() const { return agent_id_; }
    QString apiUrl() const { return server_.apiUrl(); }
    SampleServerProcess* server() { return &server_; }
    LoadController* background() const { return background_; }

  signals:
    void ready(const QString& agentId, const QString& apiUrl);
    void message(const QString& text, bool error);

  private:
    Dashboard* d_;
    SampleServerProcess server_;
    LoadController* background_;
    QString agent_id_;
    double rate_ = 30;
};

}  // namespace redline::ui
