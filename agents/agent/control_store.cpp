#include "agents/agent/control_store.h"

#include <fcntl.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "agents/agent/error_reporter.h"
#include "agents/agent/event_log.h"
#include "core/json_strict.h"

namespace redline::agent {
namespace fs = std::filesystem;

namespace {

bool valid_name(std::string_view n) {
    if (n.empty() || n.size() > 32) return false;
    for (char c : n) {
        if (c < 'a' || c > 'z') return false;
    }
    return true;
}

bool write_all(int fd, const std::string& s) {
    const char* p = s.data();
    std::size_t left = s.size();
    while (left > 0) {
        ssize_t n = ::write(fd, p, left);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return false;
        p += n;
        left -= std::size_t(n);
    }
    return true;
}

AdminResponse bad_request(std::string detail, std::vector<FieldError> errors = {}) {
    Problem p = Problem::make(400, "Bad Request", std::move(detail));
    p.errors = std::move(errors);
    return AdminResponse::problem(p);
}

}  // namespace

ControlStore::ControlStore(std::string data_dir, EventLog& events, ErrorReporter& errors)
    : dir_((fs::path(data_dir) / "control").string()), events_(events), errors_(errors) {}

bool ControlStore::write_atomic(const std::string& path, const std::string& content, std::string* error) {
    auto fail = [&](const std::string& what) {
        if (error) *error = what + " " + path + ": " + std::strerror(errno);
        return false;
    };
    std::string tmp = path + ".tmp";
    int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0) return fail("cannot create");
    if (!write_all(fd, content) || ::fsync(fd) != 0) {
        int e = errno;
        ::close(fd);
        ::unlink(tmp.c_str());
        errno = e;
        return fail("cannot write");
    }
    ::close(fd);
    if (::rename(tmp.c_str(), path.c_str()) != 0) {
        int e = errno;
        ::unlink(tmp.c_str());
        errno = e;
        return fail("cannot rename onto");
    }
    std::string dir = fs::path(path).parent_path().string();
    int dfd = ::open(dir.empty() ? "." : dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd < 0) return fail("cannot open directory of");
    int rc = ::fsync(dfd);
    ::close(dfd);
    if (rc != 0) return fail("cannot fsync directory of");
    return true;
}

std::string ControlStore::file_path(std::string_view name) const {
    return (fs::path(dir_) / (std::string(name) + ".json")).string();
}

void ControlStore::add(ControlResource resource) {
    if (!valid_name(resource.name))
        throw ConfigError("control name must be [a-z]{1,32}: '" + resource.name + "'");
    if (!resource.validate) throw ConfigError("control '" + resource.name + "' has no validate callback");
    std::lock_guard lock(state_mutex_);
    if (entries_.count(resource.name)) throw ConfigError("control '" + resource.name + "' added twice");
    std::string name = resource.name;
    nlohmann::json initial = resource.initial;
    entries_.emplace(name, Entry{std::move(resource), std::move(initial)});
}

void ControlStore::call_apply(const Entry& e, const nlohmann::json& state) {
    if (!e.resource.apply) return;
    try {
        e.resource.apply(state);
    } catch (const std::exception& ex) {
        errors_.report("control '" + e.resource.name + "': apply callback threw: " + ex.what());
    } catch (...) {
        errors_.report("control '" + e.resource.name + "': apply callback threw");
    }
}

std::map<std::string, nlohmann::json> ControlStore::last_audited_states() const {
    std::map<std::string, nlohmann::json> out;
    if (events_.audit_path().empty()) return out;
    std::ifstream in(events_.audit_path(), std::ios::binary);
    std::string line;
    while (std::getline(in, line)) {
        if (in.eof()) break;  // no newline: an incomplete line that was never acknowledged
        const auto k = line.find("\"kind\":\"");
        if (k == std::string::npos) continue;
        const auto dot = line.find('.', k + 8);
        if (dot == std::string::npos) continue;
        const std::string name = line.substr(k + 8, dot - k - 8);
        if (entries_.find(name) == entries_.end()) continue;
        auto j = parse_json_strict(line);
        if (!j.ok() || !j.value().is_object()) continue;
        const std::string kind = j.value().value("kind", "");
        if (kind != name + ".changed" && kind != name + ".recovered" && kind != name + ".rolled_back")
            continue;
        if (j.value().contains("after")) out[name] = j.value()["after"];
    }
    return out;
}

