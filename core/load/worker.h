// One load worker: a thread running its own io_context with its own keep-alive connections.
// Closed model: one connection per virtual user it owns (global VU ids w, w+W, ...), active while id <
// target. Open model: follows arrivals w, w+W, ... of the ArrivalSchedule on a pool of connections; when no
// connection is free the next request waits (its latency keeps counting from the intended time) — nothing is
// skipped.
//
// Virtual users (closed model) run a scenario's flow: a weighted pick per request ("mix") or every request in
// order ("sequence", one pass = one iteration). Each VU (connection) owns its variables (data row + extracted
// values, core/load/correlation.h); a request whose variable has no value is not sent (its "variables set"
// check fails). Think time is a pause of the VU after a response, outside every latency. Data rows come from
// the run's shared DataFeeder: one per iteration (per request in the open model); when a unique/stopping
// feeder runs out, a VU stops at its next iteration (the running ones finish theirs) and Shared tells the
// engine, which ends the run once every active VU has stopped (open model: at once).
//
// https targets: every connection is a TLS stream over the socket (Config::tls); a worker keeps the newest
// resumable TLS session its connections got and offers it on every new connection (session resumption
// across reconnects); handshakes and resumed handshakes are counted in Shared.
//
// Threading: constructed and started by the engine's control thread; everything else happens on the worker
// thread. The control thread talks to it only through the shared atomics in Shared and request_shutdown();
// statistics leave through the flush callback (called on the worker thread; the callee locks).
#pragma once

#include <atomic>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <thread>
#include <vector>

#include "core/load/arrival_schedule.h"
#include "core/load/connect_filter.h"
#include "core/load/request_mix.h"
#include "core/load/run_stats.h"

struct ssl_session_st;  // OpenSSL's SSL_SESSION

namespace redline::load {

class TlsClient;

class Worker {
  public:
    /// State shared by the control thread and all workers.
    struct Shared {
        std::atomic<int> target_vus{0};                   // closed model
        std::atomic<std::int64_t> stop_at_ns{INT64_MAX};  // relative to t0: no request starts at/after it
        std::atomic<std::uint64_t> sent{0}, completed{0};
        std::atomic<std::int64_t> in_flight{0};
        std::atomic<std::uint64_t> bytes_sent{0}, bytes_received{0};
        std::atomic<std::uint64_t> tls_handshakes{0}, tls_resumed{0};  // https: completed handshakes
        std::atomic<bool> data_exhausted{false};                       // a worker found the data rows used up
        std::atomic<int> vus_done{0};  // closed model: VUs that found no row for a new iteration
    };
    struct Config {
        int index = 0;
        int count = 1;
        const Scenario* scenario = nullptr;
        const RequestMix* mix = nullptr;
        const ArrivalSchedule* schedule = nullptr;  // open model only
        DataFeeder* feeder = nullptr;               // scenario data; shared by all workers
        std::vector<boost::asio::ip::tcp::endpoint> endpoints;
        ConnectFilter filter;
        std::shared_ptr<TlsClient> tls;  // https targets; null for http
        int connections = 1;             // open model: pool size
        std::vector<int> vu_ids;         // closed model: global VU ids owned
        std::chrono::steady_clock::time_point t0;
        std::int64_t unix_offset_ns = 0;  // unix ns = steady ns + offset
        Shared* shared = nullptr;
        std::function<void(const EpochStats&)> flush;
        std::uint64_t seed = 1;
        bool record_requests = false;  // append a RequestRecord per finished request to EpochStats::records
    };

    explicit Worker(Config cfg);
    ~Worker();  // joins
    Worker(const Worker&) = delete;
    Worker& operator=(const Worker&) = delete;

    void start();
    /// Closes all connections (in-flight requests count as "interrupted"), flushes statistics, ends the
    /// thread.
    void request_shutdown();
    void join();

  private:
    struct Conn;
    void run();
    void tick();
    void pump();
    void arm_schedule_timer(std::int64_t rel_ns);
    enum class Next { Sent, Exhausted, NothingToSend };
    /// Picks the VU's next request (flow, data row, variables), renders and sends it.
    Next start_next(Conn& c, std::int64_t intended_ns);
    bool take_row(Conn& c);
    /// Closed model, after a pause: the next request if the VU is still active, else parked.
    void resume(Conn& c);
    void send(Conn& c, std::size_t req, std::int64_t intended_ns);
    void do_connect(Conn& c);
    void do_handshake(Conn& c);
    void keep_session(Conn& c);
    void do_write(Conn& c);
    void do_read(Conn& c);
    void on_read(Conn& c, std::size_t n);
    void finish(Conn& c, int status, TransportError kind);
    void after_finish(Conn& c, bool failed);
    /// tls_failed: the connection ended on a TLS error, so OpenSSL may drop its session (never resumed).
    void close(Conn& c, bool tls_failed = false);
    void flush_if_epoch_changed(std::int64_t now_ns);
    void flush();
    std::int64_t now_ns() const;  // steady ns since t0

    Config cfg_;
    boost::asio::io_context ioc_{1};
    boost::asio::steady_timer tick_timer_;
    boost::asio::steady_timer sched_timer_;
    std::int64_t sched_armed_at_ = -1;
    std::vector<std::unique_ptr<Conn>> conns_;
    std::vector<Conn*> idle_;  // open model: free connections (LIFO)
    Rng rng_;
    std::uint64_t key_counter_ = 0;
    // open model schedule position
    std::uint64_t next_k_ = 0;
    std::int64_t next_intended_ns_ = -1;  // -1 = schedule exhausted
    std::size_t sched_hint_ = 0;
    std::int64_t late_after_ns_ = 0;
    std::int64_t timeout_ns_ = 0;
    bool shutting_down_ = false;
    bool exhausted_ = false;  // the data feeder ran out: no request starts any more
    EpochStats cur_;
    ssl_session_st* session_ = nullptr;  // https: newest resumable session (owned reference)
    std::thread thread_;
};

}  // namespace redline::load
