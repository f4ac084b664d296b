// JSON document model, recursive-descent parser (depth-limited) and compact serialiser.
#include "salient/io/json.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <numeric>
#include <system_error>
#include <utility>

namespace salient::io {

const char* json_type_name(JsonType type) {
  switch (type) {
    case JsonType::kNull: return "null";
    case JsonType::kBool: return "bool";
    case JsonType::kNumber: return "number";
    case JsonType::kString: return "string";
    case JsonType::kArray: return "array";
    case JsonType::kObject: return "object";
  }
  return "?";
}

JsonValue JsonValue::boolean(bool b) {
  JsonValue v;
  v.type_ = JsonType::kBool;
  v.bool_ = b;
  return v;
}

JsonValue JsonValue::number(double x) {
  JsonValue v;
  v.type_ = JsonType::kNumber;
  v.number_ = x;
  return v;
}

JsonValue JsonValue::string(std::string s) {
  JsonValue v;
  v.type_ = JsonType::kString;
  v.string_ = std::move(s);
  return v;
}

JsonValue JsonValue::array() {
  JsonValue v;
  v.type_ = JsonType::kArray;
  return v;
}

JsonValue JsonValue::object() {
  JsonValue v;
  v.type_ = JsonType::kObject;
  return v;
}

bool JsonValue::is_integer() const {
  constexpr double kMaxExact = 9007199254740992.0;  // 2^53
  return type_ == JsonType::kNumber && std::isfinite(number_) && number_ == std::trunc(number_) &&
         std::fabs(number_) <= kMaxExact;
}

bool JsonValue::as_bool() const {
  SALIENT_ASSERT(type_ == JsonType::kBool);
  return bool_;
}

double JsonValue::as_number() const {
  SALIENT_ASSERT(type_ == JsonType::kNumber);
  return number_;
}

int64_t JsonValue::as_int() const {
  SALIENT_ASSERT(is_integer());
  return static_cast<int64_t>(number_);
}

const std::string& JsonValue::as_string() const {
  SALIENT_ASSERT(type_ == JsonType::kString);
  return string_;
}

const JsonValue& JsonValue::operator[](size_t i) const {
  SALIENT_ASSERT(i < items_.size());
  return items_[i];
}

JsonValue& JsonValue::operator[](size_t i) {
  SALIENT_ASSERT(i < items_.size());
  return items_[i];
}

const std::string& JsonValue::key(size_t i) const {
  SALIENT_ASSERT(type_ == JsonType::kObject && i < keys_.size());
  return keys_[i];
}

void JsonValue::push_back(JsonValue v) {
  SALIENT_ASSERT(type_ == JsonType::kArray);
  items_.push_back(std::move(v));
}

const JsonValue* JsonValue::find(std::string_view key) const {
  if (type_ != JsonType::kObject) return nullptr;
  for (size_t i = 0; i < keys_.size(); ++i)
    if (keys_[i] == key) return &items_[i];
  return nullptr;
}

JsonValue* JsonValue::find(std::string_view key) {
  return const_cast<JsonValue*>(static_cast<const JsonValue&>(*this).find(key));
}

void JsonValue::append_member(std::string key, JsonValue v) {
  SALIENT_ASSERT(type_ == JsonType::kObject);
  keys_.push_back(std::move(key));
  items_.push_back(std::move(v));
}

void JsonValue::set(std::string key, JsonValue v) {
  SALIENT_ASSERT(type_ == JsonType::kObject);
  if (JsonValue* existing = find(key)) {
    *existing = std::move(v);
    return;
  }
  keys_.push_back(std::move(key));
  items_.push_back(std::move(v));
}

// ---- parser ------------------------------------------------------------------------------------

namespace {

class Parser {
 public:
  Parser(std::string_view text, int max_depth) : s_(text), max_depth_(max_depth) {}

  Result<JsonValue> parse_document() {
    skip_ws();
    JsonValue v;
    if (!parse_value(v, 0)) return error_;
    skip_ws();
    if (pos_ != s_.size()) return fail("unexpected characters after the JSON value");
    return v;
  }

