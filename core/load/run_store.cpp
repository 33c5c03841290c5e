#include "core/load/run_store.h"

#include <spdlog/spdlog.h>
#include <sqlite3.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <limits>
#include <optional>
#include <system_error>
#include <thread>

#include "core/random_id.h"

namespace redline::load {

namespace {

namespace fs = std::filesystem;

// Version 1. Child rows point at runs.seq (a small integer) rather than repeating the 16-character id.
constexpr const char* kSchemaV1 = R"sql(
CREATE TABLE runs(
  seq INTEGER PRIMARY KEY,
  id TEXT NOT NULL UNIQUE,
  run_id TEXT NOT NULL,
  scenario TEXT NOT NULL,
  scenario_json TEXT NOT NULL,
  target TEXT NOT NULL,
  executor TEXT NOT NULL,
  started_ms INTEGER NOT NULL,
  ended_ms INTEGER,
  state TEXT NOT NULL CHECK (state IN ('incomplete', 'complete')),
  outcome TEXT,
  exit_code INTEGER,
  reason TEXT NOT NULL DEFAULT '',
  summary_json TEXT,
  duration_s REAL,
  requests INTEGER,
  error_ratio REAL,
  p99_ms REAL,
  host TEXT NOT NULL DEFAULT '',
  pid INTEGER NOT NULL DEFAULT 0,
  redline_version TEXT NOT NULL DEFAULT ''
);
CREATE INDEX runs_started ON runs(started_ms);
CREATE INDEX runs_scenario ON runs(scenario, started_ms);
CREATE TABLE run_seconds(
  run INTEGER NOT NULL REFERENCES runs(seq) ON DELETE CASCADE,
  epoch INTEGER NOT NULL,
  t_s REAL NOT NULL,
  target REAL NOT NULL,
  achieved_rate REAL NOT NULL,
  late INTEGER NOT NULL,
  unsent INTEGER NOT NULL,
  in_flight INTEGER NOT NULL,
  transport TEXT NOT NULL,
  PRIMARY KEY (run, epoch)
) WITHOUT ROWID;
CREATE TABLE run_second_requests(
  run INTEGER NOT NULL,
  epoch INTEGER NOT NULL,
  idx INTEGER NOT NULL,
  name TEXT NOT NULL,
  method TEXT NOT NULL,
  requests INTEGER NOT NULL,
  errors INTEGER NOT NULL,
  no_response INTEGER NOT NULL,
  s1xx INTEGER NOT NULL,
  s2xx INTEGER NOT NULL,
  s3xx INTEGER NOT NULL,
  s4xx INTEGER NOT NULL,
  s5xx INTEGER NOT NULL,
  rate_limited INTEGER NOT NULL,
  codes TEXT NOT NULL,
  codes_overflow INTEGER NOT NULL,
  corrected BLOB NOT NULL,
  uncorrected BLOB NOT NULL,
  PRIMARY KEY (run, epoch, idx),
  FOREIGN KEY (run, epoch) REFERENCES run_seconds(run, epoch) ON DELETE CASCADE
) WITHOUT ROWID;
CREATE TABLE agent_seconds(
  run INTEGER NOT NULL REFERENCES runs(seq) ON DELETE CASCADE,
  epoch INTEGER NOT NULL,
  time_ms INTEGER NOT NULL,
  snapshot TEXT NOT NULL,
  PRIMARY KEY (run, epoch)
) WITHOUT ROWID;
CREATE TABLE agent_events(
  run INTEGER NOT NULL REFERENCES runs(seq) ON DELETE CASCADE,
  id INTEGER NOT NULL,
  time_ms INTEGER NOT NULL,
  kind TEXT NOT NULL,
  event TEXT NOT NULL,
  PRIMARY KEY (run, id)
) WITHOUT ROWID;
)sql";

constexpr int kBusyTimeoutMs = 5000;

std::string busy_note(sqlite3* db) {
    return (sqlite3_errcode(db) & 0xff) == SQLITE_BUSY
               ? " (another process held the file's write lock for more than " +
                     std::to_string(kBusyTimeoutMs / 1000) + " s)"
               : std::string();
}

[[noreturn]] void raise(sqlite3* db, const std::string& what) {
    throw RunStoreError(what + ": " + sqlite3_errmsg(db) + busy_note(db));
}

void exec(sqlite3* db, const std::string& sql, const char* what) {
    char* err = nullptr;
    if (sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &err) != SQLITE_OK) {
        std::string msg = err ? err : sqlite3_errmsg(db);
        sqlite3_free(err);
        throw RunStoreError(std::string(what) + ": " + msg + busy_note(db));
    }
}

