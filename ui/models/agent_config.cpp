#include "ui/models/agent_config.h"

#include <QSettings>
#include <QUrl>
#include <QUuid>

#include "core/agent_client.h"

namespace redline::ui {

QString AgentConfig::resolveToken(QString* error) const {
    if (tokenFile.isEmpty()) return token;
    std::string err;
    auto t = read_token_file(tokenFile.toStdString(), &err);
    if (!t) {
        if (error)
            *error = QString::fromStdString(err.empty() ? "cannot read " + tokenFile.toStdString() : err);
        return {};
    }
    return QString::fromStdString(*t);
}

QString AgentConfig::validate() const {
    const QUrl u(url, QUrl::StrictMode);
    if (!u.isValid() || (u.scheme() != "http" && u.scheme() != "https") || u.host().isEmpty())
        return QStringLiteral("URL must look like http://127.0.0.1:9464");
    if (name.trimmed().isEmpty()) return QStringLiteral("Name must not be empty");
    return {};
}

QList<AgentConfig> AgentConfig::load(QSettings& s) {
    QList<AgentConfig> out;
    const int n = s.beginReadArray(QStringLiteral("agents"));
    for (int i = 0; i < n; ++i) {
        s.setArrayIndex(i);
        AgentConfig a;
        a.id = s.value("id").toString();
        if (a.id.isEmpty()) a.id = QUuid::createUuid().toString(QUuid::WithoutBraces);
        a.name = s.value("name").toString();
        a.url = s.value("url").toString();
        a.tokenFile = s.value("tokenFile").toString();
        a.persistToken = s.value("persistToken", false).toBool();
        if (a.persistToken) a.token = s.value("token").toString();
        out.append(a);
    }
    s.endArray();
    return out;
}

void AgentConfig::save(QSettings& s, const QList<AgentConfig>& agents) {
    s.remove(QStringLiteral("agents"));
    QList<AgentConfig> kept;
    for (const auto& a : agents)
        if (!a.ephemeral) kept.append(a);
    s.beginWriteArray(QStringLiteral("agents"), static_cast<int>(kept.size()));
    for (int i = 0; i < kept.size(); ++i) {
        const auto& a = kept[i];
        s.setArrayIndex(i);
        s.setValue("id", a.id);
        s.setValue("name", a.name);
        s.setValue("url", a.url);
        s.setValue("tokenFile", a.tokenFile);
        s.setValue("persistToken", a.persistToken);
        if (a.persistToken) s.setValue("token", a.token);
    }
    s.endArray();
}

}  // namespace redline::ui
