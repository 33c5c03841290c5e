// The agent's rollout: steps of canary weight, judged every second by the automated canary analysis
// (core/rollout.h, docs/rollouts.md), advanced, paused or rolled back on the agent's own clock, persisted in
// <data_dir>/rollout.json so it survives a restart.
//
// Threading: every public method is thread-safe; mu_ serialises them. tick() runs on the thread that closed
// the epoch (the recorder's clock thread, or the host's close_epoch() caller). While mu_ is held the engine
// may call Hooks::set_weight, which goes through the control store (its put mutex, the canary validate
// callback, the host's apply callback); none of those may call back into the engine except owns_weight()
// and writing_weight_here(), which take no lock.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <mutex>
#include <optional>
#include <string>

#include "agents/agent/admin_types.h"
#include "core/event.h"
#include "core/rollout.h"

namespace redline::agent {

class ErrorReporter;

class RolloutEngine {
  public:
    struct Hooks {
        /// Fills both versions' traffic over the newest `seconds` closed epochs.
        std::function<void(int seconds, VersionWindow& stable, VersionWindow& canary)> windows;
        /// Sets the canary weight through the audited canary control; returns an error text on failure.
        std::function<std::optional<std::string>(double weight_percent)> set_weight;
        /// The canary weight in force now.
        std::function<double()> current_weight;
        /// Appends an event; audited (durable) when its actor is not "agent". False when the audit failed.
        std::function<bool(Event& e)> publish;
        std::function<std::int64_t()> now_ms;
    };

    RolloutEngine(std::string path, Hooks hooks, ErrorReporter& errors);

    /// Reads the persisted rollout once at start-up (after the controls are loaded): a progressing rollout
    /// resumes its step, or is rolled back when the agent was down longer than spec.max_downtime_s.
    void load();
    /// After this, ticks are ignored (the agent is stopping; its last epoch is a partial second).
    void stop();

    AdminResponse get() const;
    /// PUT /v1/rollout: a new plan (state pending). 409 while a rollout is active.
    AdminResponse put(const std::string& body, const std::string& actor);
    /// POST /v1/rollout/{action}.
    AdminResponse act(const std::string& action, const std::string& body, const std::string& actor);
    /// Analyses the window ending at `epoch` and moves the rollout on. Called once per closed epoch.
    void tick(std::int64_t epoch);

    RolloutStatus status() const;
    /// Progressing or paused: the canary weight belongs to the rollout. Lock-free.
    bool owns_weight() const noexcept { return active_.load(std::memory_order_acquire); }
    /// True on the thread that is inside Hooks::set_weight for the engine (the canary control lets that
    /// change through while owns_weight()).
    static bool writing_weight_here() noexcept;

  private:
    // All private members run with mu_ held.
    enum class Cause { Operator, Analysis, Restart };
    /// Sets the weight, records the transition as an event (audited), persists; on a failure restores the
    /// previous status (and weight) and returns the error text.
    std::optional<std::string> transition(RolloutStatus next, const std::string& kind,
                                          const std::string& actor, const std::string& message,
                                          bool set_weight);
    bool persist(std::string* error);
    void advance(RolloutStatus& next, std::string& kind, std::string& message) const;
    std::string waiting_for(const RolloutStatus& s) const;
    void publish_active();

    const std::string path_;
    Hooks hooks_;
    ErrorReporter& errors_;
    mutable std::mutex mu_;
    RolloutStatus status_;
    std::int64_t last_persist_epoch_ = 0;
    bool stopped_ = false;
    std::atomic<bool> active_{false};
};

}  // namespace redline::agent
