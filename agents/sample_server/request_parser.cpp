#include "agents/sample_server/request_parser.h"

#include <boost/beast/core/string.hpp>
#include <boost/beast/http/error.hpp>

namespace redline::sample {

namespace http = boost::beast::http;

namespace {

/// RFC 9112 §3.2 / RFC 3986 §3.2.2: Host = uri-host [ ":" port ]; a reg-name, an IPv4 address or an
/// IP-literal in brackets. Checked by characters: no whitespace, no '/', '?', '#', '@', '"', '\\' or
/// controls, not empty.
bool valid_host(std::string_view v) {
    if (v.empty()) return false;
    for (const char c : v) {
        const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                        std::string_view("-._~!$&'()*+,;=%:[]").find(c) != std::string_view::npos;
        if (!ok) return false;
    }
    return true;
}

}  // namespace

RequestParser::RequestParser(HttpRequest& req, std::size_t max_header_bytes, std::size_t max_body_bytes,
                             bool keep_fields)
    : req_(req), max_body_(max_body_bytes), keep_fields_(keep_fields) {
    header_limit(static_cast<std::uint32_t>(max_header_bytes));
    body_limit(max_body_bytes);
    eager(true);
}

void RequestParser::on_request_impl(http::verb method, string_view method_str, string_view target,
                                    int version, error_code&) {
    req_.method = method;
    req_.method_text.assign(method_str);
    req_.target.assign(target);
    req_.version = version;
}

void RequestParser::on_field_impl(http::field name, string_view name_string, string_view value, error_code&) {
    // Beast reports a chunked body's trailer fields here too. A trailer must not add to or override the
    // request's header (Host, X-API-Key, Idempotency-Key, X-Forwarded-For...): it is dropped.
    if (header_done_) return;
    if (name == http::field::host) {
        ++host_fields_;
        host_valid_ = host_valid_ && valid_host(value);
    }
    if (keep_fields_) keep_field(name, name_string, value);
    if (name == http::field::transfer_encoding) {
        if (has_transfer_encoding_) transfer_encoding_ += ',';
        transfer_encoding_.append(value.data(), value.size());
        has_transfer_encoding_ = true;
    } else if (name == http::field::content_length) {
        has_content_length_ = true;
    } else if (name == http::field::content_type) {
        req_.content_type.assign(value);
    } else if (name_string.size() == 9 || name_string.size() == 15) {
        if (boost::beast::iequals(name_string, "x-api-key")) {
            req_.api_key.assign(value);
        } else if (boost::beast::iequals(name_string, "idempotency-key")) {
            req_.idempotency_key.assign(value);
            req_.has_idempotency_key = true;
        }
    }
}

void RequestParser::keep_field(http::field name, string_view name_string, string_view value) {
    auto join = [](std::string& to, string_view v, const char* sep) {
        if (!to.empty()) to.append(sep);
        to.append(v.data(), v.size());
    };
    switch (name) {
        case http::field::content_length:
        case http::field::transfer_encoding:
            return;
        case http::field::connection:
            join(req_.connection, value, ",");
            break;
        case http::field::host:
            req_.host.assign(value);
            break;
        default:
            if (boost::beast::iequals(name_string, "x-forwarded-for"))
                return join(req_.forwarded_for, value, ", ");
            break;
    }
    req_.fields.append(name_string.data(), name_string.size());
    req_.fields.append(": ");
    req_.fields.append(value.data(), value.size());
    req_.fields.append("\r\n");
}

void RequestParser::on_header_impl(error_code& ec) {
    header_done_ = true;
    framing_error_ = check_request_framing(
        req_.version,
        has_transfer_encoding_ ? std::optional<std::string_view>(transfer_encoding_) : std::nullopt,
        has_content_length_);
    // RFC 9112 §3.2: a request with more than one Host field line or an invalid Host gets 400 (a proxy would
    // otherwise route by one and forward the other). A missing Host is accepted (docs/proxy.md,
    // "Forwarding rules").
    if (!framing_error_ && host_fields_ > 1)
        framing_error_ = FramingError{400, "more than one Host field"};
    else if (!framing_error_ && !host_valid_)
        framing_error_ = FramingError{400, "the Host field is empty or not a valid host[:port]"};
    if (framing_error_) ec = http::error::bad_transfer_encoding;
}

void RequestParser::on_body_init_impl(boost::optional<std::uint64_t> const& content_length, error_code& ec) {
    if (content_length && *content_length > max_body_) {
        ec = http::error::body_limit;
        return;
    }
    if (content_length) req_.body.reserve(static_cast<std::size_t>(*content_length));
}

std::size_t RequestParser::on_body_impl(string_view body, error_code& ec) {
    if (req_.body.size() + body.size() > max_body_) {
        ec = http::error::body_limit;
        return 0;
    }
    req_.body.append(body);
    return body.size();
}

std::size_t RequestParser::on_chunk_body_impl(std::uint64_t, string_view body, error_code& ec) {
    return on_body_impl(body, ec);
}

}  // namespace redline::sample
