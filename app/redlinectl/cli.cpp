// redlinectl helpers: argument parsing, errors, formatting. See cli.h.
#include "cli.h"

#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cmath>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <fstream>
#include <sstream>

#include "core/number.h"

namespace redline::ctl {

std::optional<std::string> ParsedArgs::value(const std::string& name) const {
    if (auto it = values.find(name); it != values.end()) return it->second;
    return std::nullopt;
}

ParsedArgs parse_args(const std::vector<std::string>& args, const OptionSpec& spec,
                      const std::string& command) {
    ParsedArgs out;
    bool options_done = false;
    for (std::size_t i = 0; i < args.size(); ++i) {
        const std::string& a = args[i];
        if (options_done || a.size() < 2 || a.rfind("--", 0) != 0) {
            if (!options_done && a.size() >= 2 && a[0] == '-' && a[1] != '-' &&
                !std::isdigit(static_cast<unsigned char>(a[1])) && a[1] != '.') {
                throw UsageError(command, "unknown option '" + a + "'");
            }
            out.positional.push_back(a);
            continue;
        }
        if (a == "--") {
            options_done = true;
            continue;
        }
        std::string name = a.substr(2);
        std::optional<std::string> inline_value;
        if (const auto eq = name.find('='); eq != std::string::npos) {
            inline_value = name.substr(eq + 1);
            name.resize(eq);
        }
        if (spec.flags.count(name)) {
            if (inline_value) throw UsageError(command, "option '--" + name + "' takes no value");
            out.flags.insert(name);
        } else if (spec.values.count(name)) {
            if (inline_value) {
                out.values[name] = *inline_value;
            } else if (i + 1 < args.size()) {
                out.values[name] = args[++i];
            } else {
                throw UsageError(command, "option '--" + name + "' needs a value");
            }
        } else {
            throw UsageError(command, "unknown option '--" + name + "'");
        }
    }
    return out;
}

std::vector<std::string> take_output_option(Context& ctx, const std::vector<std::string>& args,
                                            const std::string& command) {
    std::vector<std::string> rest;
    for (std::size_t i = 0; i < args.size(); ++i) {
        const std::string& a = args[i];
        std::optional<std::string> format;
        if (a == "-o" || a == "--output") {
            if (i + 1 >= args.size())
                throw UsageError(command, "option '" + a + "' needs a value: json or table");
            format = args[++i];
        } else if (a.rfind("--output=", 0) == 0) {
            format = a.substr(9);
        } else if (a.rfind("-o", 0) == 0 && a.rfind("--", 0) != 0) {
            format = a.substr(2);
        } else if (a == "--") {
            rest.insert(rest.end(), args.begin() + std::ptrdiff_t(i), args.end());
            break;
        }
        if (!format) {
            rest.push_back(a);
            continue;
        }
        if (*format == "json")
            ctx.json = true;
        else if (*format == "table")
            ctx.json = false;
        else
            throw UsageError(command, "-o must be json or table, got '" + *format + "'");
    }
    return rest;
}

double parse_double(const std::string& text, const std::string& option, const std::string& command) {
    const auto v = parse_decimal(text);
    if (!v) throw UsageError(command, "--" + option + " needs a decimal number, got '" + text + "'");
    return *v;
}

std::int64_t parse_int(const std::string& text, const std::string& option, const std::string& command,
                       std::int64_t min, std::int64_t max) {
    std::size_t used = 0;
    long long v = 0;
    try {
        v = std::stoll(text, &used, 10);
    } catch (const std::exception&) {
        used = 0;
    }
    if (text.empty() || used != text.size()) {
        throw UsageError(command, "--" + option + " needs an integer, got '" + text + "'");
    }
    if (v < min || v > max) {
        throw UsageError(command, fmt::format("--{} must be between {} and {}, got {}", option, min, max, v));
    }
    return v;
}

AgentClient& Context::client() {
    if (!client_) {
        client_ = std::make_unique<AgentClient>(agent, token);
        client_->set_actor(actor);
    }
    return *client_;
}

template <class T>
const T& require(const Result<T>& r, const Context& ctx, const char* method) {
    if (r.ok()) return *r.value;
    std::string msg = r.error_message();
    if (r.transport_error.empty()) msg = std::string(method) + " " + r.url + ": " + msg;
    if (r.http_status == 401) {
        msg += ctx.token_source.empty() ? " (no token given: set REDLINE_TOKEN or use --token-file)"
                                        : " (token from " + ctx.token_source + " was refused)";
    } else if (r.http_status == 403) {
        msg += " (this needs the operator token)";
    }
    throw Failure(msg);
}

template const AgentInfo& require(const Result<AgentInfo>&, const Context&, const char*);
template const Snapshot& require(const Result<Snapshot>&, const Context&, const char*);
template const EventPage& require(const Result<EventPage>&, const Context&, const char*);
template const LimitsConfig& require(const Result<LimitsConfig>&, const Context&, const char*);
template const CanaryConfig& require(const Result<CanaryConfig>&, const Context&, const char*);
template const nlohmann::json& require(const Result<nlohmann::json>&, const Context&, const char*);

std::string read_input_file(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw Failure("cannot read " + path + ": " + std::strerror(errno));
    std::ostringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

bool stdout_is_tty() {
    return ::isatty(STDOUT_FILENO) == 1;
}

void print_json(const nlohmann::json& j) {
    const std::string text =
        j.dump(stdout_is_tty() ? 2 : -1, ' ', false, nlohmann::json::error_handler_t::replace);
    std::fwrite(text.data(), 1, text.size(), stdout);
    std::fputc('\n', stdout);
    std::fflush(stdout);
}

std::string format_ms(double ms) {
    if (!std::isfinite(ms) || ms < 0) return "-";
    if (ms >= 1000.0) return fmt::format("{:.2f}s", ms / 1000.0);
    if (ms >= 100.0) return fmt::format("{:.0f}ms", ms);
    if (ms >= 10.0) return fmt::format("{:.1f}ms", ms);
    return fmt::format("{:.2f}ms", ms);
}

std::string format_percent(double ratio) {
    if (!std::isfinite(ratio)) return "-";
    return fmt::format("{:.2f}%", ratio * 100.0);
}

std::string format_ms(const std::optional<double>& ms) {
    return ms ? format_ms(*ms) : std::string(kAbsent);
}

std::string format_percent(const std::optional<double>& ratio) {
    return ratio ? format_percent(*ratio) : std::string(kAbsent);
}

std::string format_success(const SeriesSnapshot& s) {
    return s.error_ratio ? format_percent(1.0 - *s.error_ratio) : std::string(kAbsent);
}

std::string format_latency(const SeriesSnapshot& s, double LatencyQuantiles::*field) {
    return s.latency ? format_ms((*s.latency).*field) : std::string(kAbsent);
}

std::string format_rate(double per_s) {
    if (!std::isfinite(per_s)) return "-";
    return fmt::format("{:.1f}", per_s);
}

std::string format_time_ms(std::int64_t ms) {
    const std::time_t secs = static_cast<std::time_t>(ms / 1000);
    std::tm tm{};
    gmtime_r(&secs, &tm);
    char buf[32];
    std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &tm);
    return fmt::format("{}.{:03d}Z", buf, static_cast<int>(((ms % 1000) + 1000) % 1000));
}

std::string format_duration_s(std::int64_t s) {
    if (s < 0) s = 0;
    if (s >= 86400) return fmt::format("{}d{}h", s / 86400, (s % 86400) / 3600);
    if (s >= 3600) return fmt::format("{}h{}m", s / 3600, (s % 3600) / 60);
    if (s >= 60) return fmt::format("{}m{}s", s / 60, s % 60);
    return fmt::format("{}s", s);
}

namespace {
// Columns on a terminal: UTF-8 code points (kAbsent is one column but three bytes).
std::size_t display_width(const std::string& s) {
    std::size_t n = 0;
    for (const unsigned char ch : s)
        n += (ch & 0xC0) != 0x80 ? 1 : 0;
    return n;
}
}  // namespace

std::string Table::render() const {
    std::vector<std::size_t> width(header.size(), 0);
    auto measure = [&width](const std::vector<std::string>& row) {
        for (std::size_t c = 0; c < row.size() && c < width.size(); ++c)
            width[c] = std::max(width[c], display_width(row[c]));
    };
    measure(header);
    for (const auto& r : rows)
        measure(r);
    std::string out;
    auto emit = [&](const std::vector<std::string>& row) {
        std::string line;
        for (std::size_t c = 0; c < width.size(); ++c) {
            const std::string cell = c < row.size() ? row[c] : std::string();
            if (c > 0) line += "  ";
            const std::string pad(width[c] - std::min(width[c], display_width(cell)), ' ');
            line += c < left_columns ? cell + pad : pad + cell;
        }
        while (!line.empty() && line.back() == ' ')
            line.pop_back();
        out += line;
        out += '\n';
    };
    emit(header);
    for (const auto& r : rows)
        emit(r);
    return out;
}

void draw_tty(const std::string& text) {
    std::string out = "\x1b[H";
    std::size_t start = 0;
    while (start < text.size()) {
        const std::size_t nl = text.find('\n', start);
        const std::size_t end = nl == std::string::npos ? text.size() : nl;
        out.append(text, start, end - start);
        out += "\x1b[K\n";
        start = end + 1;
    }
    out += "\x1b[J";
    std::fwrite(out.data(), 1, out.size(), stdout);
    std::fflush(stdout);
}

Table series_table(const Snapshot& s) {
    Table t;
    t.header = {"ROUTE", "VERSION", "RPS", "SUCCESS", "P50", "P95", "P99", "CACHE HIT", "429s"};
    // A forwarding host's series carry the upstream time: its p99 gets a column (absent on other agents).
    bool upstream = false;
    for (const SeriesSnapshot& x : s.series)
        upstream = upstream || x.upstream.has_value();
    if (upstream) t.header.insert(t.header.begin() + 7, "UPSTREAM P99");
    for (const SeriesSnapshot& x : s.series) {
        if (x.requests == 0 && x.inflight == 0) continue;
        std::vector<std::string> row{x.id(),
                                     x.version,
                                     format_rate(x.rate_per_s),
                                     format_success(x),
                                     format_latency(x, &LatencyQuantiles::p50_ms),
                                     format_latency(x, &LatencyQuantiles::p95_ms),
                                     format_latency(x, &LatencyQuantiles::p99_ms),
                                     format_percent(x.cache_hit_ratio),
                                     std::to_string(x.rate_limited)};
        if (upstream)
            row.insert(row.begin() + 7, x.upstream && x.upstream->requests > 0
                                            ? format_ms(x.upstream->latency.p99_ms)
                                            : std::string(kAbsent));
        t.rows.push_back(std::move(row));
    }
    return t;
}

namespace {
std::atomic<bool> g_interrupted{false};
extern "C" void on_signal(int) {
    g_interrupted.store(true);
}
}  // namespace

bool interrupted() {
    return g_interrupted.load();
}

void install_signal_handlers() {
    struct sigaction sa {};
    sa.sa_handler = &on_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, nullptr);
    sigaction(SIGTERM, &sa, nullptr);
    std::signal(SIGPIPE, SIG_IGN);
}

}  // namespace redline::ctl