 private:
  Status fail(const char* what) {
    error_ = Status::error(Code::kParseError, "invalid JSON at byte %zu: %s", pos_, what);
    return error_;
  }
  bool failed(const char* what) {
    fail(what);
    return false;
  }

  bool at_end() const { return pos_ >= s_.size(); }
  char peek() const { return s_[pos_]; }

  void skip_ws() {
    while (!at_end() && (peek() == ' ' || peek() == '\t' || peek() == '\n' || peek() == '\r'))
      ++pos_;
  }

  bool literal(const char* word) {
    const size_t n = std::strlen(word);
    if (s_.substr(pos_, n) != word) return failed("invalid literal (expected a value)");
    pos_ += n;
    return true;
  }

  bool parse_value(JsonValue& out, int depth) {
    if (at_end()) return failed("unexpected end of input (expected a value)");
    switch (peek()) {
      case 'n':
        if (!literal("null")) return false;
        out = JsonValue::null();
        return true;
      case 't':
        if (!literal("true")) return false;
        out = JsonValue::boolean(true);
        return true;
      case 'f':
        if (!literal("false")) return false;
        out = JsonValue::boolean(false);
        return true;
      case '"': {
        std::string s;
        if (!parse_string(s)) return false;
        out = JsonValue::string(std::move(s));
        return true;
      }
      case '[': return parse_array(out, depth + 1);
      case '{': return parse_object(out, depth + 1);
      default:
        if (peek() == '-' || (peek() >= '0' && peek() <= '9')) return parse_number(out);
        return failed("unexpected character (expected a value)");
    }
  }

  static bool digit(char c) { return c >= '0' && c <= '9'; }

  bool parse_number(JsonValue& out) {
    const size_t start = pos_;
    if (peek() == '-') ++pos_;
    if (at_end() || !digit(peek())) return failed("invalid number: expected a digit");
    if (peek() == '0') {
      ++pos_;
      if (!at_end() && digit(peek())) return failed("invalid number: leading zero");
    } else {
      while (!at_end() && digit(peek())) ++pos_;
    }
    if (!at_end() && peek() == '.') {
      ++pos_;
      if (at_end() || !digit(peek())) return failed("invalid number: expected a digit after '.'");
      while (!at_end() && digit(peek())) ++pos_;
    }
    if (!at_end() && (peek() == 'e' || peek() == 'E')) {
      ++pos_;
      if (!at_end() && (peek() == '+' || peek() == '-')) ++pos_;
      if (at_end() || !digit(peek()))
        return failed("invalid number: expected a digit in the exponent");
      while (!at_end() && digit(peek())) ++pos_;
    }
    double v = 0.0;
    const std::from_chars_result r = std::from_chars(s_.data() + start, s_.data() + pos_, v);
    if (r.ec != std::errc() || r.ptr != s_.data() + pos_) {
      pos_ = start;
      return failed("number out of the range of a double");
    }
    out = JsonValue::number(v);
    return true;
  }

  static int hex_value(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  }

  // Reads the 4 hex digits after "\u" (pos_ at the first digit).
  bool hex4(uint32_t& out) {
    if (s_.size() - pos_ < 4) return failed("truncated \\u escape");
    out = 0;
    for (int i = 0; i < 4; ++i) {
      const int h = hex_value(s_[pos_ + i]);
      if (h < 0) return failed("invalid \\u escape: expected 4 hex digits");
      out = out * 16 + static_cast<uint32_t>(h);
    }
    pos_ += 4;
    return true;
  }

  static void append_utf8(std::string& s, uint32_t cp) {
    if (cp < 0x80) {
      s += static_cast<char>(cp);
    } else if (cp < 0x800) {
      s += static_cast<char>(0xC0 | (cp >> 6));
      s += static_cast<char>(0x80 | (cp & 0x3F));
    } else if (cp < 0x10000) {
      s += static_cast<char>(0xE0 | (cp >> 12));
      s += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
      s += static_cast<char>(0x80 | (cp & 0x3F));
    } else {
      s += static_cast<char>(0xF0 | (cp >> 18));
      s += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
      s += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
      s += static_cast<char>(0x80 | (cp & 0x3F));
    }
  }

