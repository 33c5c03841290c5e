// An HTTP/1.1 request parser that keeps only what the API needs (method, target, a few headers, body) in a
// reused HttpRequest, so parsing a request allocates nothing once the connection's buffers are warm.
//
// Threading: one per request on the connection's worker thread.
#pragma once

#include <boost/beast/http/basic_parser.hpp>
#include <optional>
#include <string>

#include "agents/sample_server/http_message.h"
#include "core/http_framing.h"

namespace redline::sample {

class RequestParser : public boost::beast::http::basic_parser<true> {
  public:
    /// keep_fields: also keep every field for forwarding (HttpRequest::fields, connection, forwarded_for).
    RequestParser(HttpRequest& req, std::size_t max_header_bytes, std::size_t max_body_bytes,
                  bool keep_fields = false);

    /// Set when put() failed because the framing is refused (core/http_framing.h): answer this status and
    /// close the connection; the body must never be read as the next request.
    const std::optional<FramingError>& framing_error() const { return framing_error_; }

  private:
    using string_view = boost::beast::string_view;
    using error_code = boost::beast::error_code;

    void on_request_impl(boost::beast::http::verb method, string_view method_str, string_view target,
                         int version, error_code& ec) override;
    void on_response_impl(int, string_view, int, error_code&) override {}
    void on_field_impl(boost::beast::http::field name, string_view name_string, string_view value,
                       error_code& ec) override;
    void on_header_impl(error_code& ec) override;
    void on_body_init_impl(boost::optional<std::uint64_t> const& content_length, error_code& ec) override;
    std::size_t on_body_impl(string_view body, error_code& ec) override;
    void on_chunk_header_impl(std::uint64_t, string_view, error_code&) override {}
    std::size_t on_chunk_body_impl(std::uint64_t, string_view body, error_code& ec) override;
    void on_finish_impl(error_code&) override {}
    void keep_field(boost::beast::http::field name, string_view name_string, string_view value);

    HttpRequest& req_;
    std::size_t max_body_;
    std::string
        transfer_encoding_;  // every Transfer-Encoding value joined with ',' (allocates only when sent)
    bool has_transfer_encoding_ = false;
    bool has_content_length_ = false;
    bool keep_fields_ = false;
    bool header_done_ = false;  // fields after the header are chunked trailers: never request fields
    int host_fields_ = 0;
    bool host_valid_ = true;
    std::optional<FramingError> framing_error_;
};

}  // namespace redline::sample
