#include "salient/status.h"

#include <gtest/gtest.h>

#include <cstring>
#include <string>

namespace salient {
namespace {

TEST(Status, DefaultIsOk) {
  Status s;
  EXPECT_TRUE(s.ok());
  EXPECT_EQ(s.code(), Code::kOk);
  EXPECT_STREQ(s.message(), "ok");
}

TEST(Status, ErrorFormatsItsMessage) {
  Status s = Status::error(Code::kInvalidArgument, "layer '%s' has %d inputs", "fc1", 3);
  EXPECT_FALSE(s.ok());
  EXPECT_EQ(s.code(), Code::kInvalidArgument);
  EXPECT_STREQ(s.message(), "layer 'fc1' has 3 inputs");
  EXPECT_STREQ(code_name(s.code()), "invalid argument");
}

TEST(Status, LongMessagesAreTruncatedNotOverflowed) {
  std::string long_text(1000, 'x');
  Status s = Status::error(Code::kParseError, "%s", long_text.c_str());
  EXPECT_EQ(std::strlen(s.message()), static_cast<size_t>(Status::kMaxMessage - 1));
}

Result<int> half(int x) {
  if (x % 2) return Status::error(Code::kInvalidArgument, "%d is odd", x);
  return x / 2;
}

Status use_half(int x, int* out) {
  Result<int> r = half(x);
  if (!r.ok()) return r.status();
  *out = *r;
  return {};
}

TEST(Result, HoldsAValueOrAnError) {
  Result<int> good = half(8);
  ASSERT_TRUE(good.ok());
  EXPECT_EQ(*good, 4);
  Result<int> bad = half(7);
  ASSERT_FALSE(bad.ok());
  EXPECT_STREQ(bad.status().message(), "7 is odd");
  int v = 0;
  EXPECT_TRUE(use_half(10, &v).ok());
  EXPECT_EQ(v, 5);
  EXPECT_EQ(use_half(3, &v).code(), Code::kInvalidArgument);
}

TEST(Result, MovesNonTrivialValues) {
  Result<std::string> r(std::string("a string long enough to live on the heap, not inline"));
  Result<std::string> moved(std::move(r));
  ASSERT_TRUE(moved.ok());
  EXPECT_EQ(moved->size(), 52u);
}

Status chain(bool fail) {
  SALIENT_RETURN_IF_ERROR(fail ? Status::error(Code::kNotFound, "inner") : Status());
  return Status::error(Code::kInternal, "reached the end");
}

TEST(Status, ReturnIfErrorPropagatesTheFirstError) {
  EXPECT_STREQ(chain(true).message(), "inner");
  EXPECT_STREQ(chain(false).message(), "reached the end");
}

TEST(AssertDeathTest, AbortsWithFileAndLine) {
  EXPECT_DEATH(SALIENT_ASSERT(1 + 1 == 3), "status_test.cc:[0-9]+: assertion failed: 1 \\+ 1 == 3");
}

}  // namespace
}  // namespace salient
