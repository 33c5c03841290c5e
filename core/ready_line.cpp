#include "core/ready_line.h"

namespace redline {

std::optional<ReadyLine> parse_ready_line(std::string_view line) {
    constexpr std::string_view kPrefix = "REDLINE_READY api=";
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.substr(0, kPrefix.size()) != kPrefix) return std::nullopt;
    line.remove_prefix(kPrefix.size());
    const auto admin = line.find(" admin=");
    if (admin == std::string_view::npos) return std::nullopt;
    ReadyLine r;
    r.api = std::string(line.substr(0, admin));
    if (r.api.find(' ') != std::string::npos) return std::nullopt;
    std::string_view rest = line.substr(admin + 7);
    const auto dir = rest.find(" data_dir=");
    r.admin = std::string(rest.substr(0, dir));
    if (dir != std::string_view::npos) r.data_dir = std::string(rest.substr(dir + 10));
    if (r.admin.empty() || r.admin.find(' ') != std::string::npos) return std::nullopt;
    return r;
}

}  // namespace redline
