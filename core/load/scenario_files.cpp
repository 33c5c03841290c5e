// Scenario files: loading from disk and finding built-in scenarios.
#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "core/load/scenario.h"

namespace redline::load {

namespace fs = std::filesystem;

Parsed<Scenario> load_scenario_file(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) return {std::vector<FieldError>{{"", "cannot read " + path + ": " + std::strerror(errno)}}};
    std::ostringstream ss;
    ss << in.rdbuf();
    const std::string text = ss.str();
    if (text.size() > 4 * 1024 * 1024) return {std::vector<FieldError>{{"", path + " is larger than 4 MiB"}}};
    return parse_scenario_text(text);
}

std::vector<std::string> scenario_search_dirs(const std::vector<std::string>& extra) {
    std::vector<std::string> dirs;
    if (const char* env = std::getenv("REDLINE_SCENARIO_DIR"); env && *env) dirs.emplace_back(env);
    std::error_code ec;
    const fs::path exe = fs::read_symlink("/proc/self/exe", ec);
    if (!ec) {
        const fs::path bin = exe.parent_path();
        dirs.push_back((bin.parent_path() / "share" / "redline" / "scenarios").string());
        for (fs::path p = bin; !p.empty(); p = p.parent_path()) {
            const fs::path cand = p / "resources" / "scenarios";
            if (fs::is_directory(cand, ec)) {
                dirs.push_back(cand.string());
                break;
            }
            if (p == p.parent_path()) break;
        }
    }
    for (const auto& e : extra)
        dirs.push_back(e);
    return dirs;
}

std::vector<std::string> list_builtin_scenarios(const std::vector<std::string>& extra) {
    std::error_code ec;
    for (const auto& d : scenario_search_dirs(extra)) {
        std::vector<std::string> names;
        for (fs::directory_iterator it(d, ec), end; !ec && it != end; it.increment(ec))
            if (it->path().extension() == ".json") names.push_back(it->path().stem().string());
        if (!names.empty()) {
            std::sort(names.begin(), names.end());
            return names;
        }
        ec.clear();
    }
    return {};
}

std::optional<std::string> find_scenario(std::string_view name_or_path,
                                         const std::vector<std::string>& extra) {
    std::error_code ec;
    const std::string s(name_or_path);
    if (s.find('/') != std::string::npos || s.ends_with(".json")) {
        if (fs::is_regular_file(s, ec)) return s;
        return std::nullopt;
    }
    if (s.empty() || s.find("..") != std::string::npos) return std::nullopt;
    for (const auto& d : scenario_search_dirs(extra)) {
        const fs::path p = fs::path(d) / (s + ".json");
        if (fs::is_regular_file(p, ec)) return p.string();
    }
    if (fs::is_regular_file(s, ec)) return s;
    return std::nullopt;
}

}  // namespace redline::load
