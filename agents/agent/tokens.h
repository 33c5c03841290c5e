// Bearer tokens of the admin API: a read-only viewer token and an operator token.
//
// Each token comes from its environment variable (REDLINE_VIEWER_TOKEN / REDLINE_OPERATOR_TOKEN) when set,
// else from <data_dir>/viewer.token / operator.token, which are created on first start with mode 0600 and
// 64 hex characters drawn from the kernel CSPRNG (getrandom).
//
// Threading: load() runs once at configuration time; authenticate() is const and safe from any thread.
#pragma once

#include <string>
#include <string_view>

#include "agents/agent/types.h"

namespace redline::agent {

class TokenStore {
  public:
    /// Shorter tokens (from a file or the environment) are refused at start, as are equal viewer and operator
    /// tokens: both would let a guess or a viewer act as an operator.
    static constexpr std::size_t kMinTokenLength = 32;

    /// Loads or creates both tokens. Throws ConfigError when a file cannot be read/created or holds no token,
    /// a token is shorter than kMinTokenLength, or both tokens are equal.
    void load(const std::string& data_dir);

    /// Role of an "Authorization" header value ("Bearer <token>"); Role::None when absent, malformed or
    /// wrong. Compares in constant time against both tokens (no early exit on a mismatch).
    Role authenticate(std::string_view authorization) const;

    std::string path(Role role) const;  // file that holds (or would hold) the token
    /// Whether the token of `role` came from the environment (then no file is written).
    bool from_env(Role role) const;

    /// 2*bytes lowercase hex characters from getrandom(2). Throws ConfigError when the CSPRNG fails.
    static std::string random_hex(std::size_t bytes);
    /// Constant-time comparison over the length of `expected`.
    static bool equal_ct(std::string_view expected, std::string_view given) noexcept;

  private:
    struct Token {
        std::string value;
        std::string path;
        bool from_env = false;
    };
    static Token load_one(const std::string& data_dir, const char* file, const char* env);

    Token viewer_;
    Token operator_;
};

}  // namespace redline::agent
