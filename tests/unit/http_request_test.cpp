// HttpRequestBuilder: the request line under the url's base path, Host,
// the op's headers, Content-Length, Connection: close without keep-alive,
// templates rendered per client and sequence, and a file body sent as it is.
#include "harness/drivers/http_request.hpp"

#include <gtest/gtest.h>

#include <string>

namespace drover::http_request_test {
namespace {

std::string render(const HttpRequestSpec& spec, std::uint64_t client = 3, std::uint64_t seq = 9,
                   std::string base = "") {
  auto builder = HttpRequestBuilder::make(spec, "127.0.0.1:8080", std::move(base), nullptr);
  EXPECT_TRUE(builder.has_value()) << (builder ? "" : builder.error());
  std::string wire, scratch;
  std::uint64_t random = 1;
  EXPECT_TRUE(builder->render(wire, scratch, client, seq, random, nullptr));
  return wire;
}

TEST(HttpRequest, AGetWithoutABodyIsARequestLineAndHost) {
  EXPECT_EQ(render(HttpRequestSpec{}), "GET / HTTP/1.1\r\nHost: 127.0.0.1:8080\r\n\r\n");
}

TEST(HttpRequest, PathHeadersAndBodyAreTemplates) {
  HttpRequestSpec spec;
  spec.method = "POST";
  spec.path = "/items/{client}?seq={seq}";
  spec.headers = {{"X-Client", "c{client}"}, {"Accept", "application/json"}};
  spec.body = "hello {seq}";
  EXPECT_EQ(render(spec, 3, 9, "/base"),
            "POST /base/items/3?seq=9 HTTP/1.1\r\nHost: 127.0.0.1:8080\r\n"
            "X-Client: c3\r\nAccept: application/json\r\nContent-Length: 7\r\n\r\nhello 9");
}

// A request without placeholders is composed once and copied: every
// rendering is the whole request, whatever the buffer held, and a
// templated one still renders per request.
TEST(HttpRequest, RenderingAgainGivesTheWholeRequestEachTime) {
  for (const char* path : {"/fixed", "/{seq}"}) {
    HttpRequestSpec spec;
    spec.method = "POST";
    spec.path = path;
    spec.headers = {{"Accept", "text/plain"}};
    spec.body = "hi";
    auto builder = HttpRequestBuilder::make(spec, "h:1", "", nullptr);
    ASSERT_TRUE(builder.has_value());
    std::string wire = "left over", scratch;
    std::uint64_t random = 1;
    for (std::uint64_t seq : {7, 8}) {
      ASSERT_TRUE(builder->render(wire, scratch, 0, seq, random, nullptr));
      std::string line =
          std::string("POST ") + (path[1] == 'f' ? "/fixed" : "/" + std::to_string(seq));
      EXPECT_EQ(wire, line +
                          " HTTP/1.1\r\nHost: h:1\r\nAccept: text/plain\r\n"
                          "Content-Length: 2\r\n\r\nhi");
    }
    EXPECT_EQ(random, 1u);  // nothing random was drawn
  }
}

TEST(HttpRequest, AnEmptyPostStillSaysItsLength) {
  HttpRequestSpec spec;
  spec.method = "POST";
  EXPECT_NE(render(spec).find("Content-Length: 0\r\n"), std::string::npos);
}

TEST(HttpRequest, WithoutKeepAliveItAsksToClose) {
  HttpRequestSpec spec;
  spec.keep_alive = false;
  EXPECT_EQ(render(spec), "GET / HTTP/1.1\r\nHost: 127.0.0.1:8080\r\nConnection: close\r\n\r\n");
}

TEST(HttpRequest, AFileBodyIsSentAsItIsNotAsATemplate) {
  HttpRequestSpec spec;
  spec.method = "PUT";
  spec.body = "{\"a\": {seq}}";
  spec.body_from_file = true;
  std::string wire = render(spec);
  EXPECT_NE(wire.find("Content-Length: 12\r\n\r\n{\"a\": {seq}}"), std::string::npos) << wire;
}

TEST(HttpRequest, AnInvalidTemplateIsAnError) {
  HttpRequestSpec spec;
  spec.path = "/{nope}";
  auto builder = HttpRequestBuilder::make(spec, "h:1", "", nullptr);
  ASSERT_FALSE(builder.has_value());
  EXPECT_NE(builder.error().find("path"), std::string::npos);
}

}  // namespace
}  // namespace drover::http_request_test
