// The agent's event log: a bounded in-memory ring of Events with strictly increasing ids, an append-only
// audit file (JSON lines, fsync'd per line) for events with a human/host actor, and subscribers that are told
// when new events arrive (the SSE stream pulls them with page()).
//
// Restarts: the ring starts with the audit file's last `capacity` events (so /v1/events and the stream show
// the history), and ids continue after the highest id used before, kept in "<audit file>.seq" (rewritten,
// not fsync'd, after each event; the audit file's own ids cover what a power loss could lose). A client that
// reconnects with its last id therefore neither misses new events nor sees old ones again.
//
// Threading: every method is thread-safe (mutex_ guards ring_, next_id_, subscribers_ and the audit fd).
// Subscriber callbacks run on the appending thread while mutex_ is held, in id order: they must be cheap and
// must not call back into the log (post to an executor instead).
#pragma once

#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <vector>

#include "core/clock.h"
#include "core/event.h"

namespace redline::agent {

class EventLog {
  public:
    /// audit_path empty = no audit file. Throws ConfigError when the audit file cannot be opened.
    EventLog(std::size_t capacity, std::string audit_path);
    ~EventLog();
    EventLog(const EventLog&) = delete;
    EventLog& operator=(const EventLog&) = delete;

    /// Assigns id and time (when time_ms is 0), writes the audit line when `audit` is true, stores the event
    /// and notifies subscribers. Returns false (and stores nothing) when the audit line could not be written
    /// and fsync'd; *error then says why.
    bool append(Event& e, bool audit, std::string* error = nullptr);

    /// Events with id > after still kept in the ring, oldest first, at most limit. next_cursor = id of the
    /// last returned event, or `after` when none.
    EventPage page(std::uint64_t after, std::size_t limit) const;
    std::uint64_t last_id() const;
    std::size_t capacity() const { return capacity_; }
    const std::string& audit_path() const { return audit_path_; }
    std::uint64_t dropped() const;  // events evicted from the ring so far
    std::uint64_t replayed() const { return replayed_; }

    using Subscriber = std::function<void(std::uint64_t newest_id)>;
    std::uint64_t subscribe(Subscriber fn);
    void unsubscribe(std::uint64_t token);

  private:
    bool write_audit(const Event& e, std::string* error);
    void drop_partial_line();
    /// Loads the audit file's events into the ring; returns the highest id seen.
    std::uint64_t replay_audit();
    std::uint64_t read_seq() const;
    void write_seq();

    const std::size_t capacity_;
    const std::string audit_path_;
    mutable std::mutex mutex_;
    std::deque<Event> ring_;
    std::uint64_t next_id_ = 1;
    std::uint64_t dropped_ = 0;
    int audit_fd_ = -1;
    int seq_fd_ = -1;
    std::uint64_t replayed_ = 0;  // events loaded from the audit file at start
    std::map<std::uint64_t, Subscriber> subscribers_;
    std::uint64_t next_subscriber_ = 1;
};

using redline::unix_ms;  // core/clock.h

}  // namespace redline::agent
