// The run store: every load run kept as a record in one SQLite file (docs/runs.md).
//
//   std::string why;
//   auto store = RunStore::open("runs.db", RunStore::Mode::CreateIfMissing, &why);  // nullptr + why: refused
//   store->begin_run(header);                 // the row, state "incomplete"
//   store->add_seconds(id, seconds);          // each closed second, one transaction per batch
//   store->end_run(id, summary, ended_ms);    // outcome, exit code, summary: one transaction
//   auto sk = store->interval_sketch(id, 10, 20, "", true);  // any quantile of any interval, exactly
//
// The file: WAL mode, synchronous=NORMAL, foreign keys on, a 5 s busy timeout (several processes may write at
// once). Its schema is versioned with PRAGMA user_version (kSchemaVersion) and marked with PRAGMA
// application_id; older schemas are upgraded in one transaction by the migration list. A file that is not a
// SQLite database, another application's database, or one written by a newer schema is refused with one line
// and never written to (the inspection before any write only reads).
//
// Threading: one RunStore is one SQLite connection: use it from one thread at a time (RunRecorder hands it to
// its writer thread). Several RunStores (threads, processes) may use one file at once.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "core/load/results.h"
#include "core/load/run_record.h"
#include "core/load/run_totals.h"

struct sqlite3;
struct sqlite3_stmt;

namespace redline::load {

/// A SQLite failure after the store was opened (disk full, locked for longer than the busy timeout, a corrupt
/// page). The message names the operation.
class RunStoreError : public std::runtime_error {
  public:
    using std::runtime_error::runtime_error;
};

class RunStore {
  public:
    static constexpr int kSchemaVersion = 1;
    static constexpr std::int32_t kApplicationId = 0x52444c52;  // "RDLR"

    /// One schema step: the SQL that takes a file from version - 1 to version.
    struct Migration {
        int version = 0;
        std::string sql;
    };
    /// The migrations of this build: version 1 .. kSchemaVersion, in order.
    static const std::vector<Migration>& migrations();

    enum class Mode {
        CreateIfMissing,  // a missing file is created (its directory must exist)
        MustExist,        // a missing file is refused: reading commands never create one
    };
    /// Opens (and creates or upgrades) the store. nullptr and *error (one line naming the path) when refused.
    static std::unique_ptr<RunStore> open(const std::string& path, Mode mode, std::string* error);
    /// open() with another migration list (tests of the upgrade path); the list's last version is "current".
    static std::unique_ptr<RunStore> open_with(const std::string& path, Mode mode,
                                               const std::vector<Migration>& migrations, std::string* error);
    ~RunStore();
    RunStore(const RunStore&) = delete;
    RunStore& operator=(const RunStore&) = delete;

    const std::string& path() const { return path_; }
    /// PRAGMA user_version of the open file.
    int schema_version() const;
    /// A fresh id for begin_run(): 16 lowercase hex characters.
    static std::string new_id();

    // Writes. Each is one transaction; they throw RunStoreError (nothing of that call is kept).
    void begin_run(const RunHeader& h);
    /// Stores closed seconds (and, optionally, agent seconds and events) of a run begun in this file.
    void add_seconds(const std::string& id, const std::vector<RunSecond>& seconds,
                     const std::vector<StoredAgentSecond>& agent_seconds = {},
                     const std::vector<nlohmann::json>& agent_events = {});
    /// Marks the run complete with the summary's outcome, exit code and reason.
    void end_run(const std::string& id, const Summary& s, std::int64_t ended_ms);
    /// Deletes a run and everything stored with it; false when there was no such id.
    bool remove(const std::string& id);

    // Reads (throw RunStoreError on a SQLite failure).
    struct Resolved {
        enum class Status { Found, NotFound, Ambiguous } status = Status::NotFound;
        std::string id;  // Found: the full id
        std::size_t matches = 0;
    };
    /// A full id or an unambiguous prefix of one (like git's short ids).
    Resolved resolve(const std::string& id_or_prefix) const;
    struct ListQuery {
        std::size_t limit = 0;  // 0: all
        std::string scenario;   // "": every scenario
    };
    /// Newest first.
    std::vector<StoredRun> list(const ListQuery& q) const;
    /// Number of runs the query matches without its limit.
    std::size_t count(const ListQuery& q) const;
    std::optional<StoredRun> get(const std::string& id) const;
    /// The stored seconds, oldest first.
    std::vector<StoredSecond> seconds(const std::string& id) const;
    std::vector<StoredAgentSecond> agent_seconds(const std::string& id) const;
    std::vector<nlohmann::json> agent_events(const std::string& id) const;
    /// The merged latency of every stored second whose end t_s (seconds from the start) lies in
    /// (from_s, to_s] (from_s < 0: from the start), for one request name or all ("" or "*"), corrected
    /// (from the intended start) or not (from the send). nullopt: no such run or request name.
    std::optional<LatencySketch> interval_sketch(const std::string& id, double from_s, double to_s,
                                                 const std::string& request, bool corrected) const;

  private:
    RunStore(std::string path, sqlite3* db);
    std::int64_t seq_of(const std::string& id) const;  // -1: unknown
    StoredRun read_run(sqlite3_stmt* st) const;

    std::string path_;
    sqlite3* db_ = nullptr;
};

}  // namespace redline::load
