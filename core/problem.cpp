#include "core/problem.h"

#include <nlohmann/json.hpp>

namespace redline {

using nlohmann::json;

Problem Problem::make(int status, std::string title, std::string detail) {
    Problem p;
    p.status = status;
    p.title = title.empty() ? std::string(reason_phrase(status)) : std::move(title);
    p.detail = std::move(detail);
    return p;
}

std::string join_field_errors(const std::vector<FieldError>& errors) {
    std::string out;
    for (std::size_t i = 0; i < errors.size(); ++i) {
        if (i) out += "; ";
        if (!errors[i].field.empty()) {
            out += errors[i].field;
            out += ": ";
        }
        out += errors[i].message;
    }
    return out;
}

std::string Problem::to_string() const {
    std::string out = std::to_string(status);
    out += ' ';
    out += title.empty() ? std::string(reason_phrase(status)) : title;
    if (!detail.empty()) {
        out += ": ";
        out += detail;
    }
    if (!errors.empty()) out += " (" + join_field_errors(errors) + ")";
    return out;
}

std::string Problem::to_json_string() const {
    json j;
    to_json(j, *this);
    // Replace invalid UTF-8 (e.g. echoed user input) instead of throwing while building an error response.
    return j.dump(-1, ' ', false, json::error_handler_t::replace);
}

std::optional<Problem> Problem::parse(std::string_view body) {
    const json j = json::parse(body.begin(), body.end(), nullptr, /*allow_exceptions=*/false);
    if (!j.is_object()) return std::nullopt;
    const auto status = j.find("status");
    const auto title = j.find("title");
    const bool has_status = status != j.end() && status->is_number_integer();
    const bool has_title = title != j.end() && title->is_string();
    // RFC 9457 makes every member optional; an object with neither a status nor a title is not a problem
    // report.
    if (!has_status && !has_title) return std::nullopt;
    Problem p;
    if (has_status) {
        const auto s = status->get<std::int64_t>();
        p.status = (s >= 0 && s <= 999) ? int(s) : 0;
    }
    if (has_title) p.title = title->get<std::string>();
    if (const auto it = j.find("type"); it != j.end() && it->is_string()) p.type = it->get<std::string>();
    if (const auto it = j.find("detail"); it != j.end() && it->is_string()) p.detail = it->get<std::string>();
    if (const auto it = j.find("errors"); it != j.end() && it->is_array()) {
        for (const auto& e : *it) {
            if (!e.is_object()) continue;
            FieldError fe;
            if (const auto f = e.find("field"); f != e.end() && f->is_string())
                fe.field = f->get<std::string>();
            if (const auto m = e.find("message"); m != e.end() && m->is_string())
                fe.message = m->get<std::string>();
            if (!fe.field.empty() || !fe.message.empty()) p.errors.push_back(std::move(fe));
        }
    }
    return p;
}

void to_json(json& j, const FieldError& e) {
    j = json{{"field", e.field}, {"message", e.message}};
}

void to_json(json& j, const Problem& p) {
    j = json{{"type", p.type}, {"title", p.title}, {"status", p.status}};
    if (!p.detail.empty()) j["detail"] = p.detail;
    if (!p.errors.empty()) j["errors"] = p.errors;
}

std::string_view reason_phrase(int status) {
    switch (status) {
        case 100:
            return "Continue";
        case 101:
            return "Switching Protocols";
        case 200:
            return "OK";
        case 201:
            return "Created";
        case 202:
            return "Accepted";
        case 204:
            return "No Content";
        case 206:
            return "Partial Content";
        case 301:
            return "Moved Permanently";
        case 302:
            return "Found";
        case 303:
            return "See Other";
        case 304:
            return "Not Modified";
        case 307:
            return "Temporary Redirect";
        case 308:
            return "Permanent Redirect";
        case 400:
            return "Bad Request";
        case 401:
            return "Unauthorized";
        case 403:
            return "Forbidden";
        case 404:
            return "Not Found";
        case 405:
            return "Method Not Allowed";
        case 406:
            return "Not Acceptable";
        case 408:
            return "Request Timeout";
        case 409:
            return "Conflict";
        case 410:
            return "Gone";
        case 411:
            return "Length Required";
        case 412:
            return "Precondition Failed";
        case 413:
            return "Content Too Large";
        case 414:
            return "URI Too Long";
        case 415:
            return "Unsupported Media Type";
        case 416:
            return "Range Not Satisfiable";
        case 422:
            return "Unprocessable Content";
        case 426:
            return "Upgrade Required";
        case 428:
            return "Precondition Required";
        case 429:
            return "Too Many Requests";
        case 431:
            return "Request Header Fields Too Large";
        case 500:
            return "Internal Server Error";
        case 501:
            return "Not Implemented";
        case 502:
            return "Bad Gateway";
        case 503:
            return "Service Unavailable";
        case 504:
            return "Gateway Timeout";
        case 505:
            return "HTTP Version Not Supported";
        default:
            return "Unknown";
    }
}

}  // namespace redline
