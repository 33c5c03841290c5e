// Prometheus quantile error with native vs classic histograms, side by side in the same run, and /metrics
// scrape size and time, text vs protobuf.
//
// Each repetition starts 4 real sample servers (canary at 100 % with an injected latency of L + U(0, J) ms)
// and two real Prometheus 2.42 servers scraping the same 4 agents every second: one with
// --enable-feature=native-histograms (protobuf, native histogram), one without (text, the 69 classic
// buckets). A client then sends N s of closed-model traffic (4 keep-alive connections per agent, one thread
// each, loopback only) and keeps every latency; once both Prometheus servers hold every request, p50/p90/p99
// of
//   native:  histogram_quantile(q, sum(rate(http_server_request_duration_seconds[1m])))
//   classic: histogram_quantile(q, sum by (le) (rate(http_server_request_duration_seconds_bucket[1m])))
// are compared with the exact client-side quantile of the same requests (the observation of rank ceil(q n));
// the client - server offset, measured from exact sums, is printed: it is what the client adds to the
// server's time. Medians over repetitions with
// the min..max spread. Then /metrics of one agent after its run is fetched S times in each format (fresh
// connection each time): body bytes and round-trip time, median and p10..p90.
//
//   bench_prometheus_native [--reps 5] [--duration 10] [--scrapes 300]
#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <QCoreApplication>
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <map>
#include <string>
#include <thread>
#include <vector>

#include "../integration/tst_sample_support.h"
#include "core/sketch.h"
#include "tests/support/prometheus_server.h"
#include "tests/support/raw_http.h"

using namespace std::chrono_literals;
using redline::test::PrometheusServer;
using redline::test::SampleServerProcess;

namespace {

struct Spread {
    double median = NAN, lo = NAN, hi = NAN;
};

Spread spread(std::vector<double> v, double lo_q = 0.0, double hi_q = 1.0) {
    if (v.empty()) return {};
    std::sort(v.begin(), v.end());
    auto at = [&](double q) { return v[std::size_t(std::lround(q * double(v.size() - 1)))]; };
    const double median = v.size() % 2 ? v[v.size() / 2] : (v[v.size() / 2 - 1] + v[v.size() / 2]) / 2;
    return {median, at(lo_q), at(hi_q)};
}

double unix_now() {
    return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
}

bool wait_for(const std::function<bool()>& pred, std::chrono::seconds timeout) {
    const auto until = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < until) {
        if (pred()) return true;
        std::this_thread::sleep_for(200ms);
    }
    return false;
}

struct Scenario {
    std::string name;
    double latency_ms, jitter_ms;
};

constexpr std::array<double, 3> kQ = {0.5, 0.9, 0.99};

struct Rep {
    std::array<double, 3> native_err{}, classic_err{};  // relative, signed
    std::array<double, 3> reference_ms{};
    double offset_ms = 0;
    std::uint64_t requests = 0;
};

struct Agents {
    std::array<SampleServerProcess, 4> servers;
};

