#include "agents/load_push/pushgateway_pusher.h"

#include <curl/curl.h>
#include <spdlog/spdlog.h>

#include <cstring>

#include "agents/agent/metrics_protobuf.h"
#include "agents/load_push/load_metrics.h"
#include "core/curl_util.h"

namespace redline::load_push {

namespace {
constexpr std::size_t kMaxAnswer = 64 * 1024;
}  // namespace

std::optional<std::string> pushgateway_url_problem(std::string_view url) {
    std::string_view rest;
    if (url.starts_with("http://"))
        rest = url.substr(7);
    else if (url.starts_with("https://"))
        rest = url.substr(8);
    else
        return "must start with http:// or https:// (the Pushgateway, e.g. http://pushgateway:9091)";
    const auto host_end = rest.find('/');
    if (rest.substr(0, host_end).empty() || rest.front() == ':') return "has no host";
    if (url.find_first_of("?#@ ") != std::string_view::npos)
        return "must not have a query, fragment, user info or spaces";
    return std::nullopt;
}

std::optional<std::string> grouping_value_problem(std::string_view v) {
    if (v.empty() || v.size() > 128) return "must be 1 to 128 characters";
    for (const char c : v)
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
              c == '_' || c == '-' || c == ':'))
            return "may only hold letters, digits, '.', '_', '-' and ':'";
    return std::nullopt;
}

std::string group_url(const PushOptions& o) {
    return detail::join_url(o.url,
                            "/metrics/job/" + o.job + "/run_id/" + o.run_id + "/instance/" + o.generator);
}

PushgatewayPusher::PushgatewayPusher(PushOptions options)
    : opt_(std::move(options)), group_url_(group_url(opt_)) {
    detail::ensure_curl_global();
    easy_ = curl_easy_init();
    thread_ = std::thread([this] { loop(); });
}

PushgatewayPusher::~PushgatewayPusher() {
    finish();
    if (easy_) curl_easy_cleanup(static_cast<CURL*>(easy_));
}

void PushgatewayPusher::submit(load::RunTotals totals) {
    {
        std::lock_guard lk(mu_);
        if (finished_) return;
        latest_ = std::move(totals);
        ++generation_;
    }
    cv_.notify_one();
}

void PushgatewayPusher::loop() {
    std::unique_lock lk(mu_);
    while (true) {
        cv_.wait(lk, [&] { return stop_ || generation_ != pushed_generation_; });
        if (stop_) return;
        const std::uint64_t gen = generation_;
        load::RunTotals t = *latest_;
        lk.unlock();
        push(t);
        lk.lock();
        pushed_generation_ = gen;
    }
}

PushStats PushgatewayPusher::finish() {
    {
        std::lock_guard lk(mu_);
        if (finished_) return stats_;
        finished_ = true;
        stop_ = true;
    }
    cv_.notify_one();
    if (thread_.joinable()) thread_.join();
    std::optional<load::RunTotals> last;
    {
        std::lock_guard lk(mu_);
        if (latest_ && generation_ != pushed_generation_) last = latest_;
        pushed_generation_ = generation_;
    }
    if (last) push(*last);
    return stats();
}

PushStats PushgatewayPusher::stats() const {
    std::lock_guard lk(mu_);
    return stats_;
}

bool PushgatewayPusher::push(const load::RunTotals& totals) {
    const std::string body = agent::serialize_metrics_protobuf(load_exposition(totals));
    std::string error;
    auto* h = static_cast<CURL*>(easy_);
    if (!h) {
        error = "curl_easy_init failed";
    } else {
        char errbuf[CURL_ERROR_SIZE];
        detail::begin_request(h, group_url_, opt_.timeout, errbuf);
        curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, "PUT");
        curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(body.size()));
        curl_easy_setopt(h, CURLOPT_POSTFIELDS, body.data());
        const std::string content_type = std::string("Content-Type: ") + agent::kMetricsProtobufContentType;
        curl_slist* headers = detail::make_headers({}, {content_type, "Expect:"});
        curl_easy_setopt(h, CURLOPT_HTTPHEADER, headers);
        std::string answer;
        detail::BodySink sink{&answer, kMaxAnswer};
        curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, &detail::write_body);
        curl_easy_setopt(h, CURLOPT_WRITEDATA, &sink);
        const CURLcode rc = curl_easy_perform(h);
        long status = 0;
        if (rc == CURLE_OK) curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
        curl_easy_setopt(h, CURLOPT_HTTPHEADER, nullptr);
        curl_slist_free_all(headers);
        if (rc != CURLE_OK && !sink.overflow)
            error = detail::transport_message(rc, errbuf);
        else if (status != 200 && status != 202)
            error = "HTTP " + std::to_string(status) + (answer.empty() ? "" : ": " + answer.substr(0, 200));
        while (!error.empty() && (error.back() == '\n' || error.back() == '\r'))
            error.pop_back();
    }
    std::lock_guard lk(mu_);
    ++stats_.attempted;
    if (error.empty()) {
        ++stats_.succeeded;
        if (totals.final) stats_.final_pushed = true;
        return true;
    }
    ++stats_.failed;
    stats_.last_error = error;
    if (!warned_) {
        warned_ = true;
        spdlog::warn(
            "push to the Pushgateway {} failed: {} (the run goes on; later failures are counted in the "
            "summary)",
            group_url_, error);
    } else {
        spdlog::debug("push to {} failed: {}", group_url_, error);
    }
    return false;
}

}  // namespace redline::load_push
