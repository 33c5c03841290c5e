// JUnit XML of thresholds, checks and the regression gate (core/load/junit.h).
#include "core/load/junit.h"

#include <fmt/format.h>

namespace redline::load {

namespace {

constexpr const char* kReplacement = "\xEF\xBF\xBD";  // U+FFFD

/// Length of the longest valid UTF-8 prefix of a sequence starting at s[i] (Unicode's "maximal subpart"),
/// and whether it is a complete character. The lead byte is >= 0x80.
struct Utf8 {
    std::size_t length = 1;
    bool complete = false;
    char32_t cp = 0;
};
Utf8 decode(std::string_view s, std::size_t i) {
    const auto byte = [&](std::size_t k) { return static_cast<unsigned char>(s[k]); };
    const unsigned char lead = byte(i);
    Utf8 r;
    std::size_t need = 0;
    unsigned char lo = 0x80, hi = 0xBF;  // range of the second byte
    if (lead >= 0xC2 && lead <= 0xDF) {
        need = 1;
        r.cp = lead & 0x1F;
    } else if (lead >= 0xE0 && lead <= 0xEF) {
        need = 2;
        r.cp = lead & 0x0F;
        if (lead == 0xE0) lo = 0xA0;
        if (lead == 0xED) hi = 0x9F;  // no surrogates
    } else if (lead >= 0xF0 && lead <= 0xF4) {
        need = 3;
        r.cp = lead & 0x07;
        if (lead == 0xF0) lo = 0x90;
        if (lead == 0xF4) hi = 0x8F;  // <= U+10FFFF
    } else {
        return r;  // a continuation byte or C0, C1, F5..FF: never a lead
    }
    for (std::size_t k = 1; k <= need; ++k) {
        if (i + k >= s.size()) return r;
        const unsigned char b = byte(i + k);
        const unsigned char l = k == 1 ? lo : 0x80, h = k == 1 ? hi : 0xBF;
        if (b < l || b > h) return r;
        r.cp = (r.cp << 6) | (b & 0x3F);
        r.length = k + 1;
    }
    r.complete = true;
    return r;
}

std::string attr(std::string_view name, std::string_view value) {
    return fmt::format(" {}=\"{}\"", name, xml_escape(value));
}

struct Case {
    std::string name;
    bool failed = false;
    std::string message;  // failure message (attribute)
    std::string details;  // failure text
};

void suite(std::string& out, const std::string& classname, const std::string& name,
           const std::vector<Case>& cases) {
    std::size_t failures = 0;
    for (const auto& c : cases)
        failures += c.failed ? 1 : 0;
    out += fmt::format("  <testsuite{}{}{}{}>\n", attr("name", name),
                       attr("tests", std::to_string(cases.size())),
                       attr("failures", std::to_string(failures)), attr("errors", "0"));
    for (const auto& c : cases) {
        out += fmt::format("    <testcase{}{}", attr("classname", classname), attr("name", c.name));
        if (!c.failed) {
            out += "/>\n";
            continue;
        }
        out += fmt::format(">\n      <failure{}{}>{}</failure>\n    </testcase>\n",
                           attr("message", c.message), attr("type", name), xml_escape(c.details));
    }
    out += "  </testsuite>\n";
}

}  // namespace

std::string xml_escape(std::string_view text) {
    std::string out;
    out.reserve(text.size());
    for (std::size_t i = 0; i < text.size();) {
        const auto c = static_cast<unsigned char>(text[i]);
        if (c < 0x80) {
            switch (c) {
                case '&':
                    out += "&amp;";
                    break;
                case '<':
                    out += "&lt;";
                    break;
                case '>':
                    out += "&gt;";
                    break;
                case '"':
                    out += "&quot;";
                    break;
                case '\'':
                    out += "&apos;";
                    break;
                case '\t':
                case '\n':
                case '\r':
                    out += fmt::format("&#{};", int(c));  // kept through attribute-value normalisation
                    break;
                default:
                    if (c < 0x20)
                        out += kReplacement;  // not an XML 1.0 Char, not even as a reference
                    else
                        out += char(c);
            }
            ++i;
            continue;
        }
        const Utf8 u = decode(text, i);
        if (!u.complete || u.cp == 0xFFFE || u.cp == 0xFFFF)
            out += kReplacement;
        else
            out.append(text.substr(i, u.length));
        i += u.length;
    }
    return out;
}

std::string junit_xml(const Summary& run, const std::vector<GateResult>& gates) {
    const std::string base = "redline-load." + run.scenario;
    std::vector<Case> thresholds, checks, regressions;
    for (const auto& t : run.thresholds) {
        Case c;
        c.name = t.threshold.expr;
        if (!t.threshold.request.empty()) c.name += " [request " + t.threshold.request + "]";
        if (!t.threshold.route.empty()) c.name += " [route " + t.threshold.route + "]";
        if (!t.threshold.version.empty()) c.name += " [version " + t.threshold.version + "]";
        c.failed = !t.passed;
        c.message = t.evaluated ? fmt::format("{}: observed {:.4g}", t.threshold.expr, t.observed)
                                : fmt::format("{}: not evaluated", t.threshold.expr);
        if (!t.note.empty()) c.message += " (" + t.note + ")";
        if (t.aborted_run) c.message += "; it aborted the run";
        c.details = c.message;
        thresholds.push_back(std::move(c));
    }
    for (const auto& k : run.checks) {
        Case c;
        c.name = k.request + " " + k.name;
        c.failed = k.fails > 0;
        c.message = fmt::format("{} of {} failed", k.fails, k.passes + k.fails);
        c.details = fmt::format("check '{}' of request '{}': {} passed, {} failed", k.name, k.request,
                                k.passes, k.fails);
        checks.push_back(std::move(c));
    }
    for (const auto& g : gates) {
        Case c;
        c.name = g.bound.text;
        c.failed = g.failed;
        c.message = g.message;
        c.details = g.message;
        regressions.push_back(std::move(c));
    }
    const std::size_t tests = thresholds.size() + checks.size() + regressions.size();
    std::size_t failures = 0;
    for (const auto* v : {&thresholds, &checks, &regressions})
        for (const auto& c : *v)
            failures += c.failed ? 1 : 0;
    std::string out = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
    out += fmt::format("<testsuites{}{}{}{}>\n", attr("name", base), attr("tests", std::to_string(tests)),
                       attr("failures", std::to_string(failures)), attr("errors", "0"));
    suite(out, base + ".thresholds", "thresholds", thresholds);
    suite(out, base + ".checks", "checks", checks);
    suite(out, base + ".regressions", "regressions", regressions);
    out += "</testsuites>\n";
    return out;
}

}  // namespace redline::load
