#include "agents/agent/tokens.h"

#include <fcntl.h>
#include <spdlog/spdlog.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>

#include "core/random_id.h"

namespace redline::agent {
namespace {

std::string trim(std::string s) {
    auto is_space = [](char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; };
    while (!s.empty() && is_space(s.back()))
        s.pop_back();
    std::size_t i = 0;
    while (i < s.size() && is_space(s[i]))
        ++i;
    return s.substr(i);
}

bool valid_token_chars(std::string_view t) {
    for (char c : t) {
        if (c <= 0x20 || c >= 0x7f) return false;
    }
    return true;
}

void write_token_file(const std::string& path, const std::string& token) {
    // O_EXCL: never overwrite a token another process created concurrently.
    int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0) throw ConfigError("cannot create token file " + path + ": " + std::strerror(errno));
    ::fchmod(fd, 0600);  // independent of the umask
    std::string line = token + "\n";
    const char* p = line.data();
    std::size_t left = line.size();
    while (left > 0) {
        ssize_t n = ::write(fd, p, left);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) {
            int e = errno;
            ::close(fd);
            ::unlink(path.c_str());
            throw ConfigError("cannot write token file " + path + ": " + std::strerror(e));
        }
        p += n;
        left -= std::size_t(n);
    }
    ::fsync(fd);
    ::close(fd);
}

}  // namespace

std::string TokenStore::random_hex(std::size_t bytes) {
    try {
        return redline::random_hex(bytes);
    } catch (const std::runtime_error& e) {
        throw ConfigError(e.what());
    }
}

bool TokenStore::equal_ct(std::string_view expected, std::string_view given) noexcept {
    if (expected.empty()) return false;
    volatile unsigned char diff = expected.size() == given.size() ? 0 : 1;
    for (std::size_t i = 0; i < expected.size(); ++i) {
        unsigned char g = i < given.size() ? static_cast<unsigned char>(given[i]) : 0;
        diff = diff | (static_cast<unsigned char>(expected[i]) ^ g);
    }
    return diff == 0;
}

TokenStore::Token TokenStore::load_one(const std::string& data_dir, const char* file, const char* env) {
    Token t;
    t.path = (std::filesystem::path(data_dir) / file).string();
    if (const char* v = std::getenv(env); v && *v) {
        t.value = trim(v);
        t.from_env = true;
        if (t.value.empty() || !valid_token_chars(t.value))
            throw ConfigError(std::string(env) + " holds no usable token (printable ASCII, no spaces)");
        if (t.value.size() < TokenStore::kMinTokenLength)
            throw ConfigError(std::string(env) + " holds a token of " + std::to_string(t.value.size()) +
                              " characters; tokens must have at least " +
                              std::to_string(TokenStore::kMinTokenLength) +
                              " (e.g. 64 hex characters: openssl rand -hex 32)");
        return t;
    }
    std::error_code ec;
    if (!std::filesystem::exists(t.path, ec)) {
        try {
            write_token_file(t.path, random_hex(32));
            spdlog::info("agent: created {} token file {}", file, t.path);
        } catch (const ConfigError&) {
            if (!std::filesystem::exists(t.path, ec)) throw;  // lost a creation race: read the winner's file
        }
    }
    std::ifstream in(t.path);
    if (!in) throw ConfigError("cannot read token file " + t.path);
    std::string line;
    std::getline(in, line);
    t.value = trim(line);
    if (t.value.empty() || !valid_token_chars(t.value))
        throw ConfigError("token file " + t.path + " holds no usable token");
    if (t.value.size() < TokenStore::kMinTokenLength)
        throw ConfigError("token file " + t.path + " holds a token of " + std::to_string(t.value.size()) +
                          " characters; tokens must have at least " +
                          std::to_string(TokenStore::kMinTokenLength));
    struct stat st {};
    if (::stat(t.path.c_str(), &st) == 0 && (st.st_mode & 077) != 0)
        spdlog::warn("agent: token file {} is accessible by group/others (mode {:o}); use chmod 600", t.path,
                     st.st_mode & 0777);
    return t;
}

void TokenStore::load(const std::string& data_dir) {
    viewer_ = load_one(data_dir, "viewer.token", "REDLINE_VIEWER_TOKEN");
    operator_ = load_one(data_dir, "operator.token", "REDLINE_OPERATOR_TOKEN");
    if (equal_ct(viewer_.value, operator_.value))
        throw ConfigError(
            "the viewer and operator tokens are equal: every viewer would be an operator; give "
            "them different values");
}

Role TokenStore::authenticate(std::string_view authorization) const {
    // RFC 6750: "Bearer" (case-insensitive) SP token.
    while (!authorization.empty() && authorization.front() == ' ')
        authorization.remove_prefix(1);
    if (authorization.size() < 7) return Role::None;
    static constexpr std::string_view kScheme = "bearer ";
    for (std::size_t i = 0; i < kScheme.size(); ++i) {
        char c = authorization[i];
        if (c >= 'A' && c <= 'Z') c = char(c - 'A' + 'a');
        if (c != kScheme[i]) return Role::None;
    }
    std::string_view token = authorization.substr(kScheme.size());
    while (!token.empty() && token.front() == ' ')
        token.remove_prefix(1);
    while (!token.empty() && (token.back() == ' ' || token.back() == '\t'))
        token.remove_suffix(1);
    // Both comparisons always run, so the timing does not reveal which token was close.
    bool is_operator = equal_ct(operator_.value, token);
    bool is_viewer = equal_ct(viewer_.value, token);
    if (is_operator) return Role::Operator;
    if (is_viewer) return Role::Viewer;
    return Role::None;
}

std::string TokenStore::path(Role role) const {
    return role == Role::Operator ? operator_.path : role == Role::Viewer ? viewer_.path : std::string{};
}

bool TokenStore::from_env(Role role) const {
    return role == Role::Operator ? operator_.from_env : role == Role::Viewer && viewer_.from_env;
}

}  // namespace redline::agent
