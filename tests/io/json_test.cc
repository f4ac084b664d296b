#include "salient/io/json.h"

#include <gtest/gtest.h>

#include <cmath>
#include <string>

#include "io/io_test_util.h"

namespace salient::io {
namespace {

TEST(Json, ParsesEveryTypeAndKeepsKeyOrder) {
  Result<JsonValue> v = parse_json(R"( {"z": null, "a": [true, false, -1.5e2, 0, 12],
      "m": {"s": "x"}, "e": [], "o": {}} )");
  ASSERT_TRUE(v.ok()) << v.status().message();
  ASSERT_TRUE(v->is_object());
  ASSERT_EQ(v->size(), 5u);
  EXPECT_EQ(v->key(0), "z");
  EXPECT_EQ(v->key(1), "a");
  EXPECT_EQ(v->key(4), "o");
  EXPECT_TRUE(v->find("z")->is_null());
  const JsonValue& a = *v->find("a");
  ASSERT_EQ(a.size(), 5u);
  EXPECT_TRUE(a[0].as_bool());
  EXPECT_FALSE(a[1].as_bool());
  EXPECT_EQ(a[2].as_number(), -150.0);
  EXPECT_FALSE(a[2].is_integer() && a[2].as_int() != -150);
  EXPECT_TRUE(a[3].is_integer());
  EXPECT_EQ(a[4].as_int(), 12);
  EXPECT_EQ(v->find("m")->find("s")->as_string(), "x");
  EXPECT_EQ(v->find("missing"), nullptr);
  EXPECT_TRUE(v->find("e")->is_array());
  EXPECT_EQ(v->find("o")->size(), 0u);
}

TEST(Json, NumbersFollowTheGrammar) {
  EXPECT_EQ(parse_json("3.25")->as_number(), 3.25);
  EXPECT_EQ(parse_json("-0.5E-1")->as_number(), -0.05);
  EXPECT_EQ(parse_json("1e3")->as_number(), 1000.0);
  EXPECT_TRUE(parse_json("2.5")->is_number());
  EXPECT_FALSE(parse_json("2.5")->is_integer());
  EXPECT_FALSE(parse_json("1e300")->is_integer());  // beyond 2^53: not exact
  EXPECT_ERROR_CONTAINS(parse_json("01"), "leading zero");
  EXPECT_ERROR_CONTAINS(parse_json("1."), "expected a digit after '.'");
  EXPECT_ERROR_CONTAINS(parse_json("-"), "expected a digit");
  EXPECT_ERROR_CONTAINS(parse_json("1e"), "exponent");
  EXPECT_ERROR_CONTAINS(parse_json("+1"), "unexpected character");
  EXPECT_ERROR_CONTAINS(parse_json("1e999"), "out of the range");
  EXPECT_ERROR_CONTAINS(parse_json("NaN"), "unexpected character");
}

TEST(Json, StringEscapesAndUnicode) {
  Result<JsonValue> v = parse_json(R"("a\"b\\c\/d\b\f\n\r\t\u0041\u00e9\u20ac\ud83d\ude00")");
  ASSERT_TRUE(v.ok()) << v.status().message();
  EXPECT_EQ(v->as_string(), "a\"b\\c/d\b\f\n\r\tA\xC3\xA9\xE2\x82\xAC\xF0\x9F\x98\x80");
  // Raw UTF-8 passes through.
  EXPECT_EQ(parse_json("\"\xC3\xA9\xF0\x9F\x98\x80\"")->as_string(), "\xC3\xA9\xF0\x9F\x98\x80");
  EXPECT_EQ(parse_json(R"("\u0000")")->as_string(), std::string(1, '\0'));
}

TEST(Json, StringErrors) {
  EXPECT_ERROR_CONTAINS(parse_json(R"("abc)"), "unterminated string");
  EXPECT_ERROR_CONTAINS(parse_json(R"("\x")"), "invalid escape");
  EXPECT_ERROR_CONTAINS(parse_json(R"("\u12")"), "\\u escape");
  EXPECT_ERROR_CONTAINS(parse_json(R"("\u12G4")"), "4 hex digits");
  EXPECT_ERROR_CONTAINS(parse_json(R"("\ud83d")"), "high surrogate");
  EXPECT_ERROR_CONTAINS(parse_json(R"("\ud83dx")"), "high surrogate");
  EXPECT_ERROR_CONTAINS(parse_json(R"("\ud83d\u0041")"), "low surrogate");
  EXPECT_ERROR_CONTAINS(parse_json(R"("\ude00")"), "unpaired low surrogate");
  EXPECT_ERROR_CONTAINS(parse_json("\"a\nb\""), "control character");
  EXPECT_ERROR_CONTAINS(parse_json("\"\xC3\""), "invalid UTF-8");
  EXPECT_ERROR_CONTAINS(parse_json("\"\xC0\xAF\""), "invalid UTF-8");      // overlong
  EXPECT_ERROR_CONTAINS(parse_json("\"\xED\xA0\x80\""), "invalid UTF-8");  // encoded surrogate
  EXPECT_ERROR_CONTAINS(parse_json("\"\xF4\x90\x80\x80\""), "invalid UTF-8");
  EXPECT_ERROR_CONTAINS(parse_json("\"\xFF\""), "invalid UTF-8");
}

TEST(Json, ErrorsNameTheByteOffset) {
  EXPECT_ERROR_CONTAINS(parse_json(R"({"format" 1})"), "invalid JSON at byte 10: expected ':'");
  EXPECT_ERROR_CONTAINS(parse_json("[1, 2"),
                        "invalid JSON at byte 5: unexpected end of input (expected ',' or ']')");
  EXPECT_ERROR_CONTAINS(parse_json("[1 2]"), "at byte 3: expected ',' or ']'");
  EXPECT_ERROR_CONTAINS(parse_json("{1: 2}"), "at byte 1: expected a string key");
  EXPECT_ERROR_CONTAINS(parse_json(R"({"a": 1,})"), "expected a string key");
  EXPECT_ERROR_CONTAINS(parse_json("[1,]"), "expected a value");
  EXPECT_ERROR_CONTAINS(parse_json("{\"a\": 1} x"),
                        "at byte 9: unexpected characters after the JSON value");
  EXPECT_ERROR_CONTAINS(parse_json(""), "at byte 0: unexpected end of input");
  EXPECT_ERROR_CONTAINS(parse_json("   "), "unexpected end of input");
  EXPECT_ERROR_CONTAINS(parse_json("tru"), "invalid literal");
  EXPECT_ERROR_CONTAINS(parse_json("nul"), "invalid literal");
  EXPECT_ERROR_CONTAINS(parse_json(R"({"a": 1, "b": 2, "a": 3})"),
                        "at byte 17: duplicate key \"a\"");
  EXPECT_EQ(parse_json("[1]").status().code(), Code::kOk);
  EXPECT_EQ(parse_json("[").status().code(), Code::kParseError);
}

TEST(Json, DepthLimit) {
  std::string ok(64, '['), deep(65, '[');
  ok += std::string(64, ']');
  deep += std::string(65, ']');
  EXPECT_TRUE(parse_json(ok).ok());
  EXPECT_ERROR_CONTAINS(parse_json(deep), "nested too deeply");
  EXPECT_ERROR_CONTAINS(parse_json(std::string(100000, '[')),
                        "at byte 64: arrays and objects nested too deeply");
  std::string objects;
  for (int i = 0; i < 100000; ++i) objects += "{\"a\":";
  EXPECT_ERROR_CONTAINS(parse_json(objects), "nested too deeply");  // no stack overflow
  JsonParseOptions shallow;
  shallow.max_depth = 2;
  EXPECT_TRUE(parse_json("[[1]]", shallow).ok());
  EXPECT_ERROR_CONTAINS(parse_json(R"([{"a": []}])", shallow),
                        "at byte 7: arrays and objects nested too deeply");
}

TEST(Json, SerializesCompactlyAndRoundTrips) {
  JsonValue o = JsonValue::object();
  o.set("b", JsonValue::number(3));
  o.set("a", JsonValue::number(-0.1));
  JsonValue arr = JsonValue::array();
  arr.push_back(JsonValue::boolean(true));
  arr.push_back(JsonValue::null());
  arr.push_back(JsonValue::string("q\"\\\n\x01\xC3\xA9"));
  arr.push_back(JsonValue::number(1e-5));
  arr.push_back(JsonValue::number(NAN));
  arr.push_back(JsonValue::number(1e21));
  o.set("list", std::move(arr));
  o.set("b", JsonValue::number(4));  // replaces in place
  const std::string text = to_json(o);
  EXPECT_EQ(
      text,
      "{\"b\":4,\"a\":-0.1,\"list\":[true,null,\"q\\\"\\\\\\n\\u0001\xC3\xA9\",1e-05,null,1e+21]}");
  Result<JsonValue> back = parse_json(text);
  ASSERT_TRUE(back.ok()) << back.status().message();
  EXPECT_EQ(to_json(*back), text);
  EXPECT_EQ(back->find("list")->operator[](2).as_string(), "q\"\\\n\x01\xC3\xA9");
}

TEST(Json, DoublesRoundTripExactly) {
  for (double d : {0.1, 1.0 / 3.0, 123456789.125, -2.5e-300, 9007199254740993.0, 6.02214076e23}) {
    JsonValue v = JsonValue::number(d);
    Result<JsonValue> back = parse_json(to_json(v));
    ASSERT_TRUE(back.ok());
    EXPECT_EQ(back->as_number(), d) << to_json(v);
  }
}

}  // namespace
}  // namespace salient::io