/// A prepared statement; bind with 1-based positions, step() until it returns false.
class Stmt {
  public:
    Stmt(sqlite3* db, const char* sql) : db_(db) {
        if (sqlite3_prepare_v2(db, sql, -1, &s_, nullptr) != SQLITE_OK) raise(db, "prepare");
    }
    ~Stmt() { sqlite3_finalize(s_); }
    Stmt(const Stmt&) = delete;
    Stmt& operator=(const Stmt&) = delete;

    Stmt& bind(int i, std::int64_t v) {
        sqlite3_bind_int64(s_, i, v);
        return *this;
    }
    Stmt& bind_u(int i, std::uint64_t v) {
        // Counters never reach 2^63; clamp rather than wrap if one ever did.
        return bind(i, std::int64_t(std::min<std::uint64_t>(v, std::uint64_t(INT64_MAX))));
    }
    Stmt& bind(int i, double v) {
        sqlite3_bind_double(s_, i, v);
        return *this;
    }
    Stmt& bind(int i, const std::string& v) {
        sqlite3_bind_text(s_, i, v.data(), int(v.size()), SQLITE_TRANSIENT);
        return *this;
    }
    Stmt& bind_blob(int i, const std::string& v) {
        sqlite3_bind_blob(s_, i, v.data(), int(v.size()), SQLITE_TRANSIENT);
        return *this;
    }
    Stmt& bind_null(int i) {
        sqlite3_bind_null(s_, i);
        return *this;
    }
    /// true: a row is ready; false: done. Throws on an error.
    bool step(const char* what) {
        const int rc = sqlite3_step(s_);
        if (rc == SQLITE_ROW) return true;
        if (rc == SQLITE_DONE) return false;
        raise(db_, what);
    }
    void reset() {
        sqlite3_reset(s_);
        sqlite3_clear_bindings(s_);
    }
    std::int64_t i64(int c) const { return sqlite3_column_int64(s_, c); }
    double f64(int c) const { return sqlite3_column_double(s_, c); }
    bool null(int c) const { return sqlite3_column_type(s_, c) == SQLITE_NULL; }
    std::string text(int c) const {
        const auto* p = reinterpret_cast<const char*>(sqlite3_column_text(s_, c));
        return p ? std::string(p, std::size_t(sqlite3_column_bytes(s_, c))) : std::string();
    }
    std::string blob(int c) const {
        const auto* p = static_cast<const char*>(sqlite3_column_blob(s_, c));
        return p ? std::string(p, std::size_t(sqlite3_column_bytes(s_, c))) : std::string();
    }
    sqlite3_stmt* get() const { return s_; }

  private:
    sqlite3* db_;
    sqlite3_stmt* s_ = nullptr;
};

/// BEGIN IMMEDIATE (the write lock at once, so a busy file waits for the busy timeout instead of failing
/// half-way), ROLLBACK unless commit() was called.
class Tx {
  public:
    explicit Tx(sqlite3* db) : db_(db) { exec(db, "BEGIN IMMEDIATE", "begin a transaction"); }
    ~Tx() {
        if (!done_) sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
    }
    void commit() {
        exec(db_, "COMMIT", "commit");
        done_ = true;
    }

  private:
    sqlite3* db_;
    bool done_ = false;
};

/// Runs a one-value query; nullopt (and *error) when SQLite fails, e.g. "file is not a database".
std::optional<std::int64_t> query_int(sqlite3* db, const char* sql, std::string* error) {
    sqlite3_stmt* s = nullptr;
    if (sqlite3_prepare_v2(db, sql, -1, &s, nullptr) != SQLITE_OK) {
        *error = sqlite3_errmsg(db);
        sqlite3_finalize(s);
        return std::nullopt;
    }
    const int rc = sqlite3_step(s);
    std::optional<std::int64_t> v;
    if (rc == SQLITE_ROW)
        v = sqlite3_column_int64(s, 0);
    else if (rc == SQLITE_DONE)
        v = 0;
    else
        *error = sqlite3_errmsg(db);
    sqlite3_finalize(s);
    return v;
}

