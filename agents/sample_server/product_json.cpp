#include "agents/sample_server/product_json.h"

#include <charconv>
#include <nlohmann/json.hpp>

namespace redline::sample {

namespace {

void append_int(std::string& out, std::int64_t v) {
    char buf[24];
    auto [p, ec] = std::to_chars(buf, buf + sizeof buf, v);
    out.append(buf, static_cast<std::size_t>(p - buf));
}

}  // namespace

void append_json_string(std::string& out, std::string_view s) {
    static constexpr char kHex[] = "0123456789abcdef";
    out.push_back('"');
    for (const char ch : s) {
        const auto c = static_cast<unsigned char>(ch);
        switch (c) {
            case '"':
                out.append("\\\"");
                break;
            case '\\':
                out.append("\\\\");
                break;
            case '\n':
                out.append("\\n");
                break;
            case '\r':
                out.append("\\r");
                break;
            case '\t':
                out.append("\\t");
                break;
            default:
                if (c < 0x20) {
                    out.append("\\u00");
                    out.push_back(kHex[c >> 4]);
                    out.push_back(kHex[c & 15]);
                } else {
                    out.push_back(ch);
                }
        }
    }
    out.push_back('"');
}

void append_product_json(std::string& out, const Product& p) {
    out.append("{\"id\":");
    append_int(out, p.id);
    out.append(",\"sku\":");
    append_json_string(out, p.sku);
    out.append(",\"name\":");
    append_json_string(out, p.name);
    out.append(",\"category\":");
    append_json_string(out, p.category);
    out.append(",\"description\":");
    append_json_string(out, p.description);
    out.append(",\"price_cents\":");
    append_int(out, p.price_cents);
    out.append(",\"stock\":");
    append_int(out, p.stock);
    out.push_back('}');
}

std::string product_json_canary(const Product& p) {
    nlohmann::json j = {{"id", p.id},
                        {"sku", p.sku},
                        {"name", p.name},
                        {"category", p.category},
                        {"description", p.description},
                        {"price_cents", p.price_cents},
                        {"stock", p.stock}};
    return j.dump();
}

std::string product_page_json(const std::vector<Product>& items, const std::string& next_token, bool canary) {
    std::string out;
    out.reserve(64 + items.size() * 260);
    out.append("{\"items\":[");
    for (std::size_t i = 0; i < items.size(); ++i) {
        if (i) out.push_back(',');
        if (canary)
            out.append(product_json_canary(items[i]));
        else
            append_product_json(out, items[i]);
    }
    out.append("],\"next_page_token\":");
    if (next_token.empty())
        out.append("null");
    else
        append_json_string(out, next_token);
    out.push_back('}');
    return out;
}

}  // namespace redline::sample
