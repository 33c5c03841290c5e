// JSON serialisation of catalog rows. The stable version writes bytes directly into a reusable buffer; the
// canary builds an nlohmann::json document (a genuinely different serialisation path with the same output
// semantics, so stable and canary responses compare equal as JSON).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "agents/sample_server/catalog.h"

namespace redline::sample {

/// Appends `s` as a JSON string literal (quotes included) with RFC 8259 escaping.
void append_json_string(std::string& out, std::string_view s);
/// Stable path: appends the product object.
void append_product_json(std::string& out, const Product& p);
/// Canary path: the same object through nlohmann::json.
std::string product_json_canary(const Product& p);
/// A page of products: {"items":[...],"next_page_token":"..."|null}.
std::string product_page_json(const std::vector<Product>& items, const std::string& next_token, bool canary);

}  // namespace redline::sample
