#include "tests/support/agent_fixture.h"

#include <fstream>

namespace redline::test {

AgentFixture::AgentFixture(Tweak tweak, Setup setup, std::string data_dir)
    : tweak_(std::move(tweak)), setup_(std::move(setup)) {
    if (data_dir.empty()) {
        tmp_ = std::make_unique<QTemporaryDir>();
        dir_ = tmp_->path().toStdString() + "/agent";
    } else {
        dir_ = std::move(data_dir);
    }
    start();
}

AgentFixture::~AgentFixture() {
    stop();
}

void AgentFixture::start() {
    agent::AgentOptions opt;
    opt.service = "tst-agent";
    opt.data_dir = dir_;
    opt.admin_listen = "127.0.0.1:0";
    opt.clock = false;
    opt.on_error = [this](std::string_view e) {
        std::lock_guard lock(errors_mutex_);
        errors_.emplace_back(e);
    };
    if (tweak_) tweak_(opt);
    agent_ = std::make_unique<agent::Agent>(opt);
    handles_.clear();
    for (const char* version : {"stable", "canary"})
        for (const auto& r : kSampleRoutes)
            handles_.push_back(agent_->register_series(r.method, r.route, version));
    if (setup_) setup_(*agent_);
    agent_->start();
}

void AgentFixture::stop() {
    if (agent_) agent_->stop();
    agent_.reset();
}

void AgentFixture::restart() {
    stop();
    start();
}

std::string AgentFixture::token(agent::Role role) const {
    if (role == agent::Role::None) return {};
    std::ifstream in(agent_->token_path(role));
    std::string line;
    std::getline(in, line);
    while (!line.empty() && (line.back() == '\r' || line.back() == ' '))
        line.pop_back();
    return line;
}
std::string AgentFixture::viewer_token() const {
    return token(agent::Role::Viewer);
}
std::string AgentFixture::operator_token() const {
    return token(agent::Role::Operator);
}

std::vector<std::pair<std::string, std::string>> AgentFixture::auth(agent::Role role) const {
    std::string t = token(role);
    if (t.empty()) return {};
    return {{"Authorization", "Bearer " + t}};
}

std::vector<std::string> AgentFixture::errors() const {
    std::lock_guard lock(errors_mutex_);
    return errors_;
}

std::vector<std::string> AgentFixture::audit_lines() const {
    std::vector<std::string> out;
    std::ifstream in(dir_ + "/audit.jsonl");
    std::string line;
    while (std::getline(in, line))
        if (!line.empty()) out.push_back(line);
    return out;
}

}  // namespace redline::test
