// Fuzz target: redline::load::parse_csv (core/load/data_feeder.h), the reader of a scenario's data.file.
//
// Invariants (abort() when broken): a refusal says why; an accepted table has at least one column and one
// row, every row as wide as the header, valid and unique column names; write_csv() of it parses back to an
// equal table; and the reader is deterministic.
//
// Input: the CSV text.
#include <cstdint>
#include <cstdlib>
#include <set>
#include <string>
#include <string_view>

#include "core/load/data_feeder.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    using namespace redline::load;
    const std::string_view text(reinterpret_cast<const char*>(data), size);
    std::string why;
    const auto t = parse_csv(text, &why);
    if (!t) {
        if (why.empty()) std::abort();
        return 0;
    }
    if (t->columns.empty() || t->rows.empty() || t->columns.size() > kMaxDataColumns) std::abort();
    std::set<std::string> names;
    for (const auto& c : t->columns)
        if (!is_variable_name(c) || !names.insert(c).second) std::abort();
    for (const auto& r : t->rows) {
        if (r.size() != t->columns.size()) std::abort();
        for (const auto& f : r)
            if (f.size() > kMaxDataField) std::abort();
    }
    std::string why2;
    const auto again = parse_csv(write_csv(*t), &why2);
    if (!again || !(*again == *t)) std::abort();
    const auto twice = parse_csv(text, &why2);
    if (!twice || !(*twice == *t)) std::abort();
    return 0;
}
