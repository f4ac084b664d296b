// JSON: a small document model (RFC 8259) for the model-file header and the CLI's JSON output.
// Numbers are doubles; objects keep their keys in file order and may not repeat a key; strings
// are UTF-8 (escapes, \uXXXX and surrogate pairs decoded). No exceptions: parse_json returns a
// Result whose error names the byte offset ("invalid JSON at byte 17: expected ':'").
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "salient/status.h"

namespace salient::io {

enum class JsonType : unsigned char { kNull, kBool, kNumber, kString, kArray, kObject };

/// "null", "bool", "number", "string", "array", "object".
const char* json_type_name(JsonType type);

class JsonValue {
 public:
  JsonValue() = default;  // null
  static JsonValue null() { return JsonValue(); }
  static JsonValue boolean(bool b);
  static JsonValue number(double v);
  static JsonValue string(std::string s);
  static JsonValue array();
  static JsonValue object();

  JsonType type() const { return type_; }
  const char* type_name() const { return json_type_name(type_); }
  bool is_null() const { return type_ == JsonType::kNull; }
  bool is_bool() const { return type_ == JsonType::kBool; }
  bool is_number() const { return type_ == JsonType::kNumber; }
  bool is_string() const { return type_ == JsonType::kString; }
  bool is_array() const { return type_ == JsonType::kArray; }
  bool is_object() const { return type_ == JsonType::kObject; }
  /// A number with an integral value in [−2^53, 2^53] (exactly representable).
  bool is_integer() const;

  // Accessors assert the type.
  bool as_bool() const;
  double as_number() const;
  /// The number as an int64 (asserts is_integer()).
  int64_t as_int() const;
  const std::string& as_string() const;

  /// Arrays: items; objects: member values (in key order). 0 for scalars.
  size_t size() const { return items_.size(); }
  /// The i-th array item or object member value.
  const JsonValue& operator[](size_t i) const;
  JsonValue& operator[](size_t i);
  /// The i-th object key (asserts is_object()).
  const std::string& key(size_t i) const;
  /// Appends to an array (asserts is_array()).
  void push_back(JsonValue v);

  /// Object lookup: the member named `key`, or nullptr (also for non-objects).
  const JsonValue* find(std::string_view key) const;
  JsonValue* find(std::string_view key);
  /// Sets the member `key` (replacing its value in place if present, else appending).
  void set(std::string key, JsonValue v);
  /// Appends the member `key` without looking for an existing one (the parser refuses repeats).
  void append_member(std::string key, JsonValue v);

 private:
  JsonType type_ = JsonType::kNull;
  bool bool_ = false;
  double number_ = 0.0;
  std::string string_;
  std::vector<JsonValue> items_;   // array items or object member values
  std::vector<std::string> keys_;  // object keys, parallel to items_
};

struct JsonParseOptions {
  int max_depth = 64;  // arrays and objects nested deeper than this are refused
};

/// Parses one JSON value (surrounded by optional whitespace). Errors (kParseError) name the byte
/// offset and what was expected: bad syntax, trailing characters, invalid escapes, lone surrogates,
/// raw control characters or invalid UTF-8 in strings, numbers out of double range, nesting past
/// max_depth, and a key repeated within one object.
Result<JsonValue> parse_json(std::string_view text, JsonParseOptions options = {});

/// Compact serialisation (no spaces). Numbers use the shortest text that reads back to the same
/// double (integers without a fraction: 3, not 3.0); NaN and infinities, which JSON lacks, are
/// written as null. Strings escape '"', '\\' and control characters; other UTF-8 passes through.
std::string to_json(const JsonValue& value);
/// Appends the JSON string literal for `s` (with quotes) to `out`.
void append_json_string(std::string& out, std::string_view s);

}  // namespace salient::io
