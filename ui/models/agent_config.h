// One configured agent connection as the user entered it, persisted in QSettings.
#pragma once

#include <QList>
#include <QString>

class QSettings;

namespace redline::ui {

struct AgentConfig {
    QString id;         // stable local key (UUID); not the server's agent_id
    QString name;       // shown on cards and tabs
    QString url;        // admin base URL, e.g. http://127.0.0.1:9464
    QString tokenFile;  // preferred: read at connect time
    QString token;      // used when tokenFile is empty (kept only in memory unless `persistToken`)
    bool persistToken = false;
    bool ephemeral = false;  // started by --demo/--agent for this session only: never saved
    // A target discovered through a Prometheus source (never saved: the source is): its id and the target's
    // instance label; the source's fleet-wide row has instance "*". Empty for a directly streamed agent.
    QString sourceId;
    QString instance;
    bool operator==(const AgentConfig&) const = default;

    /// Token to use: the file's first line when a file is set, else `token`. Sets *error when unreadable.
    QString resolveToken(QString* error = nullptr) const;
    /// Non-empty user-facing message when the URL or token source is unusable.
    QString validate() const;

    static QList<AgentConfig> load(QSettings& s);
    static void save(QSettings& s, const QList<AgentConfig>& agents);
};

}  // namespace redline::ui