std::string transport_json(const std::array<std::uint64_t, kTransportKinds>& t) {
    nlohmann::json j = nlohmann::json::object();
    for (std::size_t k = 0; k < kTransportKinds; ++k)
        if (t[k]) j[std::string(to_string(TransportError(k)))] = t[k];
    return j.dump();
}

std::array<std::uint64_t, kTransportKinds> transport_from(const std::string& text) {
    std::array<std::uint64_t, kTransportKinds> t{};
    const auto j = nlohmann::json::parse(text, nullptr, false);
    if (!j.is_object()) return t;
    for (std::size_t k = 0; k < kTransportKinds; ++k) {
        const auto it = j.find(std::string(to_string(TransportError(k))));
        if (it != j.end() && it->is_number_unsigned()) t[k] = it->get<std::uint64_t>();
    }
    return t;
}

std::string codes_json(const Counters& c) {
    nlohmann::json j = nlohmann::json::object();
    for (std::size_t i = 0; i < c.ncodes; ++i)
        j[std::to_string(c.codes[i].first)] = c.codes[i].second;
    return j.dump();
}

double finite_or(double v, double fallback) {
    return std::isfinite(v) ? v : fallback;
}

/// JSON text written by this store; a value edited into something unparsable reads as null.
nlohmann::json parse_or_null(const std::string& text) {
    auto j = nlohmann::json::parse(text, nullptr, false);
    return j.is_discarded() ? nlohmann::json(nullptr) : j;
}

bool is_all(const std::string& request) {
    return request.empty() || request == "*";
}

}  // namespace

const std::vector<RunStore::Migration>& RunStore::migrations() {
    static const std::vector<Migration> m = {{1, kSchemaV1}};
    return m;
}

std::unique_ptr<RunStore> RunStore::open(const std::string& path, Mode mode, std::string* error) {
    return open_with(path, mode, migrations(), error);
}

