// Variables of a virtual user (docs/scenarios.md "Data" and "Correlation"): data columns and values extracted
// from earlier responses of the same VU fill "{{name}}" in paths, header values and bodies.
//
// VarValues is a VU's store, indexed by slot (RequestMix::variable_names()); VarTemplate is a compiled
// header/body template (only "{{name}}" is special there, single braces are literal so JSON bodies stay as
// written). Values are inserted encoded for where they go: percent-encoded in a path, control characters
// percent-encoded in a header value (no header injection), JSON-string-escaped in a JSON body, raw in other
// bodies. Plain values; not thread-safe (each VU owns its own VarValues).
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace redline::load {

struct VarValues {
    std::vector<std::string> values;  // by slot
    std::vector<char> set;            // by slot: 1 when values[slot] holds a value
    void resize(std::size_t n) {
        values.resize(n);
        set.assign(n, 0);
    }
    void assign(std::size_t slot, std::string_view v) {
        values[slot].assign(v);
        set[slot] = 1;
    }
    void unset(std::size_t slot) { set[slot] = 0; }
};

enum class Encoding { Path, Header, Json, Raw };
/// Appends v encoded for its place: Path keeps RFC 3986 unreserved characters and percent-encodes every other
/// byte; Header percent-encodes control characters and '%'; Json escapes as inside a JSON string; Raw as is.
void append_encoded(std::string& out, std::string_view v, Encoding e);

/// Literal text with "{{name}}" variables.
class VarTemplate {
  public:
    /// nullopt and *why for "{{" without "}}" or a bad name.
    static std::optional<VarTemplate> parse(std::string_view text, std::string* why);
    bool has_variables() const noexcept;
    std::vector<std::string> variables() const;
    template <class F>
    void bind(F&& slot_of) {
        for (auto& p : parts_)
            if (p.var) p.slot = slot_of(p.text);
    }
    /// Appends the expansion; false (and *missing) when a variable is unset.
    bool expand(std::string& out, const VarValues& vars, Encoding e, int* missing = nullptr) const;

  private:
    struct Part {
        bool var = false;
        std::string text;  // literal text or the variable's name
        int slot = -1;
    };
    std::vector<Part> parts_;
};

/// The value an extraction takes from a JSON body at an RFC 6901 pointer: a string as is, a number or boolean
/// as JSON text. nullopt (with *why) for a body that is not JSON, a missing member, null, an object or array.
std::optional<std::string> extract_json_value(const nlohmann::json& body, const std::string& pointer,
                                              std::string* why);

}  // namespace redline::load
