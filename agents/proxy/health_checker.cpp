#include "agents/proxy/health_checker.h"

#include <spdlog/spdlog.h>

#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>

namespace redline::proxy {

namespace beast = boost::beast;
namespace http = beast::http;

namespace {

/// One check in flight: the stream, the buffers and the verdict reported once.
struct Check : std::enable_shared_from_this<Check> {
    Check(boost::asio::io_context& ioc, Backend& b, UpstreamPools& p) : stream(ioc), backend(b), pools(p) {}
    beast::tcp_stream stream;
    Backend& backend;
    UpstreamPools& pools;
    http::request<http::empty_body> req;
    beast::flat_buffer buffer;
    http::response<http::string_body> res;

    void done(bool ok, const std::string& detail) {
        beast::error_code ignored;
        stream.socket().shutdown(boost::asio::ip::tcp::socket::shutdown_both, ignored);
        pools.report_health(backend, ok, detail);
    }
};

}  // namespace

HealthChecker::HealthChecker(const ProxyConfig& config, UpstreamPools& pools)
    : config_(config), pools_(pools) {}

HealthChecker::~HealthChecker() {
    stop();
}

void HealthChecker::start() {
    if (!config_.health_enabled || pools_.backends().empty()) return;
    timer_.emplace(ioc_);
    tick();
    thread_ = std::thread([this] {
        try {
            ioc_.run();
        } catch (const std::exception& e) {
            spdlog::error("proxy: health checker stopped: {}", e.what());
        }
    });
}

void HealthChecker::stop() {
    ioc_.stop();
    if (thread_.joinable()) thread_.join();
}

void HealthChecker::tick() {
    for (const auto& b : pools_.backends())
        check(*b);
    timer_->expires_after(config_.health_interval);
    timer_->async_wait([this](boost::system::error_code ec) {
        if (!ec) tick();
    });
}

void HealthChecker::check(Backend& b) {
    auto c = std::make_shared<Check>(ioc_, b, pools_);
    c->req = {http::verb::get, config_.health_path, 11};
    c->req.set(http::field::host, b.host_header);
    c->req.set(http::field::user_agent, "redline-proxy-health");
    c->req.set(http::field::connection, "close");
    c->stream.expires_after(config_.health_timeout);
    c->stream.async_connect(b.endpoint, [c](beast::error_code ec) {
        if (ec) return c->done(false, "connect: " + ec.message());
        http::async_write(c->stream, c->req, [c](beast::error_code ec, std::size_t) {
            if (ec) return c->done(false, "write: " + ec.message());
            http::async_read(c->stream, c->buffer, c->res, [c](beast::error_code ec, std::size_t) {
                if (ec) return c->done(false, "read: " + ec.message());
                const int s = static_cast<int>(c->res.result_int());
                c->done(s >= 200 && s < 300, "status " + std::to_string(s));
            });
        });
    });
}

}  // namespace redline::proxy
