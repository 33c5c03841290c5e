#include "agents/sample_server/sample_server.h"

#include <spdlog/spdlog.h>

#include <filesystem>

#include "agents/sample_server/catalog.h"
#include "core/control.h"

#ifndef REDLINE_VERSION
#define REDLINE_VERSION "0.0.0"
#endif

namespace redline::sample {

namespace {

std::vector<std::string> route_id_list() {
    const auto& ids = route_ids();
    return {ids.begin(), ids.end()};
}

}  // namespace

SampleServer::SampleServer(ServerOptions options)
    : options_(std::move(options)),
      cache_(CacheConfig{}.capacity, std::chrono::milliseconds(CacheConfig{}.ttl_ms)),
      limiter_(route_id_list()) {
    std::filesystem::create_directories(options_.data_dir);
    agent::AgentOptions ao;
    ao.service = "redline-sample-server";
    ao.service_version = REDLINE_VERSION;
    ao.data_dir = options_.data_dir;
    ao.admin_listen = options_.admin_listen;
    ao.metrics_open_beyond_loopback = options_.metrics_without_token;
    ao.on_error = [](std::string_view msg) { spdlog::warn("agent: {}", msg); };
    agent_ = std::make_unique<agent::Agent>(ao);

    Api::Limits limits;
    limits.max_inflight = options_.max_inflight;
    api_ = std::make_unique<Api>(agent_.get(), cache_, limiter_, router_, limits);
    api_->set_recording(options_.record);

    agent_->on_limits([this](const LimitsConfig& l) { limiter_.apply(l); });
    agent_->on_canary([this](const CanaryConfig& c) { router_.apply(c); });
    add_cache_control();

    // Load tests through the agent always target this server's own API, known once it listens.
    agent::LoadtestOptions lo;
    lo.api_url_fn = [a = agent_.get()] { return a->api_url(); };
    loadtests_ = agent::install_loadtests(*agent_, std::move(lo));
}

SampleServer::~SampleServer() {
    shutdown();
}

void SampleServer::add_cache_control() {
    install_cache_control(*agent_, cache_, CacheConfig{});
}

void SampleServer::start() {
    agent_->start();
    http_ = std::make_unique<HttpServer>(options_, *api_);
    http_->start();
    agent_->set_api_url(http_->url());
    const std::string db = (std::filesystem::path(options_.data_dir) / "catalog.db").string();
    Catalog catalog(db);
    const auto t0 = std::chrono::steady_clock::now();
    const auto n = catalog.open_and_seed(options_.seed_products);
    spdlog::info(
        "catalog {} ready with {} products ({} ms)", db, n,
        std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - t0).count());
    api_->set_ready(db);
}

std::string SampleServer::ready_line() const {
    return "REDLINE_READY api=" + (http_ ? http_->url() : std::string()) +
           " admin=" + (agent_->admin_port() ? agent_->admin_url() : std::string()) +
           " data_dir=" + options_.data_dir;
}

bool SampleServer::shutdown() {
    if (stopped_) return true;
    stopped_ = true;
    bool clean = true;
    // A running load test is this server's own traffic: stop it (joining its threads) before draining, and in
    // any case before the agent's admin server goes away.
    if (loadtests_) loadtests_->shutdown();
    if (http_) {
        clean = http_->drain(options_.drain_timeout);
        http_->stop();
    }
    agent_->stop();
    return clean;
}

}  // namespace redline::sample
