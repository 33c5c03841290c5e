#include "core/load/outputs.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <spdlog/spdlog.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstring>
#include <nlohmann/json.hpp>

namespace redline::load {

using json = nlohmann::ordered_json;

namespace {

double round3(double v) {
    return std::round(v * 1000.0) / 1000.0;
}

/// min, mean and the quantiles of a sketch in ms (3 decimals), or null without values (absence is not zero).
json latency_json(const LatencySketch& s) {
    if (s.count() == 0) return nullptr;
    const auto q = LatencyQuantiles::from(s);
    return {{"min", round3(double(s.min_ns()) / 1e6)},
            {"mean", round3(q.mean_ms)},
            {"p50", round3(q.p50_ms)},
            {"p90", round3(q.p90_ms)},
            {"p95", round3(q.p95_ms)},
            {"p99", round3(q.p99_ms)},
            {"p999", round3(q.p999_ms)},
            {"max", round3(double(s.max_ns()) / 1e6)}};
}

json status_json(const Counters& c) {
    json j = json::object();
    for (std::size_t i = 0; i < c.ncodes; ++i)
        if (c.codes[i].first != 0) j[std::to_string(c.codes[i].first)] = c.codes[i].second;
    return j;
}

/// Empty cell without a value, else 3 decimals.
std::string ms_cell(const LatencySketch& s, double ns) {
    return s.count() ? fmt::format("{:.3f}", ns / 1e6) : std::string();
}

std::string number(double v) {
    return fmt::format("{}", round3(v));
}

std::string_view error_kind(std::uint8_t e) {
    return e == 0 || e > kTransportKinds ? std::string_view() : to_string(TransportError(e - 1));
}

}  // namespace

std::string_view to_string(OutputKind k) {
    switch (k) {
        case OutputKind::Summary:
            return "summary";
        case OutputKind::Json:
            return "json";
        case OutputKind::Csv:
            return "csv";
        case OutputKind::Requests:
            return "requests";
    }
    return "?";
}

std::optional<OutputSpec> parse_output_spec(const std::string& value, std::string* error) {
    OutputSpec spec;
    spec.text = value;
    spec.path = value;
    const auto eq = value.find('=');
    if (eq != std::string::npos) {
        const std::string kind = value.substr(0, eq);
        const bool word = !kind.empty() && std::all_of(kind.begin(), kind.end(), [](char c) {
            return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
        });
        if (word) {
            if (kind == "json")
                spec.kind = OutputKind::Json;
            else if (kind == "csv")
                spec.kind = OutputKind::Csv;
            else if (kind == "requests")
                spec.kind = OutputKind::Requests;
            else if (kind == "summary")
                spec.kind = OutputKind::Summary;
            else {
                if (error)
                    *error = "--out: unknown output kind '" + kind +
                             "' (json=FILE, csv=FILE, requests=FILE, summary=FILE or FILE)";
                return std::nullopt;
            }
            spec.path = value.substr(eq + 1);
        }
    }
    if (spec.path.empty()) {
        if (error) *error = "--out " + value + " needs a file name";
        return std::nullopt;
    }
    return spec;
}

std::string ndjson_run_line(const Scenario& sc, const std::string& run_id) {
    json reqs = json::array();
    for (const auto& r : sc.requests)
        reqs.push_back({{"name", r.name}, {"method", r.method}});
    const json j = {{"type", "run"},
                    {"version", 1},
                    {"run_id", run_id},
                    {"scenario", sc.name},
                    {"target", sc.target},
                    {"executor", std::string(to_string(sc.executor))},
                    {"open_model", is_open_model(sc.executor)},
                    {"planned_s", sc.duration_s()},
                    {"requests", reqs}};
    return j.dump() + "\n";
}

std::string ndjson_second_lines(const RunSecond& s) {
    Counters all;
    LatencySketch corr, uncorr;
    for (const auto& r : s.requests) {
        all.merge(r.stats.counters);
        corr.merge(r.stats.corrected);
        uncorr.merge(r.stats.uncorrected);
    }
    json transport = json::object();
    for (std::size_t k = 0; k < kTransportKinds; ++k)
        if (s.transport[k]) transport[std::string(to_string(TransportError(k)))] = s.transport[k];
    const double t = round3(s.t_s);
    std::string out = json{
        {"type", "second"},
        {"t", t},
        {"epoch", s.epoch},
        {"target", round3(s.target)},
        {"completed", all.requests},
        {"errors", all.errors},
        {"transport_errors", all.by_class[0]},
        {"rate_limited", all.code_count(429)},
        {"status", status_json(all)},
        {"transport", transport},
        {"latency_ms", latency_json(corr)},
        {"latency_uncorrected_ms", latency_json(uncorr)},
        {"late", s.late},
        {"unsent", s.unsent},
        {"in_flight",
         s.in_flight}}.dump();
    out += '\n';
    for (const auto& r : s.requests) {
        const Counters& c = r.stats.counters;
        out += json{{"type", "request"},
                    {"t", t},
                    {"epoch", s.epoch},
                    {"request", r.name},
                    {"method", r.method},
                    {"completed", c.requests},
                    {"errors", c.errors},
                    {"transport_errors", c.by_class[0]},
                    {"rate_limited", c.code_count(429)},
                    {"status", status_json(c)},
                    {"latency_ms", latency_json(r.stats.corrected)},
                    {"latency_uncorrected_ms", latency_json(r.stats.uncorrected)}}
                   .dump();
        out += '\n';
    }
    return out;
}

std::string ndjson_end_line(const Summary& s) {
    return json{{"type", "end"},
                {"run_id", s.run_id},
                {"outcome", std::string(to_string(s.outcome))},
                {"exit_code", s.exit_code()},
                {"reason", s.reason},
                {"duration_s", round3(s.duration_s)},
                {"completed", s.completed},
                {"errors", s.errors},
                {"transport_errors", s.transport_errors},
                {"unsent", s.unsent}}
               .dump() +
           "\n";
}

std::string csv_field(std::string_view v) {
    if (v.find_first_of(",\"\r\n") == std::string_view::npos) return std::string(v);
    std::string out = "\"";
    for (char c : v) {
        if (c == '"') out += '"';
        out += c;
    }
    out += '"';
    return out;
}

std::string csv_seconds_header() {
    return "epoch,t_s,request,method,target,completed,errors,transport_errors,rate_limited,status_2xx,"
           "status_3xx,status_4xx,status_5xx,min_ms,mean_ms,p50_ms,p90_ms,p95_ms,p99_ms,p999_ms,max_ms,"
           "p50_uncorrected_ms,p99_uncorrected_ms,max_uncorrected_ms,late,unsent,in_flight\n";
}

std::string csv_second_rows(const RunSecond& s) {
    std::string out;
    for (const auto& r : s.requests) {
        const Counters& c = r.stats.counters;
        const LatencySketch& k = r.stats.corrected;
        const LatencySketch& u = r.stats.uncorrected;
        fmt::format_to(std::back_inserter(out), "{},{},{},{},{},{},{},{},{},{},{},{},{},", s.epoch,
                       number(s.t_s), csv_field(r.name), csv_field(r.method), number(s.target), c.requests,
                       c.errors, c.by_class[0], c.code_count(429), c.by_class[2], c.by_class[3],
                       c.by_class[4], c.by_class[5]);
        fmt::format_to(
            std::back_inserter(out), "{},{},{},{},{},{},{},{},{},{},{},", ms_cell(k, double(k.min_ns())),
            ms_cell(k, k.mean_ns()), ms_cell(k, k.quantile_ns(0.50)), ms_cell(k, k.quantile_ns(0.90)),
            ms_cell(k, k.quantile_ns(0.95)), ms_cell(k, k.quantile_ns(0.99)),
            ms_cell(k, k.quantile_ns(0.999)), ms_cell(k, double(k.max_ns())), ms_cell(u, u.quantile_ns(0.50)),
            ms_cell(u, u.quantile_ns(0.99)), ms_cell(u, double(u.max_ns())));
        fmt::format_to(std::back_inserter(out), "{},{},{}\n", s.late, s.unsent, s.in_flight);
    }
    return out;
}

std::string csv_requests_header() {
    return "sent_unix_ns,intended_unix_ns,latency_ms,latency_uncorrected_ms,status,request,method,error\n";
}

std::string csv_request_rows(const RunSecond& s) {
    std::vector<std::string> names, methods;
    for (const auto& r : s.requests) {
        names.push_back(csv_field(r.name));
        methods.push_back(csv_field(r.method));
    }
    // Milliseconds with 3 decimals from integer microseconds: integer formatting only (the writer thread
    // formats every request of the run).
    auto ms = [](std::int64_t ns, std::string& out) {
        const std::int64_t us = (std::max<std::int64_t>(0, ns) + 500) / 1000;
        fmt::format_to(std::back_inserter(out), "{}.{:03}", us / 1000, us % 1000);
    };
    std::string out;
    out.reserve(s.records.size() * 80);
    for (const auto& rec : s.records) {
        const bool known = rec.request < names.size();
        fmt::format_to(std::back_inserter(out), "{},{},", rec.sent_ns, rec.intended_ns);
        ms(rec.done_ns - rec.intended_ns, out);
        out += ',';
        ms(rec.done_ns - rec.sent_ns, out);
        fmt::format_to(std::back_inserter(out), ",{},{},{},{}\n", rec.status, known ? names[rec.request] : "",
                       known ? methods[rec.request] : "", error_kind(rec.error));
    }
    return out;
}

// ---- StreamOutputs ----

std::unique_ptr<StreamOutputs> StreamOutputs::open(const std::vector<OutputSpec>& specs, std::string* error) {
    std::unique_ptr<StreamOutputs> out(new StreamOutputs());
    for (const auto& spec : specs) {
        if (spec.kind == OutputKind::Summary) continue;
        File f;
        f.spec = spec;
        // O_NONBLOCK: a FIFO without a reader is refused (ENXIO) instead of blocking the start for ever.
        f.fd = ::open(spec.path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NONBLOCK, 0644);
        if (f.fd >= 0) ::fcntl(f.fd, F_SETFL, ::fcntl(f.fd, F_GETFL) & ~O_NONBLOCK);
        if (f.fd < 0) {
            const int err = errno;
            if (error)
                *error = "--out " + spec.text + " cannot be written: " + std::strerror(err) +
                         (err == ENXIO ? " (a FIFO nobody reads)" : "");
            for (auto& o : out->files_)
                ::close(o.fd);
            out->files_.clear();
            out->finished_ = true;
            return nullptr;
        }
        out->files_.push_back(std::move(f));
    }
    if (out->files_.empty()) out->finished_ = true;
    return out;
}

StreamOutputs::~StreamOutputs() {
    finish(nullptr);
}

bool StreamOutputs::wants_records() const {
    return std::any_of(files_.begin(), files_.end(),
                       [](const File& f) { return f.spec.kind == OutputKind::Requests; });
}

void StreamOutputs::write_all(File& f, const std::string& text) {
    if (!f.error.empty() || text.empty()) return;
    std::size_t off = 0;
    while (off < text.size()) {
        const ssize_t n = ::write(f.fd, text.data() + off, text.size() - off);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) {
            f.error = std::strerror(n < 0 ? errno : EIO);
            spdlog::info("--out {}: {}", f.spec.text, f.error);
            return;
        }
        off += std::size_t(n);
    }
}

