// Fuzz target: the strict control validators parse_limits, parse_canary and parse_cache (core/control.h)
// over JSON text, parsed the way ControlStore::put parses a PUT body (parse_json_strict).
//
// Invariant (abort() when broken): an accepted document, written back with to_json, is accepted again with an
// equal value — both as a json value and after dump()/parse() (what persisting to control/<name>.json does).
//
// Input: 1 byte selecting the validator (value % 3: limits, canary, cache), then the JSON text.
#include <cstdint>
#include <cstdlib>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "core/control.h"
#include "core/json_strict.h"
#include "tests/fuzz/fuzz_input.h"

namespace {

using namespace redline;

const std::vector<std::string>& known_routes() {
    static const std::vector<std::string> routes = {"GET /v1/products", "GET /v1/products/{id}",
                                                    "GET /v1/products/search", "POST /v1/orders",
                                                    "GET /v1/orders/{id}"};
    return routes;
}

template <class T, class ParseFn>
void check(const nlohmann::json& doc, ParseFn parse) {
    const Parsed<T> first = parse(doc);
    if (!first.ok()) {
        if (first.errors().empty()) std::abort();  // a refusal always names at least one field
        return;
    }
    nlohmann::json written;
    to_json(written, first.value());
    const Parsed<T> again = parse(written);
    if (!again.ok() || !(again.value() == first.value())) std::abort();
    const nlohmann::json reread = nlohmann::json::parse(written.dump(), nullptr, false);
    if (reread.is_discarded()) std::abort();
    const Parsed<T> from_text = parse(reread);
    if (!from_text.ok() || !(from_text.value() == first.value())) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    redline::fuzz::Input in{data, size};
    const int which = in.take_byte() % 3;
    const Parsed<nlohmann::json> parsed = parse_json_strict(in.rest());
    if (!parsed.ok()) {
        if (parsed.errors().size() != 1) std::abort();  // parse_json_strict names exactly one problem
        return 0;
    }
    const nlohmann::json& doc = parsed.value();
    switch (which) {
        case 0:
            check<LimitsConfig>(doc, [](const nlohmann::json& j) { return parse_limits(j, known_routes()); });
            check<LimitsConfig>(doc, [](const nlohmann::json& j) { return parse_limits(j); });
            break;
        case 1:
            check<CanaryConfig>(doc, [](const nlohmann::json& j) { return parse_canary(j); });
            break;
        default:
            check<CacheConfig>(doc, [](const nlohmann::json& j) { return parse_cache(j); });
            break;
    }
    return 0;
}
