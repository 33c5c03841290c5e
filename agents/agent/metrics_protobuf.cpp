#include "agents/agent/metrics_protobuf.h"

#include <google/protobuf/io/coded_stream.h>
#include <google/protobuf/io/zero_copy_stream_impl_lite.h>

#include <cctype>
#include <optional>

#include "agents/agent/metrics.pb.h"

namespace redline::agent {

namespace {

namespace pb = io::prometheus::client;

pb::MetricType to_pb(prometheus::MetricType t) {
    switch (t) {
        case prometheus::MetricType::Counter:
            return pb::COUNTER;
        case prometheus::MetricType::Gauge:
            return pb::GAUGE;
        case prometheus::MetricType::Summary:
            return pb::SUMMARY;
        case prometheus::MetricType::Histogram:
            return pb::HISTOGRAM;
        default:
            return pb::UNTYPED;
    }
}

void fill_native(pb::Histogram& h, const NativeHistogram& n) {
    h.set_schema(n.schema);
    h.set_zero_threshold(n.zero_threshold);
    h.set_zero_count(n.zero_count);
    for (const auto& s : n.positive_spans) {
        auto* span = h.add_positive_span();
        span->set_offset(s.offset);
        span->set_length(s.length);
    }
    for (const auto d : n.positive_deltas)
        h.add_positive_delta(d);
}

void fill_metric(pb::Metric& m, const prometheus::ClientMetric& c, prometheus::MetricType type) {
    for (const auto& l : c.label) {
        auto* p = m.add_label();
        p->set_name(l.name);
        p->set_value(l.value);
    }
    switch (type) {
        case prometheus::MetricType::Counter:
            m.mutable_counter()->set_value(c.counter.value);
            break;
        case prometheus::MetricType::Gauge:
            m.mutable_gauge()->set_value(c.gauge.value);
            break;
        case prometheus::MetricType::Summary: {
            auto* s = m.mutable_summary();
            s->set_sample_count(c.summary.sample_count);
            s->set_sample_sum(c.summary.sample_sum);
            for (const auto& q : c.summary.quantile) {
                auto* pq = s->add_quantile();
                pq->set_quantile(q.quantile);
                pq->set_value(q.value);
            }
            break;
        }
        case prometheus::MetricType::Histogram: {
            auto* h = m.mutable_histogram();
            h->set_sample_count(c.histogram.sample_count);
            h->set_sample_sum(c.histogram.sample_sum);
            for (const auto& b : c.histogram.bucket) {
                auto* pb_bucket = h->add_bucket();
                pb_bucket->set_cumulative_count(b.cumulative_count);
                pb_bucket->set_upper_bound(b.upper_bound);
            }
            break;
        }
        default:
            m.mutable_untyped()->set_value(c.untyped.value);
            break;
    }
    if (c.timestamp_ms) m.set_timestamp_ms(c.timestamp_ms);
}

// --- Accept (RFC 9110 12.5.1) -------------------------------------------------------------------------

std::string_view trim(std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t'))
        s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t'))
        s.remove_suffix(1);
    return s;
}

bool iequals(std::string_view a, std::string_view b) {
    if (a.size() != b.size()) return false;
    for (std::size_t i = 0; i < a.size(); ++i)
        if (std::tolower(static_cast<unsigned char>(a[i])) != std::tolower(static_cast<unsigned char>(b[i])))
            return false;
    return true;
}

std::string_view unquote(std::string_view v) {
    if (v.size() >= 2 && v.front() == '"' && v.back() == '"') return v.substr(1, v.size() - 2);
    return v;
}

/// qvalue = ( "0" [ "." 0*3DIGIT ] ) / ( "1" [ "." 0*3("0") ] ), in thousandths.
std::optional<int> parse_q(std::string_view v) {
    if (v.empty() || (v[0] != '0' && v[0] != '1')) return std::nullopt;
    int whole = v[0] - '0';
    int frac = 0;
    if (v.size() > 1) {
        if (v[1] != '.' || v.size() > 5) return std::nullopt;
        int scale = 100;
        for (std::size_t i = 2; i < v.size(); ++i, scale /= 10) {
            if (!std::isdigit(static_cast<unsigned char>(v[i]))) return std::nullopt;
            frac += (v[i] - '0') * scale;
        }
    }
    const int q = whole * 1000 + frac;
    if (q > 1000) return std::nullopt;
    return q;
}

// Specificity of a media range for the two types we serve: 3 exact type with matching parameters, 2 type/*,
// 1 */*, 0 no match.
struct Best {
    int specificity = 0;
    int q = 0;
    void offer(int spec, int quality) {
        if (spec > specificity) {
            specificity = spec;
            q = quality;
        } else if (spec == specificity && spec > 0 && quality > q) {
            q = quality;
        }
    }
};

}  // namespace

std::string serialize_metrics_protobuf(const Exposition& exposition) {
    std::string out;
    google::protobuf::io::StringOutputStream raw(&out);
    google::protobuf::io::CodedOutputStream coded(&raw);
    pb::MetricFamily f;
    for (const auto& family : exposition.families) {
        f.Clear();
        f.set_name(family.name);
        if (!family.help.empty()) f.set_help(family.help);
        f.set_type(to_pb(family.type));
        const std::vector<NativeHistogram>* natives = exposition.natives_of(family.name);
        for (std::size_t i = 0; i < family.metric.size(); ++i) {
            auto* m = f.add_metric();
            fill_metric(*m, family.metric[i], family.type);
            if (natives && i < natives->size()) fill_native(*m->mutable_histogram(), (*natives)[i]);
        }
        coded.WriteVarint32(static_cast<std::uint32_t>(f.ByteSizeLong()));
        f.SerializeWithCachedSizes(&coded);
    }
    coded.Trim();
    return std::string(out.data(), std::size_t(coded.ByteCount()));
}

MetricsFormat negotiate_metrics_format(std::string_view accept) noexcept {
    Best text, proto;
    std::size_t ranges = 0;
    while (!accept.empty() && ranges++ < 128) {
        const auto comma = accept.find(',');
        std::string_view range = trim(accept.substr(0, comma));
        accept = comma == std::string_view::npos ? std::string_view{} : accept.substr(comma + 1);
        if (range.empty()) continue;

        const auto semi = range.find(';');
        const std::string_view type = trim(range.substr(0, semi));
        std::string_view params =
            semi == std::string_view::npos ? std::string_view{} : range.substr(semi + 1);
        const auto slash = type.find('/');
        if (slash == std::string_view::npos || slash == 0 || slash + 1 == type.size()) continue;
        const std::string_view major = type.substr(0, slash), minor = type.substr(slash + 1);

        int q = 1000;
        bool valid = true, proto_ok = true;
        while (!params.empty()) {
            const auto next = params.find(';');
            const std::string_view p = trim(params.substr(0, next));
            params = next == std::string_view::npos ? std::string_view{} : params.substr(next + 1);
            if (p.empty()) continue;
            const auto eq = p.find('=');
            if (eq == std::string_view::npos) {
                valid = false;
                break;
            }
            const std::string_view name = trim(p.substr(0, eq)), value = unquote(trim(p.substr(eq + 1)));
            if (iequals(name, "q")) {
                const auto parsed = parse_q(value);
                if (!parsed) {
                    valid = false;
                    break;
                }
                q = *parsed;
                break;  // parameters after q are accept-ext, not media type parameters
            }
            if (iequals(name, "proto") && value != "io.prometheus.client.MetricFamily") proto_ok = false;
            if (iequals(name, "encoding") && !iequals(value, "delimited")) proto_ok = false;
        }
        if (!valid) continue;

        if (major == "*" && minor == "*") {
            text.offer(1, q);
            proto.offer(1, q);
        } else if (iequals(major, "text")) {
            if (minor == "*")
                text.offer(2, q);
            else if (iequals(minor, "plain"))
                text.offer(3, q);
        } else if (iequals(major, "application")) {
            if (minor == "*")
                proto.offer(2, q);
            else if (iequals(minor, "vnd.google.protobuf") && proto_ok)
                proto.offer(3, q);
        }
    }
    // Protobuf is only chosen when asked for by name (a bare */* or application/* gets text).
    if (proto.specificity == 3 && proto.q > 0 && proto.q > (text.specificity ? text.q : 0))
        return MetricsFormat::Protobuf;
    return MetricsFormat::Text;
}

}  // namespace redline::agent
