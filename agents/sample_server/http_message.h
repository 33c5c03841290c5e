// The request and response of one API exchange, reused across the requests of a connection so their buffers
// keep their capacity (no per-request heap churn on the warm path).
//
// Threading: owned by one connection, used on that connection's worker thread only.
#pragma once

#include <boost/beast/http/verb.hpp>
#include <chrono>
#include <string>
#include <string_view>

#include "agents/agent/types.h"
#include "agents/sample_server/response_cache.h"

namespace redline::sample {

struct HttpRequest {
    boost::beast::http::verb method = boost::beast::http::verb::unknown;
    std::string method_text;
    std::string target;
    std::string api_key;          // X-API-Key
    std::string idempotency_key;  // Idempotency-Key
    std::string content_type;
    std::string body;
    bool has_idempotency_key = false;
    bool keep_alive = true;
    int version = 11;
    std::string remote_ip;  // per connection
    // Filled only by a RequestParser built with keep_fields (redline-proxy forwards them): every field line
    // except Content-Length, Transfer-Encoding and X-Forwarded-For as "Name: value\r\n"; the Connection
    // field values joined with ','; X-Forwarded-For values joined with ", ".
    std::string fields;
    std::string connection;
    std::string forwarded_for;
    std::string host;

    void reset() {
        method = boost::beast::http::verb::unknown;
        method_text.clear();
        target.clear();
        api_key.clear();
        idempotency_key.clear();
        content_type.clear();
        body.clear();
        has_idempotency_key = false;
        keep_alive = true;
        version = 11;
        fields.clear();
        connection.clear();
        forwarded_for.clear();
        host.clear();
    }
};

struct HttpResponse {
    int status = 200;
    const char* content_type = "application/json";
    std::string body;                   // used when shared_body is null
    ResponseCache::Body shared_body;    // a cached, pre-serialised body
    std::string headers;                // extra header lines, each "Name: value\r\n"
    std::chrono::nanoseconds delay{0};  // canary fault latency before the response is sent
    bool close = false;

    // Recording state, filled by Api::handle and consumed by Api::complete.
    agent::SeriesHandle series;
    agent::CacheOutcome cache = agent::CacheOutcome::None;
    bool counted = false;  // holds an in-flight slot
    bool started = false;  // agent request_started() was called
    std::chrono::steady_clock::time_point start;

    std::string_view body_view() const { return shared_body ? std::string_view(*shared_body) : body; }
    void add_header(std::string_view name, std::string_view value) {
        headers.append(name);
        headers.append(": ");
        headers.append(value);
        headers.append("\r\n");
    }
    void reset() {
        status = 200;
        content_type = "application/json";
        body.clear();
        shared_body.reset();
        headers.clear();
        delay = std::chrono::nanoseconds(0);
        close = false;
        series = {};
        cache = agent::CacheOutcome::None;
        counted = false;
        started = false;
    }
};

}  // namespace redline::sample
