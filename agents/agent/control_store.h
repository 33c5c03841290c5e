// Control resources the agent owns (limits, canary, host-added ones such as cache): strict validation, an
// audit line made durable first ("<name>.changed"), then atomic persistence in
// <data_dir>/control/<name>.json, then the state in force and the host's apply callback, then the 2xx. At
// start-up the audit log is the source of truth: a state file that disagrees with the last audited state is
// restored to it ("<name>.recovered").
//
// Threading: add() at configuration time only. load_and_apply() once at start. put() from any thread; PUTs
// are serialised by put_mutex_ (validate -> audit -> persist -> commit -> apply run as one unit).
// get()/names() from any thread; state_mutex_ guards states_. apply callbacks run on the thread that called
// put().
#pragma once

#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "agents/agent/admin_types.h"

namespace redline::agent {

class EventLog;
class ErrorReporter;

class ControlStore {
  public:
    ControlStore(std::string data_dir, EventLog& events, ErrorReporter& errors);

    /// Throws ConfigError on a bad or duplicate name, or a missing validate callback.
    void add(ControlResource resource);
    /// Loads every persisted state (a corrupt or invalid file is reported and the initial state kept) and
    /// calls each apply callback once.
    void load_and_apply();

    bool has(std::string_view name) const;
    std::vector<std::string> names() const;
    /// Current state, or null for an unknown name.
    nlohmann::json get(std::string_view name) const;

    /// Handles PUT /v1/<name> with a raw body: 200 + new state, 400 problem with field errors (no change, no
    /// audit), 404 for an unknown name, 500 when persisting or auditing failed (no change).
    /// `by`: who acted (the Redline-Actor header, already validated), recorded as "<role>:<by>".
    AdminResponse put(std::string_view name, const std::string& body, Role actor, const std::string& by = {});

    /// put() on behalf of the agent itself (the rollout engine): `actor` is the audit line's actor as is.
    AdminResponse put_as(std::string_view name, const std::string& body, const std::string& actor);

    std::string file_path(std::string_view name) const;

    /// Writes `content` to `path` atomically: temp file, fsync, rename, fsync of the directory.
    static bool write_atomic(const std::string& path, const std::string& content, std::string* error);

  private:
    struct Entry {
        ControlResource resource;
        nlohmann::json state;
    };
    void call_apply(const Entry& e, const nlohmann::json& state);
    /// The `after` of the last "<name>.changed|recovered|rolled_back" line of the audit log, per control.
    std::map<std::string, nlohmann::json> last_audited_states() const;
    void reconcile(const std::string& name, Entry& entry,
                   const std::map<std::string, nlohmann::json>& audited, bool had_file);

    const std::string dir_;
    EventLog& events_;
    ErrorReporter& errors_;
    std::mutex put_mutex_;
    mutable std::mutex state_mutex_;
    std::map<std::string, Entry, std::less<>> entries_;
};

}  // namespace redline::agent
