// Fuzz target: redline::load::parse_scenario_text (core/load/scenario.h).
//
// Invariant (abort() when broken): a scenario that parses round-trips — to_json() -> parse_scenario() gives
// an equal Scenario, and so does to_json().dump() -> parse_scenario_text() (a scenario saved to a file).
//
// Input: the scenario document's text.
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "core/load/scenario.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    using namespace redline::load;
    const std::string_view text(reinterpret_cast<const char*>(data), size);
    const auto first = parse_scenario_text(text);
    if (!first.ok()) {
        if (first.errors().empty()) std::abort();  // a refusal always says why
        return 0;
    }
    const nlohmann::json j = to_json(first.value());
    const auto again = parse_scenario(j);
    if (!again.ok() || !(again.value() == first.value())) std::abort();
    const auto from_text = parse_scenario_text(j.dump());
    if (!from_text.ok() || !(from_text.value() == first.value())) std::abort();
    return 0;
}
