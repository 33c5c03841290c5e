// redlinectl internals: option parsing, the shared command context, output helpers and the command entry
// points. Threading: everything here runs on the main thread, except the StreamConsumer callbacks used by
// `top` and `events --follow`, which hand data to the main thread through a mutex-guarded queue (see
// cmd_top.cpp).
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <stdexcept>
#include <string>
#include <vector>

#include "core/agent_client.h"
#include "core/stream_consumer.h"

namespace redline::ctl {

inline constexpr const char* kDefaultAgent = "http://127.0.0.1:9464";

/// Exit codes.
inline constexpr int kExitOk = 0;
inline constexpr int kExitFailure = 1;  // server, transport or input-file error
inline constexpr int kExitUsage = 2;    // bad command line
inline constexpr int kExitRolledBack =
    3;  // `rollout status --watch`: the rollout ended rolled back or aborted
inline constexpr int kExitUnhealthy = 4;  // `status`: the agent answered but reports itself unhealthy

/// Thrown for a bad command line; main prints the message and the usage of `command` and exits 2.
struct UsageError : std::runtime_error {
    UsageError(std::string command, const std::string& message)
        : std::runtime_error(message), command(std::move(command)) {}
    std::string command;  // "limits set", "" for the global usage
};

/// Thrown for a runtime failure; main prints "redlinectl: <message>" and exits 1.
struct Failure : std::runtime_error {
    using std::runtime_error::runtime_error;
};

/// Options of one command: names with a value ("--rate") and flags ("--json"), without the leading dashes.
struct OptionSpec {
    std::set<std::string> values;
    std::set<std::string> flags;
};

struct ParsedArgs {
    std::vector<std::string> positional;
    std::map<std::string, std::string> values;
    std::set<std::string> flags;
    bool has(const std::string& name) const { return values.count(name) || flags.count(name); }
    std::optional<std::string> value(const std::string& name) const;
};

/// Parses "--name value", "--name=value", "--flag" and positionals ("--" ends options). Throws UsageError.
ParsedArgs parse_args(const std::vector<std::string>& args, const OptionSpec& spec,
                      const std::string& command);

/// Removes "-o FORMAT", "-oFORMAT", "--output FORMAT" and "--output=FORMAT" from args (kubectl's spelling)
/// and applies it: json sets ctx.json, table clears it. Throws UsageError for another FORMAT or a missing
/// one.
struct Context;
std::vector<std::string> take_output_option(Context& ctx, const std::vector<std::string>& args,
                                            const std::string& command);

/// Strict numbers: the whole text must be a finite number (else UsageError naming the option).
double parse_double(const std::string& text, const std::string& option, const std::string& command);
std::int64_t parse_int(const std::string& text, const std::string& option, const std::string& command,
                       std::int64_t min, std::int64_t max);

/// Global settings and the lazily created client shared by the commands.
struct Context {
    std::string agent = kDefaultAgent;
    std::string token;
    std::string token_source;  // "REDLINE_TOKEN", "--token-file F" or "" (none)
    bool json = false;
    std::string actor;  // --as NAME, else $REDLINE_ACTOR, else $USER: named in the agent's audit line
    std::unique_ptr<AgentClient> client_;
    AgentClient& client();
};

/// Throws Failure with "METHOD URL: reason" (transport errors already name the URL) plus a token hint on
/// 401/403.
template <class T>
const T& require(const Result<T>& r, const Context& ctx, const char* method);

/// The whole content of an input file (--file); throws Failure "cannot read PATH: reason".
std::string read_input_file(const std::string& path);

/// Prints JSON (pretty when stdout is a terminal) followed by a newline.
void print_json(const nlohmann::json& j);
bool stdout_is_tty();

/// Text helpers.
/// Shown for a figure that does not exist (latency or success of a series without requests, a hit ratio
/// without cache lookups): absence is not zero.
inline constexpr const char* kAbsent = "\u2014";                 // "—"
std::string format_ms(double ms);                                // "0.42ms", "12.3ms", "1.25s"
std::string format_percent(double ratio);                        // "99.50%"
std::string format_ms(const std::optional<double>& ms);          // kAbsent when absent
std::string format_percent(const std::optional<double>& ratio);  // kAbsent when absent
/// Success ratio (1 - error ratio) of a series, kAbsent without requests.
std::string format_success(const SeriesSnapshot& s);
/// Quantile `ms` of a series' latency, kAbsent without requests.
std::string format_latency(const SeriesSnapshot& s, double LatencyQuantiles::*field);
std::string format_rate(double per_s);          // "1234.5"
std::string format_time_ms(std::int64_t ms);    // "2026-01-02T03:04:05.678Z"
std::string format_duration_s(std::int64_t s);  // "3d4h", "5m12s"

/// A text table: name columns left-aligned, numeric columns right-aligned.
struct Table {
    std::vector<std::string> header;
    std::vector<std::vector<std::string>> rows;
    std::size_t left_columns = 2;  // how many leading columns are left-aligned
    std::string render() const;
};

/// Redraws `text` in place on a terminal (cursor home, each line's tail and the rest of the screen cleared):
/// `top` and `rollout status --watch`.
void draw_tty(const std::string& text);

/// The per-route table used by `status` and `top`.
Table series_table(const Snapshot& s);

// Commands: args exclude the command words themselves. Each returns an exit code.
int cmd_status(Context& ctx, const std::vector<std::string>& args);
int cmd_top(Context& ctx, const std::vector<std::string>& args);
int cmd_limits(Context& ctx, const std::vector<std::string>& args);
int cmd_canary(Context& ctx, const std::vector<std::string>& args);
int cmd_events(Context& ctx, const std::vector<std::string>& args);
int cmd_rollout(Context& ctx, const std::vector<std::string>& args);
int cmd_cache(Context& ctx, const std::vector<std::string>& args);
int cmd_loadtest(Context& ctx, const std::vector<std::string>& args);

/// Usage text for "" (global), "status", "top", "limits", "limits get", "limits set", "canary", ...
std::string usage(const std::string& command);

/// Set by SIGINT/SIGTERM; long-running commands poll it.
bool interrupted();
void install_signal_handlers();

}  // namespace redline::ctl