std::unique_ptr<RunStore> RunStore::open_with(const std::string& path, Mode mode,
                                              const std::vector<Migration>& migrations, std::string* error) {
    auto refuse = [&](const std::string& why) -> std::unique_ptr<RunStore> {
        if (error) *error = path + ": " + why;
        return nullptr;
    };
    if (path.empty()) return refuse("empty path");
    const int latest = migrations.empty() ? 0 : migrations.back().version;
    std::error_code ec;
    const auto st = fs::status(path, ec);
    const bool exists = fs::exists(st);
    if (exists && fs::is_directory(st)) return refuse("is a directory");
    if (exists && !fs::is_regular_file(st)) return refuse("is not a regular file");
    if (!exists) {
        if (mode == Mode::MustExist) return refuse("no such file");
        fs::path parent = fs::path(path).parent_path();
        if (parent.empty()) parent = ".";
        const auto pst = fs::status(parent, ec);
        if (!fs::exists(pst)) return refuse("its directory " + parent.string() + " does not exist");
        if (!fs::is_directory(pst)) return refuse(parent.string() + " is not a directory");
    }
    sqlite3* raw = nullptr;
    const int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX |
                      (mode == Mode::CreateIfMissing ? SQLITE_OPEN_CREATE : 0);
    const int rc = sqlite3_open_v2(path.c_str(), &raw, flags, nullptr);
    std::unique_ptr<RunStore> store(new RunStore(path, raw));
    if (rc != SQLITE_OK) {
        const int sys = raw ? sqlite3_system_errno(raw) : 0;
        const std::string os = sys ? std::string(" (") + std::strerror(sys) + ")" : std::string();
        return refuse(std::string("cannot open: ") + (raw ? sqlite3_errmsg(raw) : sqlite3_errstr(rc)) + os);
    }
    sqlite3_extended_result_codes(raw, 1);
    if (sqlite3_db_readonly(raw, "main") == 1) return refuse("is not writable (opened read-only)");
    sqlite3_busy_timeout(raw, kBusyTimeoutMs);

    // Inspect before anything writes: these only read the header and the schema, in one statement, so one
    // read transaction: another process creating the file at this moment commits its tables and its schema
    // version together, and separate reads could see the tables without the version.
    std::string why;
    std::optional<std::int64_t> version, app_id, objects;
    {
        sqlite3_stmt* q = nullptr;
        if (sqlite3_prepare_v2(
                raw,
                "SELECT (SELECT user_version FROM pragma_user_version()), (SELECT application_id "
                "FROM pragma_application_id()), (SELECT count(*) FROM sqlite_master WHERE name "
                "NOT LIKE 'sqlite_%')",
                -1, &q, nullptr) == SQLITE_OK &&
            sqlite3_step(q) == SQLITE_ROW) {
            version = sqlite3_column_int64(q, 0);
            app_id = sqlite3_column_int64(q, 1);
            objects = sqlite3_column_int64(q, 2);
        } else {
            why = sqlite3_errmsg(raw);
        }
        sqlite3_finalize(q);
    }
    if (!version || !app_id || !objects) return refuse("not a runs database (" + why + "); left as it is");
    if (*version > latest)
        return refuse("written by a newer redline (runs schema v" + std::to_string(*version) +
                      ", this build knows up to v" + std::to_string(latest) + "); left as it is");
    if (*version == 0 && *objects > 0)
        return refuse(
            "a SQLite database of another application (it has tables but no runs schema); left as "
            "it is");
    if (*version > 0 && *app_id != kApplicationId)
        return refuse("a SQLite database of another application (application_id " + std::to_string(*app_id) +
                      "); left as it is");

    // About 2 ms per MB: worth it before a run writes into the file, not for every `runs list`.
    if (mode == Mode::CreateIfMissing && exists) {
        sqlite3_stmt* check = nullptr;
        std::string verdict = "ok";
        if (sqlite3_prepare_v2(raw, "PRAGMA quick_check(1)", -1, &check, nullptr) != SQLITE_OK)
            verdict = sqlite3_errmsg(raw);
        else if (sqlite3_step(check) == SQLITE_ROW)
            verdict = reinterpret_cast<const char*>(sqlite3_column_text(check, 0));
        else
            verdict = sqlite3_errmsg(raw);
        sqlite3_finalize(check);
        if (verdict != "ok") {
            std::replace(verdict.begin(), verdict.end(), '\n', ' ');
            return refuse("damaged (quick_check: " + verdict.substr(0, 200) + "); left as it is");
        }
    }
    try {
        std::string mode_now;
        // Switching to WAL takes the file's exclusive lock. Two processes switching a new file at once can
        // each hold the shared lock the other waits for; SQLite then answers BUSY at once, without its busy
        // handler (it would deadlock), so the loser tries again (by then the file is WAL: a no-op).
        const auto give_up = std::chrono::steady_clock::now() + std::chrono::milliseconds(kBusyTimeoutMs);
        for (;;) {
            try {
                Stmt s(raw, "PRAGMA journal_mode=WAL");
                if (s.step("journal_mode")) mode_now = s.text(0);
                break;
            } catch (const RunStoreError&) {
                if ((sqlite3_errcode(raw) & 0xff) != SQLITE_BUSY ||
                    std::chrono::steady_clock::now() > give_up)
                    throw;
            }
            std::this_thread::sleep_for(std::chrono::milliseconds(10));
        }
        if (mode_now != "wal")
            spdlog::warn("runs database {}: journal mode {} (WAL not available)", path, mode_now);
        exec(raw, "PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;", "settings");
        if (*version < latest) {
            Tx tx(raw);
            // Another process may have created or upgraded it since the inspection above.
            const auto now = query_int(raw, "PRAGMA user_version", &why);
            if (!now) return refuse("cannot read the schema version: " + why);
            if (*now > latest)
                return refuse("written by a newer redline (runs schema v" + std::to_string(*now) +
                              "); left as it is");
            for (const auto& m : migrations) {
                if (m.version <= *now) continue;
                try {
                    exec(raw, m.sql, "migration");
                } catch (const RunStoreError& e) {
                    return refuse("upgrade to runs schema v" + std::to_string(m.version) + " failed (" +
                                  e.what() + "); left at v" + std::to_string(*now));
                }
            }
            exec(raw,
                 "PRAGMA user_version=" + std::to_string(latest) +
                     "; PRAGMA application_id=" + std::to_string(kApplicationId) + ";",
                 "set the schema version");
            tx.commit();
            if (*now > 0) spdlog::info("runs database {}: upgraded schema v{} -> v{}", path, *now, latest);
        }
    } catch (const RunStoreError& e) {
        return refuse(e.what());
    }
    return store;
}

