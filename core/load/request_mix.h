// The compiled request mix: every RequestSpec serialised once into HTTP/1.1 bytes. A static request is one
// immutable string sent as is; a templated one is a prefix + path template + suffix, expanded per request
// into a caller-owned buffer (reused, so no allocation once warm). Weighted choice uses a cumulative table.
// Immutable after construction: shared read-only by all workers.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/load/path_template.h"
#include "core/load/scenario.h"

namespace redline::load {

class RequestMix {
  public:
    struct Entry {
        std::string name;
        std::string method;
        bool head = false;       // HEAD: the response has no body
        bool is_static = false;  // whole request in `whole` (no template, at most one API key)
        std::string whole;       // static request bytes
        std::string prefix;      // "GET "
        PathTemplate path;
        std::string before_key;  // " HTTP/1.1\r\nHost: ...\r\n<headers>"
        std::string key_header;  // "X-API-Key: " (empty without keys)
        std::vector<std::string> keys;
        std::string tail;                   // "Content-Length: n\r\n\r\n<body>" or "\r\n"
        const RequestSpec* spec = nullptr;  // expected statuses and checks (the scenario outlives the mix)
        std::vector<std::string> capture;   // lower-case names of the response headers its checks read
        bool keep_body = false;             // a json check reads the response body
        std::size_t check_base = 0;         // index of its first check in the run's flattened check list
    };

    RequestMix(const Scenario& s, const std::string& host_header);

    std::size_t size() const noexcept { return entries_.size(); }
    /// Checks of all entries, flattened in entry order (EpochStats::checks is indexed the same way).
    std::size_t check_count() const noexcept { return check_count_; }
    const Entry& entry(std::size_t i) const noexcept { return entries_[i]; }
    /// Picks an entry index by weight.
    std::size_t pick(Rng& rng) const noexcept;
    /// Returns the bytes of one request of entry i: either the static string or `buf` filled with an
    /// expansion. `counter` selects the API key round-robin (per caller).
    std::string_view render(std::size_t i, std::string& buf, Rng& rng, std::uint64_t& counter) const;

  private:
    std::vector<Entry> entries_;
    std::vector<double> cumulative_;
    std::size_t check_count_ = 0;
};

}  // namespace redline::load