  // Length of the well-formed UTF-8 sequence at pos_ (RFC 3629: no overlongs, no surrogates,
  // at most U+10FFFF), or 0.
  size_t utf8_length() const {
    const auto b = [&](size_t i) { return static_cast<unsigned char>(s_[pos_ + i]); };
    const size_t left = s_.size() - pos_;
    const unsigned char c = b(0);
    const auto cont = [&](size_t i) { return i < left && (b(i) & 0xC0) == 0x80; };
    if (c < 0x80) return 1;
    if (c >= 0xC2 && c <= 0xDF) return cont(1) ? 2 : 0;
    if (c >= 0xE0 && c <= 0xEF) {
      if (!cont(1) || !cont(2)) return 0;
      if (c == 0xE0 && b(1) < 0xA0) return 0;   // overlong
      if (c == 0xED && b(1) >= 0xA0) return 0;  // surrogate
      return 3;
    }
    if (c >= 0xF0 && c <= 0xF4) {
      if (!cont(1) || !cont(2) || !cont(3)) return 0;
      if (c == 0xF0 && b(1) < 0x90) return 0;   // overlong
      if (c == 0xF4 && b(1) >= 0x90) return 0;  // past U+10FFFF
      return 4;
    }
    return 0;
  }

  bool parse_string(std::string& out) {
    ++pos_;  // opening quote
    for (;;) {
      if (at_end()) return failed("unterminated string");
      const char c = peek();
      if (c == '"') {
        ++pos_;
        return true;
      }
      if (static_cast<unsigned char>(c) < 0x20)
        return failed("control character in a string (must be escaped)");
      if (c != '\\') {
        const size_t n = utf8_length();
        if (n == 0) return failed("invalid UTF-8 in a string");
        out.append(s_.data() + pos_, n);
        pos_ += n;
        continue;
      }
      ++pos_;
      if (at_end()) return failed("unterminated string");
      const char e = peek();
      ++pos_;
      switch (e) {
        case '"': out += '"'; break;
        case '\\': out += '\\'; break;
        case '/': out += '/'; break;
        case 'b': out += '\b'; break;
        case 'f': out += '\f'; break;
        case 'n': out += '\n'; break;
        case 'r': out += '\r'; break;
        case 't': out += '\t'; break;
        case 'u': {
          const size_t escape_at = pos_ - 2;
          uint32_t cp = 0;
          if (!hex4(cp)) return false;
          if (cp >= 0xDC00 && cp <= 0xDFFF) {
            pos_ = escape_at;
            return failed("unpaired low surrogate in a \\u escape");
          }
          if (cp >= 0xD800 && cp <= 0xDBFF) {
            if (s_.substr(pos_, 2) != "\\u") {
              pos_ = escape_at;
              return failed("high surrogate not followed by a \\u low surrogate");
            }
            pos_ += 2;
            uint32_t low = 0;
            if (!hex4(low)) return false;
            if (low < 0xDC00 || low > 0xDFFF) {
              pos_ = escape_at;
              return failed("high surrogate not followed by a low surrogate");
            }
            cp = 0x10000 + ((cp - 0xD800) << 10) + (low - 0xDC00);
          }
          append_utf8(out, cp);
          break;
        }
        default: --pos_; return failed("invalid escape character");
      }
    }
  }

  bool parse_array(JsonValue& out, int depth) {
    if (depth > max_depth_) return failed("arrays and objects nested too deeply");
    ++pos_;  // '['
    out = JsonValue::array();
    skip_ws();
    if (!at_end() && peek() == ']') {
      ++pos_;
      return true;
    }
    for (;;) {
      skip_ws();
      JsonValue item;
      if (!parse_value(item, depth)) return false;
      out.push_back(std::move(item));
      skip_ws();
      if (at_end()) return failed("unexpected end of input (expected ',' or ']')");
      if (peek() == ',') {
        ++pos_;
        continue;
      }
      if (peek() == ']') {
        ++pos_;
        return true;
      }
      return failed("expected ',' or ']'");
    }
  }