RunStore::RunStore(std::string path, sqlite3* db) : path_(std::move(path)), db_(db) {}

RunStore::~RunStore() {
    sqlite3_close_v2(db_);
}

int RunStore::schema_version() const {
    std::string why;
    const auto v = query_int(db_, "PRAGMA user_version", &why);
    if (!v) throw RunStoreError("schema version: " + why);
    return int(*v);
}

std::string RunStore::new_id() {
    return random_hex(8);
}

void RunStore::begin_run(const RunHeader& h) {
    Tx tx(db_);
    Stmt s(db_,
           "INSERT INTO runs(id, run_id, scenario, scenario_json, target, executor, started_ms, state, host, "
           "pid, redline_version) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, 'incomplete', ?8, ?9, ?10)");
    s.bind(1, h.id)
        .bind(2, h.run_id)
        .bind(3, h.scenario)
        .bind(4, h.scenario_json.dump())
        .bind(5, h.target)
        .bind(6, h.executor)
        .bind(7, h.started_ms)
        .bind(8, h.host)
        .bind(9, h.pid)
        .bind(10, h.version);
    s.step("insert the run");
    tx.commit();
}

std::int64_t RunStore::seq_of(const std::string& id) const {
    Stmt s(db_, "SELECT seq FROM runs WHERE id = ?1");
    s.bind(1, id);
    return s.step("find the run") ? s.i64(0) : -1;
}

void RunStore::add_seconds(const std::string& id, const std::vector<RunSecond>& seconds,
                           const std::vector<StoredAgentSecond>& agent_seconds,
                           const std::vector<nlohmann::json>& agent_events) {
    if (seconds.empty() && agent_seconds.empty() && agent_events.empty()) return;
    Tx tx(db_);
    const std::int64_t seq = seq_of(id);
    if (seq < 0) throw RunStoreError("store seconds: no run " + id);
    Stmt sec(db_,
             "INSERT OR REPLACE INTO run_seconds(run, epoch, t_s, target, achieved_rate, late, unsent, "
             "in_flight, transport) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)");
    Stmt req(
        db_,
        "INSERT OR REPLACE INTO run_second_requests(run, epoch, idx, name, method, requests, errors, "
        "no_response, s1xx, s2xx, s3xx, s4xx, s5xx, rate_limited, codes, codes_overflow, corrected, "
        "uncorrected) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, "
        "?18)");
    for (const auto& r : seconds) {
        std::uint64_t completed = 0;
        for (const auto& q : r.requests)
            completed += q.stats.counters.requests;
        sec.bind(1, seq)
            .bind(2, r.epoch)
            .bind(3, finite_or(r.t_s, 0))
            .bind(4, finite_or(r.target, 0))
            .bind(5, double(completed))
            .bind_u(6, r.late)
            .bind_u(7, r.unsent)
            .bind(8, r.in_flight)
            .bind(9, transport_json(r.transport));
        sec.step("store a second");
        sec.reset();
        for (std::size_t i = 0; i < r.requests.size(); ++i) {
            const auto& q = r.requests[i];
            const Counters& c = q.stats.counters;
            req.bind(1, seq).bind(2, r.epoch).bind(3, std::int64_t(i)).bind(4, q.name).bind(5, q.method);
            req.bind_u(6, c.requests).bind_u(7, c.errors);
            for (int k = 0; k < 6; ++k)
                req.bind_u(8 + k, c.by_class[std::size_t(k)]);
            req.bind_u(14, c.code_count(429)).bind(15, codes_json(c)).bind_u(16, c.codes_overflow);
            req.bind_blob(17, encode_sketch(q.stats.corrected))
                .bind_blob(18, encode_sketch(q.stats.uncorrected));
            req.step("store a second's request");
            req.reset();
        }
    }
    if (!agent_seconds.empty()) {
        Stmt a(db_,
               "INSERT OR IGNORE INTO agent_seconds(run, epoch, time_ms, snapshot) VALUES (?1, ?2, ?3, ?4)");
        for (const auto& x : agent_seconds) {
            a.bind(1, seq).bind(2, x.epoch).bind(3, x.time_ms).bind(4, x.snapshot.dump());
            a.step("store an agent second");
            a.reset();
        }
    }
    if (!agent_events.empty()) {
        Stmt e(
            db_,
            "INSERT OR IGNORE INTO agent_events(run, id, time_ms, kind, event) VALUES (?1, ?2, ?3, ?4, ?5)");
        for (const auto& x : agent_events) {
            e.bind(1, seq)
                .bind_u(2, x.value("id", std::uint64_t(0)))
                .bind(3, x.value("time_ms", std::int64_t(0)))
                .bind(4, x.value("kind", std::string()))
                .bind(5, x.dump());
            e.step("store an agent event");
            e.reset();
        }
    }
    tx.commit();
}