void StreamOutputs::begin(const Scenario& sc, const std::string& run_id) {
    if (files_.empty() || writer_.joinable()) return;
    for (auto& f : files_) {
        if (f.spec.kind == OutputKind::Json) write_all(f, ndjson_run_line(sc, run_id));
        if (f.spec.kind == OutputKind::Csv) write_all(f, csv_seconds_header());
        if (f.spec.kind == OutputKind::Requests) write_all(f, csv_requests_header());
    }
    writer_ = std::thread([this] { writer_loop(); });
}

void StreamOutputs::submit(RunSecond&& s) {
    {
        std::lock_guard lk(mu_);
        if (closing_ || files_.empty()) return;
        if (queue_.size() >= kMaxQueued) {  // the writer is stuck: keep the seconds, shed the records
            dropped_records_ += s.records.size();
            s.records.clear();
            s.records.shrink_to_fit();
        }
        queue_.push_back(std::move(s));
    }
    cv_.notify_one();
}

void StreamOutputs::writer_loop() {
    while (true) {
        std::unique_lock lk(mu_);
        cv_.wait(lk, [&] { return !queue_.empty() || closing_; });
        if (queue_.empty()) {  // closing, and every second is written
            const std::optional<std::string> end = std::move(end_line_);
            lk.unlock();
            for (auto& f : files_)
                if (f.spec.kind == OutputKind::Json && end) write_all(f, *end);
            return;
        }
        const RunSecond s = std::move(queue_.front());
        queue_.pop_front();
        lk.unlock();
        // One write per file and second: whole lines only.
        for (auto& f : files_) {
            if (f.spec.kind == OutputKind::Json) write_all(f, ndjson_second_lines(s));
            if (f.spec.kind == OutputKind::Csv) write_all(f, csv_second_rows(s));
            if (f.spec.kind == OutputKind::Requests) write_all(f, csv_request_rows(s));
        }
    }
}

std::vector<std::string> StreamOutputs::finish(const Summary* summary) {
    std::vector<std::string> problems;
    if (finished_) return problems;
    finished_ = true;
    {
        std::lock_guard lk(mu_);
        if (summary) end_line_ = ndjson_end_line(*summary);
        closing_ = true;
    }
    cv_.notify_one();
    if (writer_.joinable()) writer_.join();
    std::uint64_t dropped = 0;
    {
        std::lock_guard lk(mu_);
        dropped = dropped_records_;
    }
    for (auto& f : files_) {
        if (f.error.empty() && ::fsync(f.fd) != 0 && errno != EINVAL && errno != EROFS)
            f.error = std::strerror(errno);
        if (::close(f.fd) != 0 && f.error.empty()) f.error = std::strerror(errno);
        if (!f.error.empty()) problems.push_back("cannot write --out " + f.spec.text + ": " + f.error);
        if (f.spec.kind == OutputKind::Requests && dropped)
            problems.push_back(
                fmt::format("--out {}: {} request records dropped (the writer fell {} s behind)", f.spec.text,
                            dropped, kMaxQueued));
    }
    files_.clear();
    return problems;
}

}  // namespace redline::load
