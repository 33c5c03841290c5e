// The compiled request mix: every RequestSpec serialised once into HTTP/1.1 bytes. A static request is one
// immutable string sent as is; a templated one is a prefix + path template + headers + body, expanded per
// request into a caller-owned buffer (reused, so no allocation once warm). Weighted choice uses a cumulative
// table. "{{name}}" variables (data columns, extracted values; core/load/correlation.h) are looked up by slot
// in the caller's VarValues: columns take slots 0..column_count()-1, extracted variables the ones after.
// Immutable after construction: shared read-only by all workers.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/load/correlation.h"
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
        std::string before_key;  // " HTTP/1.1\r\nHost: ...\r\n<headers without variables>"
        std::vector<std::pair<std::string, VarTemplate>> var_headers;  // "Name: " + value template
        std::string key_header;                                        // "X-API-Key: " (empty without keys)
        std::vector<std::string> keys;
        std::string tail;        // "Content-Length: n\r\n\r\n<body>" or "\r\n" (body without variables)
        bool body_vars = false;  // the body is the template `body`, its length known per request
        VarTemplate body;        //
        Encoding body_encoding = Encoding::Raw;  // Json when the Content-Type says JSON
        const RequestSpec* spec = nullptr;  // expected statuses and checks (the scenario outlives the mix)
        std::vector<std::string> capture;   // lower-case names of the response headers its checks read
        bool keep_body = false;             // a json check or extraction reads the response body
        std::size_t check_base = 0;         // index of its first check in the run's flattened check list
        /// Its checks in the flattened list: the scenario's checks, then one per extraction, then (when it
        /// uses extracted variables) "variables ... set", which fails when the request was not sent for want
        /// of a value.
        std::vector<std::string> check_names;
        std::vector<int> extract_slots;  // slot of each spec->extract[k]
        int vars_check = -1;             // index (from check_base) of the "variables set" check, or -1
    };

    RequestMix(const Scenario& s, const std::string& host_header);

    std::size_t size() const noexcept { return entries_.size(); }
    /// Checks of all entries, flattened in entry order (EpochStats::checks is indexed the same way).
    std::size_t check_count() const noexcept { return check_count_; }
    const Entry& entry(std::size_t i) const noexcept { return entries_[i]; }
    /// Variable names by slot (data columns first, then extracted variables).
    const std::vector<std::string>& variable_names() const noexcept { return vars_; }
    std::size_t column_count() const noexcept { return columns_; }
    /// Picks an entry index by weight.
    std::size_t pick(Rng& rng) const noexcept;
    /// Returns the bytes of one request of entry i: either the static string or `buf` filled with an
    /// expansion. `counter` selects the API key round-robin (per caller). An empty view when a variable has
    /// no value in `vars` (its slot in *missing): such a request is not sent.
    std::string_view render(std::size_t i, std::string& buf, Rng& rng, std::uint64_t& counter,
                            const VarValues* vars = nullptr, int* missing = nullptr) const;

  private:
    std::vector<Entry> entries_;
    std::vector<double> cumulative_;
    std::size_t check_count_ = 0;
    std::vector<std::string> vars_;
    std::size_t columns_ = 0;
};

}  // namespace redline::load