  bool parse_object(JsonValue& out, int depth) {
    if (depth > max_depth_) return failed("arrays and objects nested too deeply");
    ++pos_;  // '{'
    out = JsonValue::object();
    std::vector<size_t> key_offsets;
    skip_ws();
    if (!at_end() && peek() == '}') {
      ++pos_;
      return true;
    }
    for (;;) {
      skip_ws();
      if (at_end()) return failed("unexpected end of input (expected a string key)");
      if (peek() != '"') return failed("expected a string key");
      key_offsets.push_back(pos_);
      std::string key;
      if (!parse_string(key)) return false;
      skip_ws();
      if (at_end() || peek() != ':') return failed("expected ':'");
      ++pos_;
      skip_ws();
      JsonValue item;
      if (!parse_value(item, depth)) return false;
      out.append_member(std::move(key), std::move(item));
      skip_ws();
      if (at_end()) return failed("unexpected end of input (expected ',' or '}')");
      if (peek() == ',') {
        ++pos_;
        continue;
      }
      if (peek() == '}') {
        ++pos_;
        break;
      }
      return failed("expected ',' or '}'");
    }
    // A repeated key is an error (RFC 8259 leaves it open; every consumer here needs unique names).
    std::vector<size_t> order(out.size());
    std::iota(order.begin(), order.end(), size_t{0});
    std::sort(order.begin(), order.end(), [&](size_t a, size_t b) {
      const int c = out.key(a).compare(out.key(b));
      return c < 0 || (c == 0 && a < b);
    });
    for (size_t i = 1; i < order.size(); ++i) {
      if (out.key(order[i]) == out.key(order[i - 1])) {
        pos_ = key_offsets[order[i]];
        char what[Status::kMaxMessage];
        std::snprintf(what, sizeof what, "duplicate key \"%.120s\"", out.key(order[i]).c_str());
        return failed(what);
      }
    }
    return true;
  }

  std::string_view s_;
  size_t pos_ = 0;
  int max_depth_;
  Status error_;
};

}  // namespace

Result<JsonValue> parse_json(std::string_view text, JsonParseOptions options) {
  Parser p(text, options.max_depth);
  return p.parse_document();
}

// ---- serialiser --------------------------------------------------------------------------------

void append_json_string(std::string& out, std::string_view s) {
  static const char kHex[] = "0123456789abcdef";
  out += '"';
  for (char c : s) {
    const unsigned char u = static_cast<unsigned char>(c);
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\b': out += "\\b"; break;
      case '\f': out += "\\f"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default:
        if (u < 0x20) {
          out += "\\u00";
          out += kHex[u >> 4];
          out += kHex[u & 15];
        } else {
          out += c;
        }
    }
  }
  out += '"';
}

namespace {

void append_number(std::string& out, double v) {
  if (!std::isfinite(v)) {
    out += "null";
    return;
  }
  char buf[64];
  const std::to_chars_result r = std::to_chars(buf, buf + sizeof buf, v);
  out.append(buf, r.ptr);
}

void serialize(std::string& out, const JsonValue& v) {
  switch (v.type()) {
    case JsonType::kNull: out += "null"; break;
    case JsonType::kBool: out += v.as_bool() ? "true" : "false"; break;
    case JsonType::kNumber: append_number(out, v.as_number()); break;
    case JsonType::kString: append_json_string(out, v.as_string()); break;
    case JsonType::kArray:
      out += '[';
      for (size_t i = 0; i < v.size(); ++i) {
        if (i) out += ',';
        serialize(out, v[i]);
      }
      out += ']';
      break;
    case JsonType::kObject:
      out += '{';
      for (size_t i = 0; i < v.size(); ++i) {
        if (i) out += ',';
        append_json_string(out, v.key(i));
        out += ':';
        serialize(out, v[i]);
      }
      out += '}';
      break;
  }
}

}  // namespace

std::string to_json(const JsonValue& value) {
  std::string out;
  serialize(out, value);
  return out;
}

}  // namespace salient::io
