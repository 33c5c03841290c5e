// Fuzz target: the sample server's HTTP/1.1 request parser (agents/sample_server/request_parser.h) fed the
// way HttpSession feeds it: the bytes arrive in two reads split at a data-derived point, possibly holding
// several pipelined requests, and each request gets a fresh parser over the reused HttpRequest.
//
// Input: 2 bytes split offset (little endian, modulo the payload size), then the raw bytes on the wire.
#include <boost/asio/buffer.hpp>
#include <boost/beast/http/error.hpp>
#include <cstdint>
#include <cstdlib>
#include <optional>
#include <string>

#include "agents/sample_server/options.h"
#include "agents/sample_server/request_parser.h"
#include "tests/fuzz/fuzz_input.h"

namespace {

namespace http = boost::beast::http;
using redline::sample::HttpRequest;
using redline::sample::RequestParser;

constexpr int kMaxRequests = 64;

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    redline::fuzz::Input in{data, size};
    const std::size_t split_at = in.size == 0 ? 0 : in.take_u16() % (in.size + 1);
    const std::string_view wire = in.rest();
    const redline::sample::ServerOptions defaults;  // the server's header and body caps
    const std::size_t max_header = defaults.max_header_bytes;
    const std::size_t max_body = defaults.max_body_bytes;

    std::string buffer(wire.substr(0, split_at));
    bool second_read_done = false;
    auto read_more = [&]() {
        if (second_read_done) return false;
        second_read_done = true;
        buffer.append(wire.substr(split_at));
        return true;
    };

    HttpRequest req;
    std::optional<RequestParser> parser;
    for (int requests = 0; requests < kMaxRequests;) {
        if (!parser) {
            req.reset();
            parser.emplace(req, max_header, max_body);
        }
        boost::beast::error_code ec;
        const std::size_t used = parser->put(boost::asio::const_buffer(buffer.data(), buffer.size()), ec);
        if (used > buffer.size()) std::abort();
        buffer.erase(0, used);
        if (ec == http::error::need_more) {
            if (read_more()) continue;
            // The peer closed mid-request: what the session does on EOF (it closes), after telling the
            // parser.
            boost::beast::error_code eof;
            if (parser->got_some()) parser->put_eof(eof);  // put_eof() requires a started message
            break;
        }
        if (ec) break;  // 400 / 413 / 431 and the connection is closed
        if (parser->is_done()) {
            // A complete request never carries more body than the cap, and always has a method and target.
            if (req.body.size() > max_body) std::abort();
            if (req.target.empty() || req.method_text.empty()) std::abort();
            const bool keep_alive = parser->keep_alive();
            parser.reset();
            ++requests;
            if (!keep_alive) break;
            continue;
        }
        if (used == 0 || buffer.empty()) {
            if (!read_more()) break;
        }
    }
    return 0;
}