void RunStore::end_run(const std::string& id, const Summary& s, std::int64_t ended_ms) {
    Tx tx(db_);
    Stmt u(db_,
           "UPDATE runs SET state = 'complete', ended_ms = ?2, outcome = ?3, exit_code = ?4, reason = ?5, "
           "summary_json = ?6, duration_s = ?7, requests = ?8, error_ratio = ?9, p99_ms = ?10, "
           "started_ms = CASE WHEN ?11 > 0 THEN ?11 ELSE started_ms END WHERE id = ?1");
    const std::string reason = s.outcome == RunOutcome::Error && s.reason.empty() ? s.error : s.reason;
    u.bind(1, id)
        .bind(2, ended_ms)
        .bind(3, std::string(to_string(s.outcome)))
        .bind(4, std::int64_t(s.exit_code()))
        .bind(5, reason)
        .bind(6, to_json(s).dump())
        .bind(7, finite_or(s.duration_s, 0))
        .bind_u(8, s.completed)
        .bind(11, s.started_ms);
    if (s.completed) {  // no requests: no error ratio and no latency, not 0
        u.bind(9, finite_or(s.error_ratio, 0)).bind(10, finite_or(s.latency.p99_ms, 0));
    } else {
        u.bind_null(9).bind_null(10);
    }
    u.step("store the end of the run");
    if (sqlite3_changes(db_) != 1) throw RunStoreError("store the end of the run: no run " + id);
    tx.commit();
}

bool RunStore::remove(const std::string& id) {
    Tx tx(db_);
    Stmt d(db_, "DELETE FROM runs WHERE id = ?1");
    d.bind(1, id);
    d.step("delete the run");
    const bool gone = sqlite3_changes(db_) == 1;
    tx.commit();
    return gone;
}

RunStore::Resolved RunStore::resolve(const std::string& id_or_prefix) const {
    Resolved r;
    if (id_or_prefix.empty()) return r;
    Stmt s(db_, "SELECT id FROM runs WHERE substr(id, 1, ?1) = ?2 ORDER BY id LIMIT 2");
    s.bind(1, std::int64_t(id_or_prefix.size())).bind(2, id_or_prefix);
    while (s.step("find the run")) {
        ++r.matches;
        r.id = s.text(0);
    }
    if (r.matches == 1) {
        r.status = Resolved::Status::Found;
    } else if (r.matches > 1) {
        r.status = Resolved::Status::Ambiguous;
        r.id.clear();
        Stmt c(db_, "SELECT count(*) FROM runs WHERE substr(id, 1, ?1) = ?2");
        c.bind(1, std::int64_t(id_or_prefix.size())).bind(2, id_or_prefix);
        if (c.step("count the runs")) r.matches = std::size_t(c.i64(0));
    }
    return r;
}

namespace {
constexpr const char* kRunColumns =
    "r.id, r.run_id, r.scenario, r.scenario_json, r.target, r.executor, r.started_ms, r.ended_ms, r.state, "
    "r.outcome, r.exit_code, r.reason, r.summary_json, r.host, r.pid, r.redline_version, r.duration_s, "
    "r.requests, r.error_ratio, r.p99_ms, (SELECT count(*) FROM run_seconds s WHERE s.run = r.seq), "
    "CASE WHEN r.state = 'complete' THEN NULL ELSE "
    "(SELECT sum(requests) FROM run_second_requests q WHERE q.run = r.seq) END";
}

