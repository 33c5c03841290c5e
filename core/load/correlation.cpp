#include "core/load/correlation.h"

#include "core/load/data_feeder.h"  // is_variable_name

namespace redline::load {

namespace {

bool unreserved(char c) {
    const auto u = static_cast<unsigned char>(c);
    return (u >= 'a' && u <= 'z') || (u >= 'A' && u <= 'Z') || (u >= '0' && u <= '9') || c == '-' ||
           c == '.' || c == '_' || c == '~';
}

void percent(std::string& out, unsigned char u) {
    static constexpr char hex[] = "0123456789ABCDEF";
    out.push_back('%');
    out.push_back(hex[u >> 4]);
    out.push_back(hex[u & 15]);
}

}  // namespace

void append_encoded(std::string& out, std::string_view v, Encoding e) {
    switch (e) {
        case Encoding::Raw:
            out.append(v);
            return;
        case Encoding::Path:
            for (char c : v) {
                if (unreserved(c))
                    out.push_back(c);
                else
                    percent(out, static_cast<unsigned char>(c));
            }
            return;
        case Encoding::Header:
            for (char c : v) {
                const auto u = static_cast<unsigned char>(c);
                if (u < 0x20 || u == 0x7f || c == '%')
                    percent(out, u);
                else
                    out.push_back(c);
            }
            return;
        case Encoding::Json: {
            // dump() of a string gives it quoted and escaped; keep what is inside the quotes. Invalid UTF-8
            // is replaced rather than thrown on.
            const std::string q =
                nlohmann::json(std::string(v)).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
            out.append(q, 1, q.size() - 2);
            return;
        }
    }
}

std::optional<VarTemplate> VarTemplate::parse(std::string_view text, std::string* why) {
    VarTemplate t;
    std::string lit;
    std::size_t i = 0;
    while (i < text.size()) {
        const auto open = text.find("{{", i);
        if (open == std::string_view::npos) {
            lit.append(text.substr(i));
            break;
        }
        lit.append(text.substr(i, open - i));
        const auto close = text.find("}}", open + 2);
        if (close == std::string_view::npos) {
            if (why) *why = "unterminated '{{' at " + std::to_string(open);
            return std::nullopt;
        }
        const std::string_view name = text.substr(open + 2, close - open - 2);
        if (!is_variable_name(name)) {
            if (why)
                *why = "variable '{{" + std::string(name.substr(0, 64)) +
                       "}}' must be a name: a letter or '_' then letters, digits, '_' or '-'";
            return std::nullopt;
        }
        if (!lit.empty()) t.parts_.push_back({false, std::move(lit), -1});
        lit.clear();
        t.parts_.push_back({true, std::string(name), -1});
        i = close + 2;
    }
    if (!lit.empty()) t.parts_.push_back({false, std::move(lit), -1});
    return t;
}

bool VarTemplate::has_variables() const noexcept {
    for (const auto& p : parts_)
        if (p.var) return true;
    return false;
}

std::vector<std::string> VarTemplate::variables() const {
    std::vector<std::string> v;
    for (const auto& p : parts_)
        if (p.var) v.push_back(p.text);
    return v;
}

bool VarTemplate::expand(std::string& out, const VarValues& vars, Encoding e, int* missing) const {
    for (const auto& p : parts_) {
        if (!p.var) {
            out.append(p.text);
            continue;
        }
        if (p.slot < 0 || std::size_t(p.slot) >= vars.set.size() || !vars.set[p.slot]) {
            if (missing) *missing = p.slot;
            return false;
        }
        append_encoded(out, vars.values[p.slot], e);
    }
    return true;
}

std::optional<std::string> extract_json_value(const nlohmann::json& body, const std::string& pointer,
                                              std::string* why) {
    auto fail = [&](std::string m) -> std::optional<std::string> {
        if (why) *why = std::move(m);
        return std::nullopt;
    };
    if (body.is_discarded()) return fail("the body is not JSON");
    try {
        const nlohmann::json::json_pointer ptr(pointer);
        if (!body.contains(ptr)) return fail("no " + pointer);
        const nlohmann::json& v = body.at(ptr);
        if (v.is_string()) return v.get<std::string>();
        if (v.is_number() || v.is_boolean()) return v.dump();
        return fail(pointer + " is " + std::string(v.type_name()) + ", not a string, number or boolean");
    } catch (const nlohmann::json::exception& e) {
        return fail(e.what());
    }
}

}  // namespace redline::load
