// Request path templates: literal text with "{a..b}" (uniform integer in [a, b]) and "{x|y|z}" (one of the
// words) placeholders, and "{{name}}" variables (a data column or a value extracted from an earlier response
// of the same VU, core/load/correlation.h; inserted percent-encoded). Compiled once; expand() appends one
// instance to a reused buffer (no allocation once the buffer has grown). Not thread-safe for expand() callers
// sharing an Rng; the template itself is immutable.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/load/rng.h"

namespace redline::load {

struct VarValues;

class PathTemplate {
  public:
    /// Parses a template; nullopt and *why on error ("unterminated '{' at 5", "empty range", "range 9..1 is
    /// reversed", "control character", ...).
    static std::optional<PathTemplate> parse(std::string_view text, std::string* why);

    bool is_static() const noexcept {
        return parts_.size() <= 1 && (parts_.empty() || parts_[0].kind == Kind::Literal);
    }
    /// Appends one expansion to out. Variables are looked up in `vars` by the slot bind() gave them; returns
    /// false (out partly written) when one is unset, its slot in *missing.
    bool expand(std::string& out, Rng& rng, const VarValues* vars = nullptr, int* missing = nullptr) const;
    /// Names of the "{{name}}" variables, in order of appearance (repeats included).
    std::vector<std::string> variables() const;
    /// Gives every variable its slot; slot_of returns -1 for an unknown name (the variable then is never
    /// set).
    template <class F>
    void bind(F&& slot_of) {
        for (auto& p : parts_)
            if (p.kind == Kind::Var) p.slot = slot_of(p.text);
    }
    /// The literal text when is_static().
    std::string static_text() const;

  private:
    enum class Kind { Literal, Range, List, Var };
    struct Part {
        Kind kind = Kind::Literal;
        std::string text;                // Literal; Var: the name
        int slot = -1;                   // Var
        std::int64_t lo = 0, hi = 0;     // Range
        std::vector<std::string> words;  // List
    };
    std::vector<Part> parts_;
};

}  // namespace redline::load
