#include "agents/agent/event_log.h"

#include <fcntl.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>

#include "agents/agent/types.h"

namespace redline::agent {

EventLog::EventLog(std::size_t capacity, std::string audit_path)
    : capacity_(std::max<std::size_t>(capacity, 1)), audit_path_(std::move(audit_path)) {
    if (!audit_path_.empty()) {
        audit_fd_ = ::open(audit_path_.c_str(), O_RDWR | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
        if (audit_fd_ < 0)
            throw ConfigError("cannot open audit log " + audit_path_ + ": " + std::strerror(errno));
        drop_partial_line();
        const std::uint64_t replayed_max = replay_audit();
        const std::string seq = audit_path_ + ".seq";
        seq_fd_ = ::open(seq.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
        if (seq_fd_ < 0) throw ConfigError("cannot open " + seq + ": " + std::strerror(errno));
        next_id_ = std::max(replayed_max, read_seq()) + 1;
    }
}

std::uint64_t EventLog::replay_audit() {
    std::ifstream in(audit_path_);
    std::string line;
    std::uint64_t last = 0, bad = 0, renumbered = 0;
    while (std::getline(in, line)) {
        if (line.empty()) continue;
        const auto j = nlohmann::json::parse(line, nullptr, /*allow_exceptions=*/false);
        Event e;
        try {
            if (j.is_discarded()) throw std::runtime_error("not JSON");
            j.get_to(e);
        } catch (const std::exception&) {
            ++bad;
            continue;
        }
        // Files written before ids continued across restarts start again at 1: keep them in order.
        if (e.id <= last) {
            e.id = last + 1;
            ++renumbered;
        }
        last = e.id;
        ring_.push_back(std::move(e));
        ++replayed_;
        if (ring_.size() > capacity_) ring_.pop_front();
    }
    if (bad) spdlog::warn("agent: audit log {}: {} unreadable lines skipped", audit_path_, bad);
    if (replayed_)
        spdlog::info("agent: {} events replayed from {} ({} renumbered)", replayed_, audit_path_, renumbered);
    return last;
}

std::uint64_t EventLog::read_seq() const {
    char buf[32] = {};
    const ssize_t n = ::pread(seq_fd_, buf, sizeof buf - 1, 0);
    if (n <= 0) return 0;
    return std::strtoull(buf, nullptr, 10);
}

void EventLog::write_seq() {
    if (seq_fd_ < 0) return;
    // Fixed width, one pwrite: a reader never sees a mix of two values' digits.
    char buf[24];
    std::snprintf(buf, sizeof buf, "%020llu\n", static_cast<unsigned long long>(next_id_ - 1));
    if (::pwrite(seq_fd_, buf, 21, 0) != 21) spdlog::warn("agent: cannot write the event id sequence");
}

void EventLog::drop_partial_line() {
    // A line without its newline was cut by a crash inside write() and never acknowledged (the fsync that
    // follows every line did not return): remove it so the log holds whole lines only.
    const off_t size = ::lseek(audit_fd_, 0, SEEK_END);
    if (size <= 0) return;
    char last = '\n';
    if (::pread(audit_fd_, &last, 1, size - 1) != 1 || last == '\n') return;
    off_t keep = size - 1;
    char buf[4096];
    while (keep > 0) {
        const off_t from = std::max<off_t>(0, keep - off_t(sizeof buf));
        const ssize_t n = ::pread(audit_fd_, buf, std::size_t(keep - from), from);
        if (n <= 0) return;
        const void* nl = ::memrchr(buf, '\n', std::size_t(n));
        if (nl) {
            keep = from + (static_cast<const char*>(nl) - buf) + 1;
            break;
        }
        keep = from;
    }
    spdlog::warn("agent: audit log {} ended in an incomplete line ({} bytes); removed it", audit_path_,
                 size - keep);
    if (::ftruncate(audit_fd_, keep) == 0) ::fsync(audit_fd_);
}

EventLog::~EventLog() {
    if (audit_fd_ >= 0) ::close(audit_fd_);
    if (seq_fd_ >= 0) ::close(seq_fd_);
}

bool EventLog::write_audit(const Event& e, std::string* error) {
    if (audit_fd_ < 0) return true;
    nlohmann::json j = e;
    std::string line = j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    line.push_back('\n');
    // O_APPEND + one write() per line: lines never interleave, even with other processes appending.
    const char* p = line.data();
    std::size_t left = line.size();
    while (left > 0) {
        ssize_t n = ::write(audit_fd_, p, left);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) {
            if (error) *error = std::string("audit log write failed: ") + std::strerror(errno);
            return false;
        }
        p += n;
        left -= std::size_t(n);
    }
    if (::fsync(audit_fd_) != 0) {
        if (error) *error = std::string("audit log fsync failed: ") + std::strerror(errno);
        return false;
    }
    return true;
}

bool EventLog::append(Event& e, bool audit, std::string* error) {
    std::lock_guard lock(mutex_);
    e.id = next_id_;
    if (e.time_ms == 0) e.time_ms = unix_ms();
    if (audit && !write_audit(e, error)) return false;
    ++next_id_;
    write_seq();
    ring_.push_back(e);
    while (ring_.size() > capacity_) {
        ring_.pop_front();
        ++dropped_;
    }
    for (auto& [token, fn] : subscribers_) {
        try {
            fn(e.id);
        } catch (const std::exception& ex) {
            spdlog::error("agent: event subscriber failed: {}", ex.what());
        }
    }
    return true;
}

EventPage EventLog::page(std::uint64_t after, std::size_t limit) const {
    EventPage p;
    std::lock_guard lock(mutex_);
    p.next_cursor = after;
    if (ring_.empty() || limit == 0) return p;
    // Ids in the ring increase but are not contiguous (the audit file holds only audited events).
    auto it = std::upper_bound(ring_.begin(), ring_.end(), after,
                               [](std::uint64_t id, const Event& e) { return id < e.id; });
    for (; it != ring_.end() && p.events.size() < limit; ++it)
        p.events.push_back(*it);
    if (!p.events.empty()) p.next_cursor = p.events.back().id;
    return p;
}

std::uint64_t EventLog::last_id() const {
    std::lock_guard lock(mutex_);
    return next_id_ - 1;
}

std::uint64_t EventLog::dropped() const {
    std::lock_guard lock(mutex_);
    return dropped_;
}

std::uint64_t EventLog::subscribe(Subscriber fn) {
    std::lock_guard lock(mutex_);
    std::uint64_t t = next_subscriber_++;
    subscribers_.emplace(t, std::move(fn));
    return t;
}

void EventLog::unsubscribe(std::uint64_t token) {
    std::lock_guard lock(mutex_);
    subscribers_.erase(token);
}

}  // namespace redline::agent
