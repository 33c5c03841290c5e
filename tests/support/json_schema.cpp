#include "tests/support/json_schema.h"

#include <cmath>
#include <regex>
#include <set>

namespace redline::test {

using nlohmann::json;

namespace {

const std::set<std::string> kKeywords = {
    "$ref", "type", "nullable", "properties", "required", "additionalProperties", "items", "enum", "minimum",
    "maximum", "oneOf", "anyOf", "pattern", "minItems", "maxItems", "exclusiveMinimum", "exclusiveMaximum",
    // annotations
    "description", "example", "format", "default", "title"};

bool type_matches(const json& v, const std::string& type) {
    if (type == "object") return v.is_object();
    if (type == "array") return v.is_array();
    if (type == "string") return v.is_string();
    if (type == "boolean") return v.is_boolean();
    if (type == "integer")
        return v.is_number_integer() ||
               (v.is_number_float() && v.get<double>() == std::floor(v.get<double>()));
    if (type == "number") return v.is_number();
    return false;
}

std::string child(const std::string& at, const std::string& key) {
    std::string k;
    for (char c : key)
        k += c == '~' ? std::string("~0") : c == '/' ? std::string("~1") : std::string(1, c);
    return at + "/" + k;
}

void validate(const json& v, const json& schema_in, const json& root, const std::string& at,
              std::vector<std::string>& errs, int depth) {
    if (depth > 64) {
        errs.push_back(at + ": schema nesting too deep (recursive $ref?)");
        return;
    }
    const json schema = resolve_ref(schema_in, root);
    if (schema.is_discarded()) {
        errs.push_back(at + ": dangling $ref " + schema_in.value("$ref", std::string()));
        return;
    }
    if (!schema.is_object()) {
        errs.push_back(at + ": schema is not an object");
        return;
    }
    for (auto it = schema.begin(); it != schema.end(); ++it)
        if (!kKeywords.count(it.key()))
            errs.push_back(at + ": unsupported schema keyword '" + it.key() + "'");

    if (v.is_null()) {
        // OpenAPI 3.0: null is valid only with nullable: true (a schema without type accepts anything).
        if (schema.value("nullable", false) || (!schema.contains("type") && !schema.contains("oneOf") &&
                                                !schema.contains("anyOf") && !schema.contains("enum")))
            return;
        errs.push_back(at + ": null but the schema is not nullable");
        return;
    }
    if (auto t = schema.find("type"); t != schema.end()) {
        if (!type_matches(v, t->get<std::string>())) {
            errs.push_back(at + ": expected " + t->get<std::string>() + ", got " + v.type_name() + " " +
                           v.dump().substr(0, 80));
            return;
        }
    }
    if (auto e = schema.find("enum"); e != schema.end()) {
        bool found = false;
        for (const auto& x : *e)
            found = found || x == v || (x.is_number() && v.is_number() && x.get<double>() == v.get<double>());
        if (!found) errs.push_back(at + ": " + v.dump() + " is not one of " + e->dump());
    }
    if (v.is_number()) {
        const double d = v.get<double>();
        if (auto m = schema.find("minimum"); m != schema.end()) {
            const bool excl = schema.value("exclusiveMinimum", false);
            if (excl ? !(d > m->get<double>()) : !(d >= m->get<double>()))
                errs.push_back(at + ": " + v.dump() + " is below the minimum " + m->dump());
        }
        if (auto m = schema.find("maximum"); m != schema.end()) {
            const bool excl = schema.value("exclusiveMaximum", false);
            if (excl ? !(d < m->get<double>()) : !(d <= m->get<double>()))
                errs.push_back(at + ": " + v.dump() + " is above the maximum " + m->dump());
        }
    }
    if (v.is_string()) {
        if (auto p = schema.find("pattern"); p != schema.end())
            if (!std::regex_search(v.get<std::string>(),
                                   std::regex(p->get<std::string>(), std::regex::ECMAScript)))
                errs.push_back(at + ": " + v.dump() + " does not match " + p->dump());
    }
    if (v.is_array()) {
        if (auto m = schema.find("minItems"); m != schema.end() && v.size() < m->get<std::size_t>())
            errs.push_back(at + ": fewer than " + m->dump() + " items");
        if (auto m = schema.find("maxItems"); m != schema.end() && v.size() > m->get<std::size_t>())
            errs.push_back(at + ": more than " + m->dump() + " items");
        if (auto items = schema.find("items"); items != schema.end())
            for (std::size_t i = 0; i < v.size(); ++i)
                validate(v[i], *items, root, at + "/" + std::to_string(i), errs, depth + 1);
    }
    if (v.is_object()) {
        const json props = schema.value("properties", json::object());
        for (const auto& r : schema.value("required", json::array()))
            if (!v.contains(r.get<std::string>()))
                errs.push_back(at + ": required property '" + r.get<std::string>() + "' is missing");
        const auto extra = schema.find("additionalProperties");
        for (auto it = v.begin(); it != v.end(); ++it) {
            if (auto p = props.find(it.key()); p != props.end()) {
                validate(*it, *p, root, child(at, it.key()), errs, depth + 1);
            } else if (extra != schema.end()) {
                if (extra->is_boolean()) {
                    if (!extra->get<bool>())
                        errs.push_back(at + ": property '" + it.key() + "' is not in the schema");
                } else {
                    validate(*it, *extra, root, child(at, it.key()), errs, depth + 1);
                }
            }
        }
    }
    for (const char* kw : {"oneOf", "anyOf"}) {
        const auto alts = schema.find(kw);
        if (alts == schema.end()) continue;
        int matched = 0;
        std::vector<std::string> why;
        for (const auto& alt : *alts) {
            std::vector<std::string> e;
            validate(v, alt, root, at, e, depth + 1);
            if (e.empty())
                ++matched;
            else
                why.push_back(e.front());
        }
        const bool ok = std::string(kw) == "oneOf" ? matched == 1 : matched >= 1;
        if (!ok)
            errs.push_back(at + ": " + kw + " matched " + std::to_string(matched) + " alternatives" +
                           (why.empty() ? std::string() : " (first mismatch: " + why.front() + ")"));
    }
}

}  // namespace

std::vector<std::string> unsupported_keywords(const json& schema, const std::string& at) {
    std::vector<std::string> out;
    if (!schema.is_object()) return out;
    for (auto it = schema.begin(); it != schema.end(); ++it)
        if (!kKeywords.count(it.key())) out.push_back(at + ": " + it.key());
    auto sub = [&](const json& s, const std::string& where) {
        const auto more = unsupported_keywords(s, where);
        out.insert(out.end(), more.begin(), more.end());
    };
    if (auto p = schema.find("properties"); p != schema.end() && p->is_object())
        for (auto it = p->begin(); it != p->end(); ++it)
            sub(it.value(), child(at + "/properties", it.key()));
    for (const char* k : {"items", "additionalProperties"})
        if (auto p = schema.find(k); p != schema.end()) sub(*p, at + "/" + k);
    for (const char* k : {"oneOf", "anyOf"})
        if (auto p = schema.find(k); p != schema.end() && p->is_array())
            for (std::size_t i = 0; i < p->size(); ++i)
                sub((*p)[i], at + "/" + k + "/" + std::to_string(i));
    return out;
}

json resolve_ref(const json& node, const json& root) {
    json cur = node;
    for (int hop = 0; hop < 16; ++hop) {
        if (!cur.is_object() || !cur.contains("$ref")) return cur;
        const std::string ref = cur["$ref"].get<std::string>();
        if (ref.rfind("#", 0) != 0) return json(json::value_t::discarded);
        try {
            cur = root.at(json::json_pointer(ref.substr(1)));
        } catch (const std::exception&) {
            return json(json::value_t::discarded);
        }
    }
    return json(json::value_t::discarded);
}

std::vector<std::string> validate_schema(const json& value, const json& schema, const json& root) {
    std::vector<std::string> errs;
    validate(value, schema, root, "", errs, 0);
    return errs;
}

}  // namespace redline::test
