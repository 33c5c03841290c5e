// Streaming outputs of a load run (redline-load run --out KIND=FILE, docs/output-formats.md):
//   json=FILE      NDJSON: a "run" line, per closed second a "second" line and one "request" line per
//   request,
//                  an "end" line when the run is over (docs/output-seconds.schema.json)
//   csv=FILE       one row per second per request (header documented in docs/output-formats.md)
//   requests=FILE  one CSV row per finished request (sent and intended time, latency corrected and
//                  uncorrected, status, request, method, transport error kind)
//   FILE, summary=FILE  the final summary JSON (written by the CLI after the run, not here)
//
// The formatting functions are pure. StreamOutputs owns the open files and a writer thread: the engine's
// control thread submit()s each closed second (a move into a bounded queue, no I/O), the writer formats and
// writes each second of each file with one write(2) of whole lines, so `tail -f` sees a second as soon as
// it closed and a killed run leaves complete lines (the very last may be cut by the kill).
//
// Threading: open/begin/finish on one thread (the CLI's main thread); submit from one other thread (the
// engine's control thread); the writer thread is internal. `mu_` guards the queue and the counters.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "core/load/results.h"
#include "core/load/run_totals.h"
#include "core/load/scenario.h"

namespace redline::load {

enum class OutputKind { Summary, Json, Csv, Requests };
std::string_view to_string(OutputKind k);  // "summary", "json", "csv", "requests"

struct OutputSpec {
    OutputKind kind = OutputKind::Summary;
    std::string path;
    std::string text;  // as given on the command line, for messages
};

/// One --out value: "FILE" or "summary=FILE" (the summary JSON), "json=FILE", "csv=FILE", "requests=FILE".
/// A value whose text before the first '=' is a bare word of letters that is not a kind is refused
/// ("unknown output kind 'xml'"); any other value with '=' ("./a=b.json") is a summary path, as before.
std::optional<OutputSpec> parse_output_spec(const std::string& value, std::string* error);

/// NDJSON lines (each ends with '\n').
std::string ndjson_run_line(const Scenario& sc, const std::string& run_id);
std::string ndjson_second_lines(const RunSecond& s);
std::string ndjson_end_line(const Summary& s);
/// CSV (RFC 4180: fields with ',', '"', CR or LF are quoted, quotes doubled).
std::string csv_field(std::string_view v);
std::string csv_seconds_header();
std::string csv_second_rows(const RunSecond& s);
std::string csv_requests_header();
std::string csv_request_rows(const RunSecond& s);

class StreamOutputs {
  public:
    /// Opens (creates, truncates) every streaming file of `specs` (summary specs are skipped). On failure
    /// nothing stays open and *error is one line naming the --out value and the reason.
    static std::unique_ptr<StreamOutputs> open(const std::vector<OutputSpec>& specs, std::string* error);
    ~StreamOutputs();  // finish()es when not done yet
    StreamOutputs(const StreamOutputs&) = delete;
    StreamOutputs& operator=(const StreamOutputs&) = delete;

    bool empty() const { return files_.empty(); }
    bool wants_records() const;  // a requests file is open: the engine must record every request
    /// Writes the NDJSON "run" line and the CSV headers, then starts the writer thread.
    void begin(const Scenario& sc, const std::string& run_id);
    /// Hands one closed second to the writer (moves it). Returns at once. When more than kMaxQueued seconds
    /// wait (a writer stuck on a slow disk), the new second's request records are dropped and counted.
    void submit(RunSecond&& s);
    /// Writes the NDJSON "end" line, drains the queue, stops the writer and closes the files. Returns one
    /// message per problem (a failed write, dropped records); empty when every line reached its file.
    std::vector<std::string> finish(const Summary* summary);

    static constexpr std::size_t kMaxQueued = 60;

  private:
    struct File {
        OutputSpec spec;
        int fd = -1;
        std::string error;  // first write error
    };
    StreamOutputs() = default;
    void writer_loop();
    void write_all(File& f, const std::string& text);

    std::vector<File> files_;  // writer thread only, after begin()
    std::thread writer_;
    std::mutex mu_;
    std::condition_variable cv_;
    std::deque<RunSecond> queue_;          // guarded by mu_
    bool closing_ = false;                 // guarded by mu_
    std::uint64_t dropped_records_ = 0;    // guarded by mu_
    std::optional<std::string> end_line_;  // guarded by mu_
    bool finished_ = false;
};

}  // namespace redline::load