StoredRun RunStore::read_run(sqlite3_stmt* raw) const {
    auto col_text = [&](int c) {
        const auto* p = reinterpret_cast<const char*>(sqlite3_column_text(raw, c));
        return p ? std::string(p, std::size_t(sqlite3_column_bytes(raw, c))) : std::string();
    };
    auto is_null = [&](int c) { return sqlite3_column_type(raw, c) == SQLITE_NULL; };
    StoredRun r;
    r.id = col_text(0);
    r.run_id = col_text(1);
    r.scenario = col_text(2);
    r.scenario_json = parse_or_null(col_text(3));
    r.target = col_text(4);
    r.executor = col_text(5);
    r.started_ms = sqlite3_column_int64(raw, 6);
    if (!is_null(7)) r.ended_ms = sqlite3_column_int64(raw, 7);
    r.complete = col_text(8) == "complete";
    r.outcome = col_text(9);
    if (!is_null(10)) r.exit_code = int(sqlite3_column_int64(raw, 10));
    r.reason = col_text(11);
    if (!is_null(12)) r.summary = parse_or_null(col_text(12));
    r.host = col_text(13);
    r.pid = sqlite3_column_int64(raw, 14);
    r.version = col_text(15);
    r.seconds = sqlite3_column_int64(raw, 20);
    if (r.complete) {
        r.duration_s = sqlite3_column_double(raw, 16);
        r.requests = std::uint64_t(std::max<std::int64_t>(0, sqlite3_column_int64(raw, 17)));
        if (!is_null(18)) r.error_ratio = sqlite3_column_double(raw, 18);
        if (!is_null(19)) r.p99_ms = sqlite3_column_double(raw, 19);
    } else {
        r.duration_s = double(r.seconds);
        r.requests = std::uint64_t(std::max<std::int64_t>(0, sqlite3_column_int64(raw, 21)));
    }
    return r;
}

std::vector<StoredRun> RunStore::list(const ListQuery& q) const {
    const std::string sql = std::string("SELECT ") + kRunColumns +
                            " FROM runs r WHERE (?1 = '' OR r.scenario = ?1) ORDER BY r.started_ms DESC, "
                            "r.seq DESC LIMIT ?2";
    Stmt s(db_, sql.c_str());
    s.bind(1, q.scenario).bind(2, q.limit ? std::int64_t(q.limit) : std::int64_t(-1));
    std::vector<StoredRun> out;
    while (s.step("list the runs"))
        out.push_back(read_run(s.get()));
    return out;
}

std::size_t RunStore::count(const ListQuery& q) const {
    Stmt s(db_, "SELECT count(*) FROM runs WHERE (?1 = '' OR scenario = ?1)");
    s.bind(1, q.scenario);
    return s.step("count the runs") ? std::size_t(s.i64(0)) : 0;
}

std::optional<StoredRun> RunStore::get(const std::string& id) const {
    const std::string sql = std::string("SELECT ") + kRunColumns + " FROM runs r WHERE r.id = ?1";
    Stmt s(db_, sql.c_str());
    s.bind(1, id);
    if (!s.step("read the run")) return std::nullopt;
    return read_run(s.get());
}