std::optional<Rep> run_rep(const Scenario& sc, int duration_s, Agents& agents) {
    QStringList targets;
    for (auto& s : agents.servers) {
        if (!s.start({}, 1000)) return std::nullopt;
        redline::CanaryConfig c;
        c.weight_percent = 100;
        c.faults.latency_ms = sc.latency_ms;
        c.faults.latency_jitter_ms = sc.jitter_ms;
        if (!s.admin().set_canary(c).ok()) return std::nullopt;
        targets << s.proc().admin_url().mid(QStringLiteral("http://").size());
    }
    PrometheusServer native, classic;
    QString error;
    if (!native.start({targets, true, 1000}, &error) || !classic.start({targets, false, 1000}, &error)) {
        spdlog::error("prometheus: {}", error.toStdString());
        return std::nullopt;
    }
    for (auto* p : {&native, &classic})
        if (!wait_for([&] { return p->scalar("count(up == 1)") == 4; }, 30s)) return std::nullopt;
    std::this_thread::sleep_for(2500ms);

    // Exact client-side samples: 4 keep-alive connections per agent, each a thread sending product reads back
    // to back and keeping every latency (send to complete response). The load engine keeps a sketch (0.78 %),
    // too coarse a reference for errors of a few tenths of a percent.
    std::vector<std::vector<std::uint64_t>> per_thread(agents.servers.size() * 4);
    std::vector<std::thread> threads;
    std::atomic<std::uint64_t> failures{0};
    const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(duration_s);
    for (std::size_t a = 0; a < agents.servers.size(); ++a) {
        const QString api = agents.servers[a].api_url();
        const auto port = std::uint16_t(api.mid(api.lastIndexOf(':') + 1).toUInt());
        for (int v = 0; v < 4; ++v) {
            threads.emplace_back([&, port, slot = a * 4 + std::size_t(v)] {
                auto& out = per_thread[slot];
                redline::test::RawConnection conn;
                std::uint64_t id = slot * 7919;
                while (std::chrono::steady_clock::now() < until) {
                    if (!conn.is_open() && !conn.connect(port, 5000)) {
                        ++failures;
                        std::this_thread::sleep_for(10ms);
                        continue;
                    }
                    const std::string req = redline::test::build_request(
                        "GET", "/v1/products/" + std::to_string(1 + (id++ % 1000)), {}, {}, true);
                    const auto t0 = std::chrono::steady_clock::now();
                    if (!conn.send_all(req)) {
                        conn.close();
                        ++failures;
                        continue;
                    }
                    const auto r = conn.read_response(5000);
                    const auto t1 = std::chrono::steady_clock::now();
                    if (!r.ok || r.status != 200) {
                        conn.close();
                        ++failures;
                        continue;
                    }
                    out.push_back(
                        std::uint64_t(std::chrono::duration_cast<std::chrono::nanoseconds>(t1 - t0).count()));
                }
            });
        }
    }
    for (auto& t : threads)
        t.join();
    std::vector<std::uint64_t> samples;
    for (const auto& v : per_thread)
        samples.insert(samples.end(), v.begin(), v.end());
    std::sort(samples.begin(), samples.end());
    Rep rep;
    rep.requests = samples.size();
    if (failures.load()) spdlog::warn("{} failed requests (not in the samples)", failures.load());
    const double n = double(rep.requests);
    if (!wait_for(
            [&] { return native.scalar("sum(histogram_count(http_server_request_duration_seconds))") == n; },
            20s) ||
        !wait_for([&] { return classic.scalar("sum(http_server_request_duration_seconds_count)") == n; },
                  20s)) {
        spdlog::error("Prometheus did not see every request");
        return std::nullopt;
    }
    std::this_thread::sleep_for(1100ms);
    const double at = unix_now();
    double client_sum = 0;
    for (const auto x : samples)
        client_sum += double(x);
    rep.offset_ms = (client_sum / n / 1e9 -
                     native.scalar("sum(histogram_sum(http_server_request_duration_seconds))", at) / n) *
                    1e3;
    for (std::size_t i = 0; i < kQ.size(); ++i) {
        const auto k = std::clamp<std::size_t>(std::size_t(std::ceil(kQ[i] * n)), 1, samples.size());
        const double ref = double(samples[k - 1]) / 1e9;  // exact: the observation of rank ceil(q n)
        const double nat = native.scalar(
            fmt::format("histogram_quantile({}, sum(rate(http_server_request_duration_seconds[1m])))", kQ[i]),
            at);
        const double cla = classic.scalar(
            fmt::format(
                "histogram_quantile({}, sum by (le) (rate(http_server_request_duration_seconds_bucket[1m])))",
                kQ[i]),
            at);
        rep.reference_ms[i] = ref * 1e3;
        rep.native_err[i] = nat / ref - 1;
        rep.classic_err[i] = cla / ref - 1;
    }
    return rep;
}

