// Scenario data (docs/scenarios.md "Data"): a table of named columns whose values fill "{{column}}" in
// request templates. parse_csv() reads RFC 4180 CSV (header row, quoted fields with "" escapes, CRLF or LF,
// commas and line breaks inside quotes), strictly and within documented limits; DataFeeder hands out row
// indices to the workers (sequential, random or unique, shared by the whole run).
//
// DataTable is a value type; a DataFeeder is shared by all workers of a run (its cursor is atomic).
#pragma once

#include <atomic>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace redline::load {

class Rng;

/// Limits of a data table (file or inline rows). A CSV file larger than kMaxDataFileBytes is refused before
/// it is read.
inline constexpr std::size_t kMaxDataFileBytes = 16u << 20;  // 16 MiB
inline constexpr std::size_t kMaxDataRows = 1'000'000;
inline constexpr std::size_t kMaxDataColumns = 256;
inline constexpr std::size_t kMaxDataField = 64u << 10;  // 64 KiB per value

struct DataTable {
    std::vector<std::string> columns;            // from the header row
    std::vector<std::vector<std::string>> rows;  // every row has columns.size() values
    bool operator==(const DataTable&) const = default;
    /// Index of a column, or -1.
    int column(std::string_view name) const;
};

/// A column name usable in a template: a letter or '_' first, then letters, digits, '_' or '-'; at most 64.
bool is_variable_name(std::string_view s);

/// Parses CSV text: the first record is the header (unique, valid column names), every further record must
/// have as many fields. A UTF-8 byte order mark is skipped; a last line break is optional; no data rows is an
/// error. On failure returns nullopt and sets *why, naming the line ("line 7 has 3 fields, header has 4").
std::optional<DataTable> parse_csv(std::string_view text, std::string* why);
/// RFC 4180 text of a table (fields quoted when they contain ',', '"', CR or LF; CRLF line ends). parse_csv
/// of the result gives the table back.
std::string write_csv(const DataTable& t);

enum class DataMode { Sequential, Random, Unique };

/// Hands out row indices for a run. Sequential: in order, shared by every VU, starting over after the last
/// row (or, with stop_at_end, exhausted after it); Random: uniform with the caller's Rng; Unique: every row
/// once over the whole run, then exhausted.
class DataFeeder {
  public:
    DataFeeder(std::size_t rows, DataMode mode, bool stop_at_end);
    /// The next row index, or nullopt when the rows are used up (never for Random or a recycling Sequential).
    std::optional<std::size_t> next(Rng& rng) noexcept;
    bool exhausted() const noexcept;
    std::uint64_t handed_out() const noexcept { return cursor_.load(std::memory_order_relaxed); }

  private:
    std::size_t rows_;
    DataMode mode_;
    bool stop_at_end_;
    std::atomic<std::uint64_t> cursor_{0};
};

}  // namespace redline::load
