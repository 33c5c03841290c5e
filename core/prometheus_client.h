// Client for the Prometheus HTTP API (also Thanos, Mimir, VictoriaMetrics: the same /api/v1 endpoints) over
// libcurl: instant and range queries, POSTed as forms (no URL length limit), with an optional bearer token or
// basic auth. Errors are one readable line: transport ("cannot reach ..."), Prometheus' own error text with
// its errorType ("bad_data: parse error at char 5: ..."), or a protocol error for a body that is not the
// API's.
//
// Values: the API sends sample values as strings; "NaN", "+Inf" and "-Inf" are parsed as such. Samples of a
// native-histogram result ("histogram"/"histograms" instead of "value"/"values") are parsed into
// PromSeries::histograms (count, sum, buckets with their bounds).
//
// Threading: a PrometheusClient is used by one thread at a time (it owns one CURL easy handle, reused for
// keep-alive).
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace redline {

struct PromAuth {
    std::string bearer_token;    // Authorization: Bearer (wins when set)
    std::string user, password;  // basic auth when user is non-empty
};

using PromLabels = std::map<std::string, std::string>;

/// A native-histogram sample as the API writes it: count, sum and the populated buckets with their bounds.
struct PromHistogram {
    struct Bucket {
        int boundaries = 0;  // the API's rule: 0 open left, 1 open right, 2 open both, 3 closed both
        double lower = 0, upper = 0, count = 0;
    };
    double count = 0, sum = 0;
    std::vector<Bucket> buckets;  // ascending
};

/// One series of a range query (matrix) or one sample of an instant query (vector: one point).
struct PromSeries {
    PromLabels labels;
    std::vector<std::pair<std::int64_t, double>> points;             // (time in ms since the epoch, value)
    std::vector<std::pair<std::int64_t, PromHistogram>> histograms;  // native-histogram samples
};

template <class T>
struct PromResult {
    std::optional<T> value;
    std::string error;       // one line for users when !ok()
    std::string error_type;  // Prometheus' errorType ("bad_data", "timeout", ...), "transport" or "protocol"
    long http_status = 0;
    std::vector<std::string> warnings;  // Prometheus' warnings on a successful answer
    bool ok() const { return value.has_value(); }
};

class PrometheusClient {
  public:
    /// base_url like "http://127.0.0.1:9090" (a path prefix such as "/prometheus" is kept).
    explicit PrometheusClient(std::string base_url, PromAuth auth = {},
                              std::chrono::milliseconds timeout = std::chrono::seconds(10));
    ~PrometheusClient();
    PrometheusClient(const PrometheusClient&) = delete;
    PrometheusClient& operator=(const PrometheusClient&) = delete;

    /// POST /api/v1/query at time_ms (0 = the server's now): an instant vector (a scalar comes back as one
    /// series without labels).
    PromResult<std::vector<PromSeries>> query(std::string_view promql, std::int64_t time_ms = 0);
    /// POST /api/v1/query_range over [start_ms, end_ms] every step_ms (>= 1 ms).
    PromResult<std::vector<PromSeries>> query_range(std::string_view promql, std::int64_t start_ms,
                                                    std::int64_t end_ms, std::int64_t step_ms);

    const std::string& base_url() const { return base_url_; }
    /// The timeout of the following requests (a backfill of many steps may take longer than a refresh).
    void set_timeout(std::chrono::milliseconds timeout);

    /// Parses an API answer (exposed for the fuzz target and tests): status/data/resultType, errors,
    /// warnings.
    static PromResult<std::vector<PromSeries>> parse_answer(long http_status, std::string_view body);
    /// "1435781451.781" (seconds, as the API writes times) -> ms; "NaN"/"+Inf"/"-Inf"/decimal -> double.
    static std::optional<double> parse_value(std::string_view s);

  private:
    PromResult<std::vector<PromSeries>> post(std::string_view path, const std::string& form);

    struct Impl;
    std::unique_ptr<Impl> impl_;
    std::string base_url_;
};

/// Formats ms since the epoch as the API's decimal seconds ("1700000000.250").
std::string prom_time(std::int64_t ms);

}  // namespace redline
