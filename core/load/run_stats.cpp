#include "core/load/run_stats.h"

namespace redline::load {

std::string_view to_string(TransportError e) {
    switch (e) {
        case TransportError::Connect:
            return "connect";
        case TransportError::Refused:
            return "refused_by_allow_list";
        case TransportError::Reset:
            return "reset";
        case TransportError::Timeout:
            return "timeout";
        case TransportError::Closed:
            return "closed";
        case TransportError::Protocol:
            return "protocol";
        case TransportError::Interrupted:
            return "interrupted";
        case TransportError::Tls:
            return "tls";
    }
    return "?";
}

void RequestStats::merge(const RequestStats& o) {
    counters.merge(o.counters);
    corrected.merge(o.corrected);
    uncorrected.merge(o.uncorrected);
}

void RequestStats::clear() {
    counters = Counters{};
    corrected.clear();
    uncorrected.clear();
}

void StageStats::merge(const StageStats& o) {
    counters.merge(o.counters);
    corrected.merge(o.corrected);
}

void EpochStats::reset(std::size_t n, std::size_t nchecks) {
    epoch = -1;
    checks.assign(nchecks, CheckCount{});
    requests.resize(n);
    for (auto& r : requests)
        r.clear();
    stages.clear();
    lateness.clear();
    late = 0;
    transport.fill(0);
    records.clear();
    any = false;
}

void EpochStats::merge(const EpochStats& o) {
    if (requests.size() < o.requests.size()) requests.resize(o.requests.size());
    for (std::size_t i = 0; i < o.requests.size(); ++i)
        requests[i].merge(o.requests[i]);
    for (const auto& [k, v] : o.stages)
        stages[k].merge(v);
    lateness.merge(o.lateness);
    if (checks.size() < o.checks.size()) checks.resize(o.checks.size());
    for (std::size_t i = 0; i < o.checks.size(); ++i) {
        checks[i].passes += o.checks[i].passes;
        checks[i].fails += o.checks[i].fails;
    }
    late += o.late;
    for (std::size_t i = 0; i < kTransportKinds; ++i)
        transport[i] += o.transport[i];
    any = any || o.any;
}

}  // namespace redline::load
