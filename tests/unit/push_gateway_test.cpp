// --push-gateway without a Pushgateway: the URL check, and how a push that
// cannot be made is reported (to the Notify and as push_final()'s error,
// never on stderr). Pushes that arrive are tested against a real
// Pushgateway in tests/cli/metrics_test.cpp.
#include "harness/metrics/push_gateway.hpp"

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <condition_variable>
#include <mutex>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace drover::push_gateway_test {
namespace {

using namespace std::chrono_literals;
using ::testing::HasSubstr;
using ::testing::Not;

// A loopback port nothing listens on (bound, read and closed again).
int closed_port() {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t length = sizeof address;
  if (::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0 ||
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length) != 0) {
    ADD_FAILURE() << "cannot bind a loopback port";
  }
  ::close(fd);
  return ntohs(address.sin_port);
}

TEST(PushGatewayUrl, TakesAnHttpUrlWithAHostAndAPortOnly) {
  EXPECT_TRUE(check_push_gateway_url("http://127.0.0.1:9091"));
  EXPECT_TRUE(check_push_gateway_url("https://gateway.example:443"));
  for (const char* bad : {"127.0.0.1:9091", "ftp://h:1", "http://h", "http://h:9091/metrics",
                          "http://h:port", "http://:9091"}) {
    auto checked = check_push_gateway_url(bad);
    ASSERT_FALSE(checked) << bad;
    EXPECT_THAT(checked.error(), HasSubstr(bad));
  }
}

// A password in the URL is for the Pushgateway alone: every message shows
// the URL without its user information.
TEST(PushGatewayUrl, UserInformationIsNeverShown) {
  EXPECT_EQ(without_user_info("http://drover:s3cret@127.0.0.1:9091"), "http://127.0.0.1:9091");
  EXPECT_EQ(without_user_info("https://token@gw.example:443"), "https://gw.example:443");
  EXPECT_EQ(without_user_info("http://a@b:c@d@h:1"), "http://h:1");  // up to the last '@'
  EXPECT_EQ(without_user_info("http://127.0.0.1:9091"), "http://127.0.0.1:9091");
  EXPECT_TRUE(check_push_gateway_url("http://drover:s3cret@127.0.0.1:9091"));
  for (const char* bad : {"ftp://u:s3cret@h:1", "http://u:s3cret@h", "http://u:s3/cret@h:x"}) {
    auto checked = check_push_gateway_url(bad);
    ASSERT_FALSE(checked) << bad;
    EXPECT_THAT(checked.error(), Not(HasSubstr("s3")));
    EXPECT_THAT(checked.error(), HasSubstr("'" + without_user_info(bad) + "'"));
  }
}

// What the pusher reported, from its own thread.
class Reported {
 public:
  Notify notify() {
    return [this](const std::string& source, const std::string& message) {
      std::lock_guard lock(mutex_);
      warnings_.emplace_back(source, message);
      changed_.notify_all();
    };
  }
  bool wait_for_one(Duration limit) {
    std::unique_lock lock(mutex_);
    return changed_.wait_for(lock, limit, [this] { return !warnings_.empty(); });
  }
  std::vector<std::pair<std::string, std::string>> warnings() {
    std::lock_guard lock(mutex_);
    return warnings_;
  }

 private:
  std::mutex mutex_;
  std::condition_variable changed_;
  std::vector<std::pair<std::string, std::string>> warnings_;
};

TEST(MetricsPusher, AFailedPushIsReportedToTheNotifyAndTheFinalOneAsItsError) {
  // With a password, which no message may show.
  const std::string shown = "http://127.0.0.1:" + std::to_string(closed_port());
  const std::string url = "http://drover:pushs3cret@" + shown.substr(7);
  Reported reported;
  auto collector = std::make_shared<RunCollector>("test");  // the pusher keeps a weak pointer
  ::testing::internal::CaptureStderr();
  bool periodic_failed = false;
  Expected<void> final_push;
  {
    MetricsPusher pusher({url, "scenario", "run"}, collector, 10ms, 5s, reported.notify());
    periodic_failed = reported.wait_for_one(20s);
    final_push = pusher.push_final();
  }
  EXPECT_EQ(::testing::internal::GetCapturedStderr(), "");
  ASSERT_TRUE(periodic_failed) << "no periodic push failed within 20 s";
  auto warnings = reported.warnings();
  ASSERT_EQ(warnings.size(), 1u);
  EXPECT_EQ(warnings[0].first, "push-gateway");
  EXPECT_THAT(warnings[0].second, HasSubstr(shown));
  EXPECT_THAT(warnings[0].second, Not(HasSubstr("pushs3cret")));
  EXPECT_THAT(warnings[0].second, HasSubstr("cannot reach it"));
  ASSERT_FALSE(final_push);
  EXPECT_THAT(final_push.error(), HasSubstr("cannot reach it"));
  EXPECT_THAT(final_push.error(), Not(HasSubstr("pushs3cret")));
}

}  // namespace
}  // namespace drover::push_gateway_test
