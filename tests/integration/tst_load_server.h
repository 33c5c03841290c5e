// Test-only HTTP/1.1 server for the load-engine tests (header-only, Boost.Beast): binds 127.0.0.1:0, serves
// keep-alive on one io_context thread.
//   GET /status/NNN  -> status NNN          GET /slow/MS -> 200 after MS milliseconds
//   GET /redirect    -> 302 to redirect_to  anything else -> 200 "ok"
// stall_for(d) holds every response (also those already being handled) until now + d, like a GC pause.
// Threading: counters and knobs are atomics/guarded; the server runs on its own thread.
#pragma once

#include <atomic>
#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <chrono>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

namespace redline::test {

class LoadTestServer {
  public:
    explicit LoadTestServer(const std::string& address = "127.0.0.1")
        : acceptor_(ioc_, {boost::asio::ip::make_address(address), 0}) {
        accept();
        thread_ = std::thread([this] { ioc_.run(); });
    }
    ~LoadTestServer() {
        ioc_.stop();
        thread_.join();
    }
    std::uint16_t port() const { return acceptor_.local_endpoint().port(); }
    std::string url() const { return "http://127.0.0.1:" + std::to_string(port()); }
    void stall_for(std::chrono::milliseconds d) { stall_until_ns_ = now_ns() + d.count() * 1'000'000; }
    void set_redirect(std::string to) {
        std::lock_guard lk(mu_);
        redirect_to_ = std::move(to);
    }

    std::atomic<std::uint64_t> requests{0};
    std::atomic<std::uint64_t> connections{0};

  private:
    using tcp = boost::asio::ip::tcp;
    static std::int64_t now_ns() {
        return std::chrono::duration_cast<std::chrono::nanoseconds>(
                   std::chrono::steady_clock::now().time_since_epoch())
            .count();
    }

    struct Session : std::enable_shared_from_this<Session> {
        Session(LoadTestServer& s, tcp::socket sock)
            : srv(s), socket(std::move(sock)), timer(socket.get_executor()) {}
        LoadTestServer& srv;
        tcp::socket socket;
        boost::asio::steady_timer timer;
        boost::beast::flat_buffer buf;
        boost::beast::http::request<boost::beast::http::string_body> req;
        boost::beast::http::response<boost::beast::http::string_body> res;
        std::int64_t delay_until = 0;

        void read() {
            req = {};
            boost::beast::http::async_read(
                socket, buf, req, [self = shared_from_this()](boost::system::error_code ec, std::size_t) {
                    if (ec) return;
                    self->handle();
                });
        }
        void handle() {
            srv.requests++;
            namespace http = boost::beast::http;
            res = {};
            res.version(11);
            res.keep_alive(req.keep_alive());
            res.result(http::status::ok);
            res.body() = "ok\n";
            const std::string target(req.target());
            delay_until = 0;
            if (target.rfind("/status/", 0) == 0) {
                res.result(static_cast<unsigned>(std::stoi(target.substr(8))));
            } else if (target.rfind("/slow/", 0) == 0) {
                delay_until = now_ns() + std::stoll(target.substr(6)) * 1'000'000;
            } else if (target == "/redirect") {
                std::lock_guard lk(srv.mu_);
                res.result(http::status::found);
                res.set(http::field::location, srv.redirect_to_);
            }
            res.prepare_payload();
            wait_then_write();
        }
        void wait_then_write() {
            const std::int64_t until = std::max(delay_until, srv.stall_until_ns_.load());
            const std::int64_t now = now_ns();
            if (until > now) {
                timer.expires_after(std::chrono::nanoseconds(until - now));
                timer.async_wait([self = shared_from_this()](boost::system::error_code ec) {
                    if (!ec) self->wait_then_write();  // the stall may have been extended meanwhile
                });
                return;
            }
            boost::beast::http::async_write(
                socket, res, [self = shared_from_this()](boost::system::error_code ec, std::size_t) {
                    if (ec || !self->res.keep_alive()) return;
                    self->read();
                });
        }
    };

    void accept() {
        acceptor_.async_accept([this](boost::system::error_code ec, tcp::socket s) {
            if (!ec) {
                connections++;
                std::make_shared<Session>(*this, std::move(s))->read();
            }
            accept();
        });
    }

    boost::asio::io_context ioc_{1};
    tcp::acceptor acceptor_;
    std::thread thread_;
    std::atomic<std::int64_t> stall_until_ns_{0};
    std::mutex mu_;
    std::string redirect_to_;
};

}  // namespace redline::test
