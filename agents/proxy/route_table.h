// Route templates of the proxied API, so requests are recorded (and rate limited) by template, never by raw
// path: "/v1/products/{id}" matches "/v1/products/42". Templates come from an OpenAPI document's `paths`
// (with the methods it lists) or from a plain list (every method). A path that matches no template, or a
// method the OpenAPI document does not list for it, falls into the catch-all route kCatchAll, so label
// cardinality is bounded by the configuration whatever clients send.
//
// Threading: built at start-up; match() is const and safe from any thread.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace redline::proxy {

/// Methods recorded by name; any other is recorded as "_OTHER" (OpenTelemetry's convention).
inline constexpr std::array<std::string_view, 8> kMethods = {"GET",    "HEAD",  "POST",    "PUT",
                                                             "DELETE", "PATCH", "OPTIONS", "_OTHER"};
std::size_t method_index(std::string_view method) noexcept;

inline constexpr std::string_view kCatchAll = "/{unmatched}";
inline constexpr std::size_t kMaxRoutes = 512;

struct RouteTemplate {
    std::string text;                   // "/v1/products/{id}"
    std::vector<std::string> segments;  // literal, or "{" for a parameter
    std::uint32_t methods = 0xff;       // bit per kMethods index
};

class RouteTable {
  public:
    /// Adds a template; returns an error message ("" when fine): must start with '/', parameters are whole
    /// segments "{name}". Duplicates are merged.
    std::string add(const std::string& text, std::uint32_t methods = 0xff);
    /// Loads an OpenAPI document (JSON, or YAML for .yaml/.yml) or a text file with one template a line
    /// ('#' comments). Returns an error message naming the file and the problem.
    std::string load_file(const std::string& path);
    /// Parses document text (the format is decided by `path`'s extension); for tests and fuzzing.
    std::string load_text(const std::string& path, const std::string& content);

    /// Index of the template matching path and method (literal segments win over parameters), or size()
    /// for the catch-all. The path has no query string.
    std::size_t match(std::string_view path, std::size_t method) const noexcept;
    std::size_t size() const noexcept { return routes_.size(); }
    const RouteTemplate& at(std::size_t i) const { return routes_[i]; }
    /// Template text of index i, kCatchAll for size().
    std::string_view text(std::size_t i) const noexcept {
        return i < routes_.size() ? routes_[i].text : kCatchAll;
    }

  private:
    std::vector<RouteTemplate> routes_;
};

}  // namespace redline::proxy