std::vector<StoredSecond> RunStore::seconds(const std::string& id) const {
    std::vector<StoredSecond> out;
    const std::int64_t seq = seq_of(id);
    if (seq < 0) return out;
    Stmt s(db_,
           "SELECT epoch, t_s, target, achieved_rate, late, unsent, in_flight, transport FROM run_seconds "
           "WHERE run = ?1 ORDER BY epoch");
    s.bind(1, seq);
    while (s.step("read the seconds")) {
        StoredSecond x;
        x.epoch = s.i64(0);
        x.t_s = s.f64(1);
        x.target = s.f64(2);
        x.achieved_rate = s.f64(3);
        x.late = std::uint64_t(s.i64(4));
        x.unsent = std::uint64_t(s.i64(5));
        x.in_flight = s.i64(6);
        x.transport = transport_from(s.text(7));
        out.push_back(std::move(x));
    }
    Stmt q(
        db_,
        "SELECT epoch, name, method, requests, errors, no_response, s1xx, s2xx, s3xx, s4xx, s5xx, codes, "
        "codes_overflow, corrected, uncorrected FROM run_second_requests WHERE run = ?1 ORDER BY epoch, idx");
    q.bind(1, seq);
    std::size_t at = 0;
    while (q.step("read the seconds' requests")) {
        const std::int64_t epoch = q.i64(0);
        while (at < out.size() && out[at].epoch < epoch)
            ++at;
        if (at == out.size() || out[at].epoch != epoch) continue;  // cannot happen (foreign key)
        StoredRequestSecond r;
        r.name = q.text(1);
        r.method = q.text(2);
        Counters& c = r.counters;
        c.requests = std::uint64_t(q.i64(3));
        c.errors = std::uint64_t(q.i64(4));
        for (int k = 0; k < 6; ++k)
            c.by_class[std::size_t(k)] = std::uint64_t(q.i64(5 + k));
        const auto codes = nlohmann::json::parse(q.text(11), nullptr, false);
        if (codes.is_object())
            for (const auto& [code, n] : codes.items())
                if (c.ncodes < Counters::kMaxCodes && n.is_number_unsigned())
                    c.codes[c.ncodes++] = {std::uint16_t(std::atoi(code.c_str())), n.get<std::uint64_t>()};
        c.codes_overflow = std::uint64_t(q.i64(12));
        std::string why;
        if (!decode_sketch(q.blob(13), r.corrected, &why) || !decode_sketch(q.blob(14), r.uncorrected, &why))
            throw RunStoreError("run " + id + ", second " + std::to_string(epoch) + ": " + why);
        out[at].requests.push_back(std::move(r));
    }
    return out;
}

std::vector<StoredAgentSecond> RunStore::agent_seconds(const std::string& id) const {
    std::vector<StoredAgentSecond> out;
    const std::int64_t seq = seq_of(id);
    if (seq < 0) return out;
    Stmt s(db_, "SELECT epoch, time_ms, snapshot FROM agent_seconds WHERE run = ?1 ORDER BY epoch");
    s.bind(1, seq);
    while (s.step("read the agent seconds"))
        out.push_back({s.i64(0), s.i64(1), parse_or_null(s.text(2))});
    return out;
}

std::vector<nlohmann::json> RunStore::agent_events(const std::string& id) const {
    std::vector<nlohmann::json> out;
    const std::int64_t seq = seq_of(id);
    if (seq < 0) return out;
    Stmt s(db_, "SELECT event FROM agent_events WHERE run = ?1 ORDER BY id");
    s.bind(1, seq);
    while (s.step("read the agent events"))
        out.push_back(parse_or_null(s.text(0)));
    return out;
}

std::optional<LatencySketch> RunStore::interval_sketch(const std::string& id, double from_s, double to_s,
                                                       const std::string& request, bool corrected) const {
    const std::int64_t seq = seq_of(id);
    if (seq < 0) return std::nullopt;
    if (!is_all(request)) {
        Stmt n(db_, "SELECT 1 FROM run_second_requests WHERE run = ?1 AND name = ?2 LIMIT 1");
        n.bind(1, seq).bind(2, request);
        if (!n.step("find the request")) return std::nullopt;
    }
    const std::string sql =
        std::string("SELECT q.") + (corrected ? "corrected" : "uncorrected") +
        " FROM run_second_requests q JOIN run_seconds s ON s.run = q.run AND s.epoch = "
        "q.epoch WHERE q.run = ?1 AND (?2 OR s.t_s > ?3) AND s.t_s <= ?4 AND (?5 OR q.name "
        "= ?6)";
    Stmt s(db_, sql.c_str());
    s.bind(1, seq)
        .bind(2, std::int64_t(from_s < 0))
        .bind(3, from_s)
        .bind(4, std::isfinite(to_s) ? to_s : std::numeric_limits<double>::max())
        .bind(5, std::int64_t(is_all(request)))
        .bind(6, request);
    LatencySketch total, one;
    while (s.step("read the interval")) {
        std::string why;
        if (!decode_sketch(s.blob(0), one, &why)) throw RunStoreError("run " + id + ": " + why);
        total.merge(one);
    }
    return total;
}

}  // namespace redline::load
