// Pushes a load run's cumulative figures to a Prometheus Pushgateway (redline-load --push): one group per
// generator, PUT {url}/metrics/job/redline-load/run_id/{run_id}/instance/{generator} in the protobuf
// delimited format (native histogram included), so a Prometheus scraping the Pushgateway with honor_labels
// charts every generator of a distributed run. PUT replaces the group: the figures are cumulative since the
// run's start, the newest push is the truth. A failed push never stops or changes the run: the first failure
// is logged as one warning line, every failure is counted (stats()).
//
//   PushgatewayPusher pusher({url, run_id, generator});
//   engine options.on_totals = [&](const RunTotals& t) { pusher.submit(t); };  // engine's control thread
//   ... run ...
//   PushStats st = pusher.finish();  // pushes the newest figures not yet pushed (the final ones), stops
//
// Threading: submit() and stats() from any thread; finish() once, from the owner; the HTTP work runs on the
// pusher's own thread (and in finish()). mu_ guards latest_, generation_, stop_ and stats_.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>

#include "core/load/run_totals.h"

namespace redline::load_push {

struct PushOptions {
    std::string url;        // the Pushgateway, "http://host:port" (a path prefix is kept)
    std::string run_id;     // grouping label run_id
    std::string generator;  // grouping label instance
    std::string job = "redline-load";
    std::chrono::milliseconds timeout{3000};  // connect + transfer, per push
};

struct PushStats {
    std::uint64_t attempted = 0;
    std::uint64_t succeeded = 0;
    std::uint64_t failed = 0;
    std::string last_error;     // of the newest failed push
    bool final_pushed = false;  // the final figures reached the Pushgateway
};

/// Why url cannot be a Pushgateway URL (http:// or https://, a host, no query or fragment), or nullopt.
std::optional<std::string> pushgateway_url_problem(std::string_view url);
/// Why value cannot be a grouping label value (1..128 of A-Z a-z 0-9 . _ - :), or nullopt.
std::optional<std::string> grouping_value_problem(std::string_view value);
/// The group's URL: url + /metrics/job/JOB/run_id/RUN/instance/GENERATOR.
std::string group_url(const PushOptions& o);

class PushgatewayPusher {
  public:
    explicit PushgatewayPusher(PushOptions options);
    ~PushgatewayPusher();  // finish() when not done yet
    PushgatewayPusher(const PushgatewayPusher&) = delete;
    PushgatewayPusher& operator=(const PushgatewayPusher&) = delete;

    /// Hands over the newest cumulative figures; the pusher thread pushes them soon (figures not yet pushed
    /// are replaced: only the newest matter). Cheap: a move under a mutex and a notify.
    void submit(load::RunTotals totals);
    /// Stops the thread and pushes the newest figures if they were not pushed yet. Returns the statistics.
    PushStats finish();
    PushStats stats() const;

  private:
    void loop();
    bool push(const load::RunTotals& totals);  // one PUT; counts it and logs the first failure

    PushOptions opt_;
    std::string group_url_;
    void* easy_ = nullptr;  // CURL*, used by the pusher thread, then by finish() after the join
    mutable std::mutex mu_;
    std::condition_variable cv_;
    std::optional<load::RunTotals> latest_;
    std::uint64_t generation_ = 0;  // of latest_
    std::uint64_t pushed_generation_ = 0;
    bool stop_ = false;
    bool finished_ = false;
    bool warned_ = false;
    PushStats stats_;
    std::thread thread_;
};

}  // namespace redline::load_push
