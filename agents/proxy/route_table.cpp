#include "agents/proxy/route_table.h"

#include <yaml-cpp/yaml.h>

#include <fstream>
#include <sstream>

#include "core/json_strict.h"

namespace redline::proxy {

namespace {

bool ends_with(std::string_view s, std::string_view suffix) {
    return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

std::uint32_t method_bit(std::string key) {
    for (auto& ch : key)
        ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
    const std::size_t i = method_index(key);
    return i + 1 < kMethods.size() ? 1u << i : 0u;
}

}  // namespace

std::size_t method_index(std::string_view method) noexcept {
    for (std::size_t i = 0; i + 1 < kMethods.size(); ++i)
        if (kMethods[i] == method) return i;
    return kMethods.size() - 1;
}

std::string RouteTable::add(const std::string& text, std::uint32_t methods) {
    if (text.empty() || text.front() != '/') return "route '" + text + "' must start with '/'";
    if (text.size() > 1024) return "route '" + text.substr(0, 64) + "...' is longer than 1024 characters";
    RouteTemplate t;
    t.text = text;
    t.methods = methods;
    std::string_view rest = std::string_view(text).substr(1);
    while (true) {
        const auto slash = rest.find('/');
        const std::string_view seg = rest.substr(0, slash);
        const bool param = seg.size() >= 2 && seg.front() == '{' && seg.back() == '}';
        if (!param && (seg.find('{') != std::string_view::npos || seg.find('}') != std::string_view::npos))
            return "route '" + text + "': a parameter must be a whole segment {name}";
        if (seg.find_first_of("?# ") != std::string_view::npos)
            return "route '" + text + "' has a character not allowed in a path";
        t.segments.emplace_back(param ? std::string_view("{") : seg);
        if (slash == std::string_view::npos) break;
        rest = rest.substr(slash + 1);
    }
    for (auto& r : routes_)
        if (r.segments == t.segments) {
            r.methods |= methods;
            return {};
        }
    if (routes_.size() >= kMaxRoutes) return "more than " + std::to_string(kMaxRoutes) + " routes";
    routes_.push_back(std::move(t));
    return {};
}

std::string RouteTable::load_file(const std::string& path) {
    std::ifstream in(path);
    if (!in) return "cannot read routes file '" + path + "'";
    std::stringstream ss;
    ss << in.rdbuf();
    return load_text(path, ss.str());
}

std::string RouteTable::load_text(const std::string& path, const std::string& content) {
    const bool is_json = ends_with(path, ".json");
    const bool is_yaml = ends_with(path, ".yaml") || ends_with(path, ".yml");
    auto fail = [&](const std::string& why) { return "routes file " + path + ": " + why; };
    if (is_json) {
        auto doc = parse_json_strict(content);
        if (!doc.ok()) return fail(join_field_errors(doc.errors()));
        const auto& j = doc.value();
        if (!j.is_object() || !j.contains("paths") || !j["paths"].is_object())
            return fail("an OpenAPI document needs a 'paths' object");
        for (const auto& [p, item] : j["paths"].items()) {
            std::uint32_t m = 0;
            if (item.is_object())
                for (const auto& [k, v] : item.items())
                    m |= method_bit(k);
            if (auto e = add(p, m ? m : 0xff); !e.empty()) return fail(e);
        }
        return {};
    }
    if (is_yaml) {
        try {
            const YAML::Node doc = YAML::Load(content);
            const YAML::Node paths = doc.IsMap() ? doc["paths"] : YAML::Node();
            if (!paths || !paths.IsMap()) return fail("an OpenAPI document needs a 'paths' mapping");
            for (const auto& kv : paths) {
                std::uint32_t m = 0;
                if (kv.second.IsMap())
                    for (const auto& op : kv.second)
                        m |= method_bit(op.first.as<std::string>());
                if (auto e = add(kv.first.as<std::string>(), m ? m : 0xff); !e.empty()) return fail(e);
            }
        } catch (const YAML::Exception& e) {
            return fail(std::string("not valid YAML: ") + e.what());
        }
        return {};
    }
    std::istringstream lines(content);
    std::string line;
    int n = 0;
    while (std::getline(lines, line)) {
        ++n;
        while (!line.empty() && (line.back() == '\r' || line.back() == ' ' || line.back() == '\t'))
            line.pop_back();
        const auto first = line.find_first_not_of(" \t");
        if (first == std::string::npos || line[first] == '#') continue;
        if (auto e = add(line.substr(first)); !e.empty()) return fail("line " + std::to_string(n) + ": " + e);
    }
    return {};
}

std::size_t RouteTable::match(std::string_view path, std::size_t method) const noexcept {
    std::size_t best = routes_.size();
    std::uint64_t best_score = 0;
    if (path.empty() || path.front() != '/') return best;
    const std::uint32_t bit = method < 32 ? 1u << method : 0u;
    for (std::size_t i = 0; i < routes_.size(); ++i) {
        const RouteTemplate& t = routes_[i];
        if (!(t.methods & bit)) continue;
        std::string_view rest = path.substr(1);
        std::uint64_t score = 1;  // literal segments, leftmost first, make a match more specific
        bool ok = true;
        for (std::size_t s = 0; s < t.segments.size() && ok; ++s) {
            const auto slash = rest.find('/');
            const bool last = s + 1 == t.segments.size();
            if (last != (slash == std::string_view::npos)) {
                ok = false;
                break;
            }
            const std::string_view seg = rest.substr(0, slash);
            if (t.segments[s] == "{") {
                ok = !seg.empty();
            } else {
                ok = seg == t.segments[s];
                if (s < 63) score |= std::uint64_t{1} << (63 - s);
            }
            rest = last ? std::string_view() : rest.substr(slash + 1);
        }
        if (ok && score > best_score) {
            best = i;
            best_score = score;
        }
    }
    return best;
}

}  // namespace redline::proxy