void ControlStore::load_and_apply() {
    std::error_code ec;
    fs::create_directories(dir_, ec);
    if (ec) errors_.report("cannot create " + dir_ + ": " + ec.message());
    std::lock_guard put_lock(put_mutex_);
    const auto audited = last_audited_states();
    for (auto& [name, entry] : entries_) {
        std::string path = file_path(name);
        if (fs::exists(path, ec)) {
            std::ifstream in(path, std::ios::binary);
            std::stringstream ss;
            ss << in.rdbuf();
            auto strict = parse_json_strict(ss.str());
            if (!strict.ok()) {
                errors_.report("control '" + name + "': " + path + " is not strict JSON (" +
                               join_field_errors(strict.errors()) + "); keeping the default");
            } else {
                try {
                    auto parsed = entry.resource.validate(strict.value());
                    if (parsed.ok()) {
                        std::lock_guard lock(state_mutex_);
                        entry.state = parsed.value();
                    } else {
                        Problem p = Problem::make(400, "Bad Request");
                        p.errors = parsed.errors();
                        errors_.report("control '" + name + "': " + path + " is invalid (" + p.to_string() +
                                       "); keeping the default");
                    }
                } catch (const std::exception& ex) {
                    errors_.report("control '" + name + "': validating " + path + " threw: " + ex.what());
                }
            }
        }
        reconcile(name, entry, audited, fs::exists(path, ec));
        nlohmann::json state;
        {
            std::lock_guard lock(state_mutex_);
            state = entry.state;
        }
        call_apply(entry, state);
    }
}

void ControlStore::reconcile(const std::string& name, Entry& entry,
                             const std::map<std::string, nlohmann::json>& audited, bool had_file) {
    // The audit log is the source of truth: the state in force is the last audited one. A state file that
    // disagrees (a crash between the audit line and the file, or a hand edit) is restored to it; a state with
    // no audit line at all (an older data dir) is adopted and audited now. Either way a recovery event says
    // so.
    Event ev;
    ev.kind = name + ".recovered";
    ev.actor = "agent";
    ev.before = entry.state;
    const auto it = audited.find(name);
    if (it != audited.end()) {
        if (it->second == entry.state) return;
        Parsed<nlohmann::json> valid = {std::vector<FieldError>{}};
        try {
            valid = entry.resource.validate(it->second);
        } catch (const std::exception& ex) {
            valid = {std::vector<FieldError>{{"", ex.what()}}};
        }
        if (!valid.ok()) {
            errors_.report("control '" + name + "': the last audited state is no longer valid (" +
                           join_field_errors(valid.errors()) + "); keeping the state file");
            ev.message =
                name + ": the last audited state is invalid now; the state file's content stays in force";
            ev.after = entry.state;
        } else {
            std::string err;
            const std::string path = file_path(name);
            std::error_code ec;
            if (had_file)  // kept for inspection
                fs::copy_file(path, path + ".replaced", fs::copy_options::overwrite_existing, ec);
            if (!write_atomic(path, valid.value().dump(2) + "\n", &err))
                errors_.report("control '" + name + "': restoring the audited state: " + err);
            ev.after = valid.value();
            ev.message = name +
                         ": the state file did not match the audit log; restored the last audited state" +
                         (had_file ? " (the file is kept as " + path + ".replaced)" : "");
        }
    } else {
        if (!had_file) return;  // initial state, nothing to explain
        ev.after = entry.state;
        ev.message = name + ": state file without an audit line adopted and audited";
    }
    std::string err;
    if (!events_.append(ev, true, &err)) errors_.report("control '" + name + "': " + err);
    std::lock_guard lock(state_mutex_);
    entry.state = ev.after;
    spdlog::warn("agent: {}", ev.message);
}

bool ControlStore::has(std::string_view name) const {
    std::lock_guard lock(state_mutex_);
    return entries_.find(name) != entries_.end();
}

