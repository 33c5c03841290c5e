#include "core/json_strict.h"

#include <set>
#include <string>
#include <vector>

namespace redline {

namespace {

using nlohmann::json;

struct Frame {
    bool object = false;
    std::set<std::string, std::less<>> keys;  // objects: keys seen so far
    std::string key;                          // objects: the current member's key
    std::size_t index = 0;                    // arrays: index of the next element
};

/// Thrown from the parser callback to stop parsing at the first strictness violation.
struct Violation {
    FieldError error;
};

std::string path_of(const std::vector<Frame>& stack, std::size_t frames) {
    std::string out;
    for (std::size_t i = 0; i < frames && i < stack.size(); ++i) {
        const Frame& f = stack[i];
        if (f.object) {
            if (!out.empty()) out += '.';
            out += f.key;
        } else {
            out += '[' + std::to_string(f.index) + ']';
        }
    }
    return out;
}

}  // namespace

Parsed<json> parse_json_strict(std::string_view text, int max_depth) {
    std::vector<Frame> stack;
    // An element finished inside an array moves that array to its next index.
    auto element_done = [&] {
        if (!stack.empty() && !stack.back().object) ++stack.back().index;
    };
    json::parser_callback_t cb = [&](int, json::parse_event_t event, json& parsed) -> bool {
        switch (event) {
            case json::parse_event_t::object_start:
            case json::parse_event_t::array_start: {
                if (int(stack.size()) >= max_depth)
                    throw Violation{{path_of(stack, stack.size()),
                                     "nesting deeper than " + std::to_string(max_depth) + " levels"}};
                Frame f;
                f.object = event == json::parse_event_t::object_start;
                stack.push_back(std::move(f));
                break;
            }
            case json::parse_event_t::key: {
                Frame& f = stack.back();
                f.key = parsed.get<std::string>();
                if (!f.keys.insert(f.key).second)
                    throw Violation{{path_of(stack, stack.size()), "duplicate key"}};
                break;
            }
            case json::parse_event_t::object_end:
            case json::parse_event_t::array_end:
                stack.pop_back();
                element_done();
                break;
            case json::parse_event_t::value:
                element_done();
                break;
        }
        return true;
    };
    try {
        json j = json::parse(text.begin(), text.end(), cb, /*allow_exceptions=*/true);
        return {std::move(j)};
    } catch (const Violation& v) {
        return {std::vector<FieldError>{v.error}};
    } catch (const json::exception& e) {
        std::string what = e.what();
        // "[json.exception.parse_error.101] parse error at line 1, column 2: ..." -> drop the id prefix.
        if (const auto close = what.find("] ");
            what.rfind("[json.exception.", 0) == 0 && close != std::string::npos)
            what = what.substr(close + 2);
        return {std::vector<FieldError>{{"", "not valid JSON: " + what}}};
    }
}

bool is_json_media_type(std::string_view ct) {
    const auto semi = ct.find(';');
    std::string_view type = ct.substr(0, semi);
    auto is_ws = [](char c) { return c == ' ' || c == '\t'; };
    while (!type.empty() && is_ws(type.front()))
        type.remove_prefix(1);
    while (!type.empty() && is_ws(type.back()))
        type.remove_suffix(1);
    constexpr std::string_view kJson = "application/json";
    if (type.size() != kJson.size()) return false;
    for (std::size_t i = 0; i < kJson.size(); ++i) {
        char c = type[i];
        if (c >= 'A' && c <= 'Z') c = char(c - 'A' + 'a');
        if (c != kJson[i]) return false;
    }
    return true;
}

}  // namespace redline
