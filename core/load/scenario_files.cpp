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
    auto p = parse_scenario_text(text);
    if (!p.ok() || !p.value().data.enabled || p.value().data.file.empty()) return p;
    auto errs = load_scenario_data(p.value(), fs::path(path).parent_path().string());
    if (!errs.empty()) return {errs};
    return p;
}

std::vector<FieldError> load_scenario_data(Scenario& s, const std::string& base_dir) {
    if (!s.data.enabled || s.data.file.empty()) return check_variables(s);
    fs::path file(s.data.file);
    if (file.is_relative() && !base_dir.empty()) file = fs::path(base_dir) / file;
    const std::string shown =
        s.data.file == file.string() ? s.data.file : s.data.file + " (" + file.string() + ")";
    auto fail = [&](std::string m) { return std::vector<FieldError>{{"data.file", std::move(m)}}; };
    std::error_code ec;
    if (!fs::exists(file, ec)) return fail("cannot read " + shown + ": no such file");
    if (!fs::is_regular_file(file, ec)) return fail(shown + " is not a regular file");
    const auto size = fs::file_size(file, ec);
    if (ec) return fail("cannot read " + shown + ": " + ec.message());
    if (size > kMaxDataFileBytes)
        return fail(shown + " is larger than 16 MiB (" + std::to_string(size) + " bytes)");
    std::ifstream in(file, std::ios::binary);
    if (!in) return fail("cannot read " + shown + ": " + std::strerror(errno));
    std::string text(size, '\0');
    in.read(text.data(), std::streamsize(size));
    if (in.gcount() != std::streamsize(size)) return fail("cannot read " + shown + ": short read");
    std::string why;
    auto t = parse_csv(text, &why);
    if (!t) return fail(s.data.file + ": " + why);
    s.data.table = std::move(*t);
    s.data.loaded = true;
    return check_variables(s);
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
