// Test helper: an in-process Agent on 127.0.0.1:0 with a private data directory and the sample server's route
// set registered, plus its tokens, for the admin API integration tests. restart() stops the agent and starts
// a new one on the same data directory (persistence tests).
//
// Threading: use from the test's main thread. errors() may be read while the agent runs (mutex-guarded).
#pragma once

#include <QTemporaryDir>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "agents/agent/agent.h"

namespace redline::test {

/// The sample server's registered series (docs/architecture.md): 5 routes x {stable, canary}.
struct SampleRoute {
    const char* method;
    const char* route;
};
inline constexpr SampleRoute kSampleRoutes[] = {
    {"GET", "/v1/products"}, {"GET", "/v1/products/{id}"}, {"GET", "/v1/products/search"},
    {"POST", "/v1/orders"},  {"GET", "/v1/orders/{id}"},
};

class AgentFixture {
  public:
    using Tweak = std::function<void(agent::AgentOptions&)>;
    using Setup =
        std::function<void(agent::Agent&)>;  // called before start() (add_control, add_handler, ...)

    /// Creates a temp data dir (or uses `data_dir` when given) and starts an agent. `clock` false by default:
    /// tests call agent().close_epoch() to make data visible deterministically.
    explicit AgentFixture(Tweak tweak = {}, Setup setup = {}, std::string data_dir = {});
    ~AgentFixture();

    agent::Agent& agent() { return *agent_; }
    std::uint16_t port() const { return agent_->admin_port(); }
    const std::string& data_dir() const { return dir_; }
    std::string viewer_token() const;
    std::string operator_token() const;
    std::string token(agent::Role role) const;
    /// Token headers for a role; Role::None gives no header.
    std::vector<std::pair<std::string, std::string>> auth(agent::Role role) const;
    const std::vector<agent::SeriesHandle>& handles() const { return handles_; }

    /// Stops the agent (if running) and starts a fresh one on the same data dir with the same options and
    /// setup. To edit the data dir while no agent runs: stop(), edit, restart(). Do not build a second
    /// fixture on data_dir() of a fixture that created its own temporary dir: destroying this one deletes the
    /// dir.
    void restart();
    void stop();
    std::vector<std::string> errors() const;

    /// Lines of data_dir/audit.jsonl (empty when absent).
    std::vector<std::string> audit_lines() const;

  private:
    void start();

    std::unique_ptr<QTemporaryDir> tmp_;
    std::string dir_;
    Tweak tweak_;
    Setup setup_;
    std::unique_ptr<agent::Agent> agent_;
    std::vector<agent::SeriesHandle> handles_;
    mutable std::mutex errors_mutex_;
    std::vector<std::string> errors_;
};

}  // namespace redline::test
