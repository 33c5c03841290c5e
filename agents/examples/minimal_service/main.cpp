// minimal_service: a plain Boost.Beast HTTP/1.1 server embedding the Redline agent (docs/sdk.md).
//   minimal_service --data-dir DIR [--listen 127.0.0.1:8080] [--admin-listen 127.0.0.1:9464]
// Serves GET /hello and GET /items/{id}; every other path is recorded under one route, "/{other}", so label
// cardinality stays bounded. The agent's admin API (/metrics, /v1/info, /v1/limits, ...) is on its own port;
// a rate limit PUT there is applied by this service (429 + Retry-After). Prints
//   REDLINE_READY api=http://HOST:PORT admin=http://HOST:PORT
// and stops on SIGINT/SIGTERM. Threading: one io_context on the main thread serves every connection;
// agent.record() is wait-free there; on_limits runs on the agent's admin thread, hence the mutex.
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <chrono>
#include <cstdio>
#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "agents/agent/agent.h"

namespace asio = boost::asio;
namespace http = boost::beast::http;
using tcp = asio::ip::tcp;
using redline::agent::Agent;
using redline::agent::SeriesHandle;

namespace {

// Route-wide token buckets from the agent's limits control (enforce mode only, for brevity).
class Limiter {
  public:
    void apply(const redline::LimitsConfig& l) {  // admin thread
        std::lock_guard lock(mutex_);
        limits_ = l;
        buckets_.clear();
    }
    bool allow(const std::string& route_id) {  // io thread
        std::lock_guard lock(mutex_);
        auto it = limits_.routes.find(route_id);
        if (it == limits_.routes.end() || !it->second.enabled) return true;
        const auto now = std::chrono::steady_clock::now();
        auto [b, fresh] = buckets_.try_emplace(route_id, Bucket{it->second.burst, now});
        const double dt = std::chrono::duration<double>(now - b->second.last).count();
        b->second.tokens = std::min(it->second.burst, b->second.tokens + dt * it->second.rate_per_s);
        b->second.last = now;
        if (b->second.tokens < 1.0) return false;
        b->second.tokens -= 1.0;
        return true;
    }

  private:
    struct Bucket {
        double tokens;
        std::chrono::steady_clock::time_point last;
    };
    std::mutex mutex_;
    redline::LimitsConfig limits_;           // guarded by mutex_
    std::map<std::string, Bucket> buckets_;  // guarded by mutex_
};

struct Routes {
    SeriesHandle hello, item, other;
};

class Session : public std::enable_shared_from_this<Session> {
  public:
    Session(tcp::socket s, Agent& a, const Routes& r, Limiter& l)
        : socket_(std::move(s)), agent_(a), routes_(r), limiter_(l) {}
    void read() {
        req_ = {};
        http::async_read(socket_, buffer_, req_, [self = shared_from_this()](auto ec, std::size_t) {
            if (!ec) self->serve();
        });
    }

  private:
    void serve() {
        const auto t0 = std::chrono::steady_clock::now();
        const std::string path(req_.target().substr(0, req_.target().find('?')));
        SeriesHandle h = routes_.other;
        std::string route = "GET /{other}", body = "not found\n";
        auto status = http::status::not_found;
        if (req_.method() == http::verb::get && path == "/hello") {
            h = routes_.hello, route = "GET /hello", body = "hello\n", status = http::status::ok;
        } else if (req_.method() == http::verb::get && path.starts_with("/items/") && path.size() > 7 &&
                   path.find('/', 7) == std::string::npos) {
            h = routes_.item, route = "GET /items/{id}", body = "item " + path.substr(7) + "\n";
            status = http::status::ok;
        }
        res_ = {};
        agent_.request_started(h);
        if (!limiter_.allow(route)) {
            agent_.record_rate_limit(h, redline::agent::RateLimitOutcome::Rejected);
            status = http::status::too_many_requests, body = "rate limited\n";
            res_.set(http::field::retry_after, "1");
        }
        res_.result(status);
        res_.version(req_.version());
        res_.keep_alive(req_.keep_alive());
        res_.set(http::field::content_type, "text/plain");
        res_.body() = std::move(body);
        res_.prepare_payload();
        agent_.record(h, int(status), std::chrono::steady_clock::now() - t0);
        agent_.request_finished(h);
        http::async_write(socket_, res_, [self = shared_from_this()](auto ec, std::size_t) {
            if (!ec && self->res_.keep_alive()) self->read();
        });
    }
    tcp::socket socket_;
    boost::beast::flat_buffer buffer_;
    http::request<http::string_body> req_;
    http::response<http::string_body> res_;
    Agent& agent_;
    const Routes& routes_;
    Limiter& limiter_;
};

void accept(tcp::acceptor& acc, Agent& agent, const Routes& routes, Limiter& limiter) {
    acc.async_accept([&](boost::system::error_code ec, tcp::socket s) {
        if (ec) return;  // acceptor closed: shutting down
        std::make_shared<Session>(std::move(s), agent, routes, limiter)->read();
        accept(acc, agent, routes, limiter);
    });
}

}  // namespace

int main(int argc, char** argv) {
    std::map<std::string, std::string> args{{"--listen", "127.0.0.1:8080"},
                                            {"--admin-listen", "127.0.0.1:9464"}};
    for (int i = 1; i + 1 < argc; i += 2)
        args[argv[i]] = argv[i + 1];
    if (argc % 2 == 0 || !args.count("--data-dir") || args.size() != 3) {
        std::fprintf(stderr, "usage: minimal_service --data-dir DIR [--listen H:P] [--admin-listen H:P]\n");
        return 2;
    }
    try {
        redline::agent::AgentOptions opt;  // 1. options
        opt.service = "minimal-service";
        opt.data_dir = args["--data-dir"];
        opt.admin_listen = args["--admin-listen"];
        opt.on_error = [](std::string_view m) {
            std::fprintf(stderr, "agent: %.*s\n", int(m.size()), m.data());
        };
        Agent agent(opt);  // 2. the agent (throws ConfigError on a bad data dir or address)
        Routes routes{agent.register_series("GET", "/hello", "stable"),  // 3. series, once
                      agent.register_series("GET", "/items/{id}", "stable"),
                      agent.register_series("GET", "/{other}", "stable")};
        Limiter limiter;
        agent.on_limits([&](const redline::LimitsConfig& l) { limiter.apply(l); });  // 4. controls
        agent.start();                                                               // 5. start

        asio::io_context io(1);
        const std::string listen = args["--listen"];
        const auto colon = listen.rfind(':');
        tcp::endpoint ep(asio::ip::make_address(listen.substr(0, colon)),
                         static_cast<unsigned short>(std::stoi(listen.substr(colon + 1))));
        tcp::acceptor acceptor(io, ep);
        const std::string api =
            "http://" + listen.substr(0, colon) + ":" + std::to_string(acceptor.local_endpoint().port());
        agent.set_api_url(api);
        accept(acceptor, agent, routes, limiter);
        asio::signal_set signals(io, SIGINT, SIGTERM);
        signals.async_wait([&](auto, int) { io.stop(); });
        std::printf("REDLINE_READY api=%s admin=%s\n", api.c_str(), agent.admin_url().c_str());
        std::fflush(stdout);
        io.run();
        agent.stop();
    } catch (const std::exception& e) {
        std::fprintf(stderr, "minimal_service: %s\n", e.what());
        return 1;
    }
    return 0;
}
