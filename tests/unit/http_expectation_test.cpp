// HttpReplyCheck: statuses and classes (2xx by default), headers in any
// case (equals, regex, present, absent), bodies (equals, contains, regex,
// JSON at a pointer), and the rule each failure says.
#include "harness/drivers/http_expectation.hpp"

#include <gtest/gtest.h>

#include <string>

namespace drover::http_expectation_test {
namespace {

HttpReply reply(int status, std::string body = "",
                std::vector<std::pair<std::string, std::string>> headers = {}) {
  HttpReply r;
  r.status = status;
  r.body = std::move(body);
  r.headers = std::move(headers);
  return r;
}

TEST(HttpExpectation, TheDefaultIsAnyStatusOf2xx) {
  HttpReplyCheck check{HttpExpectation{}};
  EXPECT_EQ(check.judge(reply(200)), "");
  EXPECT_EQ(check.judge(reply(204)), "");
  EXPECT_EQ(check.judge(reply(503)), "expected status 2xx, received 503");
  EXPECT_EQ(check.judge(reply(302)), "expected status 2xx, received 302");
}

TEST(HttpExpectation, StatusesAndClassesTogether) {
  HttpExpectation e;
  e.statuses = {200, 404};
  e.classes = {3};
  HttpReplyCheck check(e);
  EXPECT_EQ(check.judge(reply(404)), "");
  EXPECT_EQ(check.judge(reply(301)), "");
  EXPECT_EQ(check.judge(reply(201)), "expected status one of 200, 404, 3xx, received 201");
}

TEST(HttpExpectation, HeadersAreFoundInAnyCase) {
  HttpExpectation e;
  using Kind = HttpExpectation::Header::Kind;
  e.headers = {{"content-type", Kind::kRegex, "json"},
               {"X-Id", Kind::kEquals, "7"},
               {"Server", Kind::kPresent, ""},
               {"X-Debug", Kind::kAbsent, ""}};
  HttpReplyCheck check(e);
  auto ok = reply(200, "", {{"Content-Type", "application/json"}, {"x-id", "7"}, {"Server", "s"}});
  EXPECT_EQ(check.judge(ok), "");
  auto html = ok;
  html.headers[0].second = "text/html";
  EXPECT_EQ(check.judge(html),
            R"(expected header content-type matching "json", received "text/html")");
  auto eight = ok;
  eight.headers[1].second = "8";
  EXPECT_EQ(check.judge(eight), R"(expected header X-Id equal to "7", received "8")");
  auto no_server = ok;
  no_server.headers.pop_back();
  EXPECT_EQ(check.judge(no_server), "expected header Server, received none");
  auto debug = ok;
  debug.headers.emplace_back("X-Debug", "1");
  EXPECT_EQ(check.judge(debug), R"(expected no header X-Debug, received "1")");
}

TEST(HttpExpectation, BodiesByTextRegexAndContents) {
  using Kind = HttpExpectation::Body::Kind;
  HttpExpectation e;
  e.body = {Kind::kContains, "ok", "", ""};
  EXPECT_EQ(HttpReplyCheck(e).judge(reply(200, "all ok")), "");
  EXPECT_EQ(HttpReplyCheck(e).judge(reply(200, "fail")), R"(expected the body to contain "ok")");
  e.body = {Kind::kEquals, "pong", "", ""};
  EXPECT_EQ(HttpReplyCheck(e).judge(reply(200, "pong")), "");
  EXPECT_EQ(HttpReplyCheck(e).judge(reply(200, "pong\n")), R"(expected the body to equal "pong")");
  e.body = {Kind::kRegex, "^id=[0-9]+$", "", ""};
  EXPECT_EQ(HttpReplyCheck(e).judge(reply(200, "id=12")), "");
  EXPECT_EQ(HttpReplyCheck(e).judge(reply(200, "id=x")),
            R"(expected the body to match "^id=[0-9]+$")");
}

TEST(HttpExpectation, AJsonValueAtAPointer) {
  using Kind = HttpExpectation::Body::Kind;
  HttpExpectation e;
  e.body = {Kind::kJson, "", "/items/0/id", "7"};
  HttpReplyCheck check(e);
  EXPECT_EQ(check.judge(reply(200, R"({"items": [{"id": 7}]})")), "");
  EXPECT_EQ(check.judge(reply(200, R"({"items": [{"id": "8"}]})")),
            R"(expected /items/0/id equal to 7, got "8")");
  EXPECT_EQ(check.judge(reply(200, R"({"items": []})")),
            "expected /items/0/id equal to 7, but the body has no /items/0/id");
  EXPECT_EQ(check.judge(reply(200, "not json")), R"(expected a JSON body, received "not json")");
  e.body = {Kind::kJson, "", "", ""};  // any JSON at all
  EXPECT_EQ(HttpReplyCheck(e).judge(reply(200, "[1, 2]")), "");
}

TEST(HttpExpectation, TheStatusIsJudgedFirst) {
  HttpExpectation e;
  e.body = {HttpExpectation::Body::Kind::kContains, "ok", "", ""};
  EXPECT_EQ(HttpReplyCheck(e).judge(reply(500, "nope")), "expected status 2xx, received 500");
}

}  // namespace
}  // namespace drover::http_expectation_test
