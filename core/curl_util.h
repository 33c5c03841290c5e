// Internal helpers shared by core/agent_client.cpp and core/stream_consumer.cpp (not part of the public API).
#pragma once

#include <curl/curl.h>

#include <chrono>
#include <initializer_list>
#include <string>
#include <string_view>

namespace redline::detail {

/// curl_global_init once per process (fallback when main() holds no CurlGlobal).
void ensure_curl_global();
/// "http://host:port" + "/v1/x" with exactly one slash between them.
std::string join_url(std::string_view base, std::string_view path);
/// Options every Redline handle sets: no signals, no redirects, http/https only, TCP_NODELAY, user agent.
void set_common_options(CURL* h);
/// Readies a reused handle for one request to url: curl_easy_reset (live connections and the DNS cache stay),
/// the common options, the URL, connect and total timeout (at least 1 ms), and errbuf (CURL_ERROR_SIZE)
/// cleared.
void begin_request(CURL* h, const std::string& url, std::chrono::milliseconds timeout, char* errbuf);
/// Authorization header (when token is non-empty) plus extra header lines; caller frees with
/// curl_slist_free_all.
curl_slist* make_headers(const std::string& token, std::initializer_list<std::string_view> extra);
/// curl's message for code, plus the error buffer's detail when it adds something.
std::string transport_message(int code, const char* errbuf);

/// A response body collected up to `limit` bytes (CURLOPT_WRITEDATA for write_body, CURLOPT_WRITEFUNCTION);
/// beyond it the transfer is aborted (CURLE_WRITE_ERROR) and overflow is set.
struct BodySink {
    std::string* body;
    std::size_t limit;
    bool overflow = false;
};
std::size_t write_body(char* data, std::size_t size, std::size_t n, void* sink);

}  // namespace redline::detail