void scrape_sizes(SampleServerProcess& server, int scrapes) {
    const QString url = server.proc().admin_url();
    const auto port = std::uint16_t(url.mid(url.lastIndexOf(':') + 1).toUInt());
    const std::string pb =
        "application/vnd.google.protobuf;proto=io.prometheus.client.MetricFamily;encoding=delimited;q=0.7,"
        "text/plain;version=0.0.4;q=0.3,*/*;q=0.1";
    for (const auto& [name, accept] :
         std::vector<std::pair<std::string, std::string>>{{"text", ""}, {"protobuf", pb}}) {
        std::vector<double> ms, bytes;
        for (int i = 0; i < scrapes; ++i) {
            redline::test::Headers h;
            if (!accept.empty()) h.push_back({"Accept", accept});
            const auto t0 = std::chrono::steady_clock::now();
            const auto r = redline::test::http_request(port, "GET", "/metrics", h);
            const auto t1 = std::chrono::steady_clock::now();
            if (!r.ok || r.status != 200) continue;
            ms.push_back(std::chrono::duration<double, std::milli>(t1 - t0).count());
            bytes.push_back(double(r.body.size()));
        }
        const auto t = spread(ms, 0.1, 0.9);
        const auto b = spread(bytes);
        fmt::print(
            "scrape {:9} {:7.0f} bytes (min {:.0f}, max {:.0f}); round trip median {:.3f} ms (p10 {:.3f}, "
            "p90 "
            "{:.3f}) over {} scrapes\n",
            name, b.median, b.lo, b.hi, t.median, t.lo, t.hi, ms.size());
    }
}

}  // namespace

int main(int argc, char** argv) {
    QCoreApplication app(argc, argv);
    int reps = 5, duration = 10, scrapes = 300;
    for (int i = 1; i + 1 < argc; i += 2) {
        const std::string a = argv[i];
        if (a == "--reps") reps = std::atoi(argv[i + 1]);
        if (a == "--duration") duration = std::atoi(argv[i + 1]);
        if (a == "--scrapes") scrapes = std::atoi(argv[i + 1]);
    }
    bool scraped = false;
    for (const Scenario& sc : {Scenario{"20-30 ms", 20, 10}, Scenario{"1-100 ms", 1, 99}}) {
        std::vector<Rep> results;
        for (int r = 0; r < reps; ++r) {
            Agents agents;
            auto rep = run_rep(sc, duration, agents);
            if (!rep) {
                spdlog::error("{}: repetition {} failed", sc.name, r + 1);
                continue;
            }
            results.push_back(*rep);
            spdlog::info("{} rep {}: {} requests, p99 ref {:.3f} ms native {:+.2f} % classic {:+.2f} %",
                         sc.name, r + 1, rep->requests, rep->reference_ms[2], 100 * rep->native_err[2],
                         100 * rep->classic_err[2]);
            if (!scraped) {
                scrape_sizes(agents.servers[0], scrapes);
                scraped = true;
            }
        }
        if (results.empty()) return 1;
        std::vector<double> req, off;
        for (const auto& r : results) {
            req.push_back(double(r.requests));
            off.push_back(r.offset_ms);
        }
        const auto rq = spread(req), of = spread(off);
        fmt::print(
            "\n{}: {} repetitions, {:.0f} requests each (median), client - server mean offset {:.3f} ms "
            "({:.3f}..{:.3f})\n",
            sc.name, results.size(), rq.median, of.median, of.lo, of.hi);
        fmt::print(
            "| quantile | client-side (ms) | native error, median (min..max) | classic error, median "
            "(min..max) |\n");
        fmt::print("|---|---|---|---|\n");
        for (std::size_t i = 0; i < kQ.size(); ++i) {
            std::vector<double> refv, nat, cla;
            for (const auto& r : results) {
                refv.push_back(r.reference_ms[i]);
                nat.push_back(100 * r.native_err[i]);
                cla.push_back(100 * r.classic_err[i]);
            }
            const auto a = spread(refv), n = spread(nat), c = spread(cla);
            fmt::print("| p{:g} | {:.3f} | {:+.2f} % ({:+.2f}..{:+.2f}) | {:+.2f} % ({:+.2f}..{:+.2f}) |\n",
                       100 * kQ[i], a.median, n.median, n.lo, n.hi, c.median, c.lo, c.hi);
        }
    }
    return 0;
}
