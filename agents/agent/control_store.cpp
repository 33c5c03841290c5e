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

void ControlStore::load_and_apply() {
    std::error_code ec;
    fs::create_directories(dir_, ec);
    if (ec) errors_.report("cannot create " + dir_ + ": " + ec.message());
    std::lock_guard put_lock(put_mutex_);
    for (auto& [name, entry] : entries_) {
        std::string path = file_path(name);
        if (fs::exists(path, ec)) {
            std::ifstream in(path, std::ios::binary);
            std::stringstream ss;
            ss << in.rdbuf();
            nlohmann::json doc = nlohmann::json::parse(ss.str(), nullptr, false);
            if (doc.is_discarded()) {
                errors_.report("control '" + name + "': " + path + " is not valid JSON; keeping the default");
            } else {
                try {
                    auto parsed = entry.resource.validate(doc);
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
        nlohmann::json state;
        {
            std::lock_guard lock(state_mutex_);
            state = entry.state;
        }
        call_apply(entry, state);
    }
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

AdminResponse ControlStore::put(std::string_view name, const std::string& body, Role actor) {
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
    nlohmann::json doc = nlohmann::json::parse(body, nullptr, false);
    if (doc.is_discarded()) return bad_request("request body is not valid JSON");
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

    // Persist first, then audit; if the audit fails the old file is restored so state and audit agree.
    std::string err;
    std::string path = file_path(name);
    std::error_code ec;
    bool had_file = fs::exists(path, ec);
    if (!write_atomic(path, after.dump(2) + "\n", &err)) {
        errors_.report("control '" + std::string(name) + "': " + err);
        return AdminResponse::problem(
            Problem::make(500, "Internal Server Error", "could not persist the new state; nothing changed"));
    }
    Event ev;
    ev.kind = std::string(name) + ".changed";
    ev.actor = std::string(to_string(actor));
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
    if (!events_.append(ev, true, &err)) {
        std::string restore_err;
        if (had_file)
            write_atomic(path, before.dump(2) + "\n", &restore_err);
        else
            fs::remove(path, ec);
        errors_.report("control '" + std::string(name) + "': " + err +
                       (restore_err.empty() ? "" : "; " + restore_err));
        return AdminResponse::problem(
            Problem::make(500, "Internal Server Error", "could not write the audit log; nothing changed"));
    }
    {
        std::lock_guard lock(state_mutex_);
        entry->state = after;
    }
    spdlog::info("agent: {} by {}: {}", ev.kind, ev.actor, ev.message);
    call_apply(*entry, after);
    return AdminResponse::json(200, after);
}

}  // namespace redline::agent