std::vector<std::string> ControlStore::names() const {
    std::lock_guard lock(state_mutex_);
    std::vector<std::string> out;
    for (auto& [n, e] : entries_)
        out.push_back(n);
    return out;
}

nlohmann::json ControlStore::get(std::string_view name) const {
    std::lock_guard lock(state_mutex_);
    auto it = entries_.find(name);
    return it == entries_.end() ? nlohmann::json() : it->second.state;
}

AdminResponse ControlStore::put(std::string_view name, const std::string& body, Role actor,
                                const std::string& by) {
    return put_as(name, body, std::string(to_string(actor)) + (by.empty() ? "" : ":" + by));
}

AdminResponse ControlStore::put_as(std::string_view name, const std::string& body, const std::string& actor) {
    std::lock_guard put_lock(put_mutex_);
    Entry* entry = nullptr;
    nlohmann::json before;
    {
        std::lock_guard lock(state_mutex_);
        auto it = entries_.find(name);
        if (it == entries_.end())
            return AdminResponse::problem(
                Problem::make(404, "Not Found", "no control named " + std::string(name)));
        entry = &it->second;
        before = entry->state;
    }
    if (body.empty()) return bad_request("request body is empty; expected a JSON object");
    auto strict = parse_json_strict(body);
    if (!strict.ok()) return bad_request("request body is not strict JSON", strict.errors());
    nlohmann::json doc = std::move(strict.value());
    if (!doc.is_object())
        return bad_request("request body must be a JSON object", {{"", "expected an object"}});

    nlohmann::json after;
    try {
        auto parsed = entry->resource.validate(doc);
        if (!parsed.ok()) return bad_request("invalid " + std::string(name) + " document", parsed.errors());
        after = std::move(parsed.value());
    } catch (const std::exception& ex) {
        errors_.report("control '" + std::string(name) + "': validate threw: " + ex.what());
        return AdminResponse::problem(
            Problem::make(500, "Internal Server Error", "validation failed unexpectedly"));
    }

    // Audit before effect: the audit line is durable before the state file is replaced, before the state is
    // in force and before the 2xx. A crash between the two is repaired at start-up (reconcile()). GETs wait
    // on state_mutex_ until the new state is committed, so nobody who saw the event reads the old state.
    Event ev;
    ev.kind = std::string(name) + ".changed";
    ev.actor = actor;
    ev.before = before;
    ev.after = after;
    try {
        ev.message = entry->resource.describe ? entry->resource.describe(before, after) : std::string();
    } catch (const std::exception& ex) {
        errors_.report("control '" + std::string(name) + "': describe threw: " + ex.what());
    }
    if (ev.message.empty())
        ev.message =
            before == after ? std::string(name) + " set (unchanged)" : std::string(name) + " changed";
    std::string err;
    const std::string path = file_path(name);
    {
        std::lock_guard lock(state_mutex_);
        if (!events_.append(ev, true, &err)) {
            errors_.report("control '" + std::string(name) + "': " + err);
            return AdminResponse::problem(Problem::make(500, "Internal Server Error",
                                                        "could not write the audit log; nothing changed"));
        }
        if (!write_atomic(path, after.dump(2) + "\n", &err)) {
            // The audit line says "after" but it never took effect: audit that too, so the log stays true.
            Event undo;
            undo.kind = std::string(name) + ".rolled_back";
            undo.actor = "agent";
            undo.before = after;
            undo.after = before;
            undo.message = std::string(name) + " change #" + std::to_string(ev.id) + " not applied: " + err;
            std::string undo_err;
            if (!events_.append(undo, true, &undo_err)) err += "; " + undo_err;
            errors_.report("control '" + std::string(name) + "': " + err);
            return AdminResponse::problem(Problem::make(500, "Internal Server Error",
                                                        "could not persist the new state; nothing changed"));
        }
        entry->state = after;
    }
    spdlog::info("agent: {} by {}: {}", ev.kind, ev.actor, ev.message);
    call_apply(*entry, after);
    return AdminResponse::json(200, after);
}

}  // namespace redline::agent
