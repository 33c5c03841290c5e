#include "core/load/path_template.h"

#include <charconv>

#include "core/load/correlation.h"
#include "core/load/data_feeder.h"  // is_variable_name

namespace redline::load {

namespace {

bool parse_int(std::string_view s, std::int64_t& v) {
    if (s.empty()) return false;
    auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    return ec == std::errc() && p == s.data() + s.size();
}

bool valid_char(char c) {
    const auto u = static_cast<unsigned char>(c);
    return u > 0x20 && u < 0x7f;  // no spaces, no controls, ASCII only (percent-encode the rest)
}

}  // namespace

std::optional<PathTemplate> PathTemplate::parse(std::string_view text, std::string* why) {
    auto fail = [&](std::string msg) -> std::optional<PathTemplate> {
        if (why) *why = std::move(msg);
        return std::nullopt;
    };
    if (text.empty() || text[0] != '/') return fail("must start with '/'");
    PathTemplate t;
    std::string lit;
    for (std::size_t i = 0; i < text.size(); ++i) {
        const char c = text[i];
        if (c == '}') return fail("unmatched '}' at " + std::to_string(i));
        if (c != '{') {
            if (!valid_char(c))
                return fail("invalid character at " + std::to_string(i) +
                            " (spaces and control characters must be percent-encoded)");
            lit.push_back(c);
            continue;
        }
        if (i + 1 < text.size() && text[i + 1] == '{') {  // "{{name}}"
            const auto end = text.find("}}", i + 2);
            if (end == std::string_view::npos) return fail("unterminated '{{' at " + std::to_string(i));
            const std::string_view name = text.substr(i + 2, end - i - 2);
            if (!is_variable_name(name))
                return fail("variable '{{" + std::string(name) +
                            "}}' must be a name: a letter or '_' then letters, digits, '_' or '-'");
            if (!lit.empty()) t.parts_.push_back(Part{Kind::Literal, std::move(lit), -1, 0, 0, {}});
            lit.clear();
            t.parts_.push_back(Part{Kind::Var, std::string(name), -1, 0, 0, {}});
            i = end + 1;
            continue;
        }
        const auto close = text.find('}', i + 1);
        if (close == std::string_view::npos) return fail("unterminated '{' at " + std::to_string(i));
        const std::string_view inner = text.substr(i + 1, close - i - 1);
        if (inner.find('{') != std::string_view::npos) return fail("nested '{' at " + std::to_string(i));
        if (inner.empty()) return fail("empty placeholder at " + std::to_string(i));
        Part p;
        if (const auto dots = inner.find(".."); dots != std::string_view::npos) {
            p.kind = Kind::Range;
            if (!parse_int(inner.substr(0, dots), p.lo) || !parse_int(inner.substr(dots + 2), p.hi))
                return fail("range '{" + std::string(inner) + "}' must be two integers 'a..b'");
            if (p.lo > p.hi) return fail("range '{" + std::string(inner) + "}' is reversed");
            // lo <= hi, so the unsigned difference is exact (hi - lo in int64 overflows for extreme bounds).
            if (std::uint64_t(p.hi) - std::uint64_t(p.lo) > (std::uint64_t{1} << 40))
                return fail("range '{" + std::string(inner) + "}' is too wide");
        } else {
            p.kind = Kind::List;
            std::size_t start = 0;
            while (true) {
                const auto bar = inner.find('|', start);
                const auto w =
                    inner.substr(start, bar == std::string_view::npos ? std::string_view::npos : bar - start);
                if (w.empty()) return fail("list '{" + std::string(inner) + "}' has an empty entry");
                for (char wc : w)
                    if (!valid_char(wc))
                        return fail("list '{" + std::string(inner) + "}' has an invalid character");
                p.words.emplace_back(w);
                if (bar == std::string_view::npos) break;
                start = bar + 1;
            }
        }
        if (!lit.empty()) t.parts_.push_back(Part{Kind::Literal, std::move(lit), -1, 0, 0, {}});
        lit.clear();
        t.parts_.push_back(std::move(p));
        i = close;
    }
    if (!lit.empty()) t.parts_.push_back(Part{Kind::Literal, std::move(lit), -1, 0, 0, {}});
    return t;
}

bool PathTemplate::expand(std::string& out, Rng& rng, const VarValues* vars, int* missing) const {
    for (const auto& p : parts_) {
        switch (p.kind) {
            case Kind::Var: {
                if (!vars || p.slot < 0 || std::size_t(p.slot) >= vars->set.size() || !vars->set[p.slot]) {
                    if (missing) *missing = p.slot;
                    return false;
                }
                append_encoded(out, vars->values[p.slot], Encoding::Path);
                break;
            }
            case Kind::Literal:
                out.append(p.text);
                break;
            case Kind::Range: {
                const auto v = p.lo + std::int64_t(rng.below(std::uint64_t(p.hi - p.lo) + 1));
                char buf[24];
                auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v);
                (void)ec;
                out.append(buf, end);
                break;
            }
            case Kind::List:
                out.append(p.words[rng.below(p.words.size())]);
                break;
        }
    }
    return true;
}

std::vector<std::string> PathTemplate::variables() const {
    std::vector<std::string> v;
    for (const auto& p : parts_)
        if (p.kind == Kind::Var) v.push_back(p.text);
    return v;
}

std::string PathTemplate::static_text() const {
    std::string s;
    for (const auto& p : parts_)
        if (p.kind == Kind::Literal) s += p.text;
    return s;
}

}  // namespace redline::load
