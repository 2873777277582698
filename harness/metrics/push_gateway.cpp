#include "harness/metrics/push_gateway.hpp"

#include <atomic>
#include <cctype>
#include <condition_variable>
#include <future>
#include <mutex>
#include <thread>

#include <fmt/format.h>
#include <prometheus/gateway.h>

namespace drover {

struct MetricsPusher::State {
  std::shared_ptr<prometheus::Gateway> gateway;
  std::string url;
  Notify notify;
  Duration interval{};
  Duration deadline{};
  std::mutex mutex;
  std::condition_variable wake;
  bool stopped = false;
  std::atomic<bool> in_flight{false};
  bool warned = false;  // periodic failures are reported once
};

namespace {

// The Pushgateway takes a grouping label value as base64url under
// "name@base64" when it holds characters a URL path cannot.
prometheus::Labels::value_type grouping_label(const std::string& name, const std::string& value) {
  bool plain = !value.empty();
  for (char c : value) {
    bool safe = std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.';
    plain = plain && safe;
  }
  if (plain) return {name, value};
  static const char* alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  std::string out;
  std::size_t i = 0;
  for (; i + 2 < value.size(); i += 3) {
    unsigned n = (unsigned char)value[i] << 16 | (unsigned char)value[i + 1] << 8 |
                 (unsigned char)value[i + 2];
    for (int s : {18, 12, 6, 0}) out += alphabet[(n >> s) & 63];
  }
  if (i < value.size()) {
    unsigned n = (unsigned char)value[i] << 16;
    if (i + 1 < value.size()) n |= (unsigned char)value[i + 1] << 8;
    out += alphabet[(n >> 18) & 63];
    out += alphabet[(n >> 12) & 63];
    out += i + 1 < value.size() ? alphabet[(n >> 6) & 63] : '=';
    out += '=';
  }
  if (out.empty()) out = "=";  // the Pushgateway's spelling of an empty value
  return {name + "@base64", out};
}

// One push on its own thread; waits at most the deadline for it.
Expected<void> push_within(const std::shared_ptr<MetricsPusher::State>& state) {
  if (state->in_flight.exchange(true)) return unexpected("the previous push has not finished");
  auto done = std::make_shared<std::promise<int>>();
  std::future<int> result = done->get_future();
  std::thread([state, done] {
    try {
      done->set_value(state->gateway->Push());
    } catch (...) {
      done->set_exception(std::current_exception());
    }
    state->in_flight = false;
  }).detach();
  if (result.wait_for(state->deadline) != std::future_status::ready) {
    return unexpected(fmt::format("no answer within {:.0f} s", to_seconds(state->deadline)));
  }
  try {
    int status = result.get();
    if (status >= 200 && status < 300) return {};
    if (status < 0) return unexpected(fmt::format("cannot reach it (curl error {})", -status));
    return unexpected(fmt::format("it answered HTTP {}", status));
  } catch (const std::exception& e) {
    return unexpected(e.what());
  }
}

}  // namespace

std::string without_user_info(const std::string& url) {
  const std::size_t scheme = url.find("://");
  const std::size_t host = scheme == std::string::npos ? 0 : scheme + 3;
  const std::size_t at = url.rfind('@');
  if (at == std::string::npos || at < host) return url;
  return url.substr(0, host) + url.substr(at + 1);
}

Expected<void> check_push_gateway_url(const std::string& url) {
  const std::string shown = without_user_info(url);
  auto scheme = shown.find("://");
  std::string s = scheme == std::string::npos ? "" : shown.substr(0, scheme);
  if (s != "http" && s != "https") {
    return unexpected("'" + shown + "' is not a URL like http://127.0.0.1:9091");
  }
  std::string rest = shown.substr(scheme + 3);
  auto colon = rest.rfind(':');
  if (colon == std::string::npos || colon == 0 || colon + 1 == rest.size() ||
      rest.find('/') != std::string::npos) {
    return unexpected("'" + shown +
                      "' needs a host and port and no path, like http://127.0.0.1:9091");
  }
  for (char c : rest.substr(colon + 1)) {
    if (!std::isdigit(static_cast<unsigned char>(c)))
      return unexpected("'" + shown + "': the port is not a number");
  }
  return {};
}

MetricsPusher::MetricsPusher(const PushTarget& target, std::shared_ptr<RunCollector> collector,
                             Duration interval, Duration deadline, Notify notify)
    : state_(std::make_shared<State>()) {
  auto colon = target.url.rfind(':');
  state_->gateway = std::make_shared<prometheus::Gateway>(
      target.url.substr(0, colon), target.url.substr(colon + 1), "drover",
      prometheus::Labels{grouping_label("scenario", target.scenario),
                         grouping_label("run", target.run)});
  state_->gateway->RegisterCollectable(collector);
  state_->url = without_user_info(target.url);
  state_->notify = std::move(notify);
  state_->interval = interval;
  state_->deadline = deadline;
  std::thread([state = state_] {
    std::unique_lock<std::mutex> lock(state->mutex);
    for (;;) {
      state->wake.wait_for(lock, state->interval, [&] { return state->stopped; });
      if (state->stopped) return;
      lock.unlock();
      Expected<void> pushed = push_within(state);
      lock.lock();
      // Under the lock: once stopped is set, the owner may be gone.
      if (!pushed && !state->warned && !state->stopped) {
        state->warned = true;
        drover::notify(state->notify, "push-gateway",
                       fmt::format("a push to {} failed (later failures are not reported): {}",
                                   state->url, pushed.error()));
      }
    }
  }).detach();
}

MetricsPusher::~MetricsPusher() {
  std::lock_guard<std::mutex> lock(state_->mutex);
  state_->stopped = true;
  state_->wake.notify_all();
}

Expected<void> MetricsPusher::push_final() {
  {
    std::lock_guard<std::mutex> lock(state_->mutex);
    state_->stopped = true;
    state_->wake.notify_all();
  }
  // A periodic push still going gets the rest of the deadline to finish.
  TimePoint until = Clock::now() + state_->deadline;
  while (state_->in_flight && Clock::now() < until) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  if (state_->in_flight) return unexpected("the previous push has not finished");
  return push_within(state_);
}

}  // namespace drover
