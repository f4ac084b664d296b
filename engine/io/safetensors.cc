// safetensors container: validating reader and packed writer.
#include "salient/io/safetensors.h"

#include <algorithm>
#include <cstring>
#include <utility>

#include "salient/io/file.h"
#include "salient/io/json.h"

static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__,
              "the safetensors reader assumes a little-endian host");

namespace salient::io {
namespace {

struct DTypeInfo {
  TensorDType dtype;
  const char* name;
  size_t size;
};

constexpr DTypeInfo kDTypes[] = {
    {TensorDType::kBool, "BOOL", 1},      {TensorDType::kU8, "U8", 1},
    {TensorDType::kI8, "I8", 1},          {TensorDType::kF8E5M2, "F8_E5M2", 1},
    {TensorDType::kF8E4M3, "F8_E4M3", 1}, {TensorDType::kI16, "I16", 2},
    {TensorDType::kU16, "U16", 2},        {TensorDType::kF16, "F16", 2},
    {TensorDType::kBF16, "BF16", 2},      {TensorDType::kI32, "I32", 4},
    {TensorDType::kU32, "U32", 4},        {TensorDType::kF32, "F32", 4},
    {TensorDType::kF64, "F64", 8},        {TensorDType::kI64, "I64", 8},
    {TensorDType::kU64, "U64", 8},
};

const DTypeInfo& info(TensorDType dtype) {
  for (const DTypeInfo& d : kDTypes)
    if (d.dtype == dtype) return d;
  SALIENT_ASSERT(false && "unknown TensorDType");
  return kDTypes[0];
}

constexpr const char* kMetadataKey = "__metadata__";

Status bad_tensor(const std::string& name, const char* what) {
  return Status::error(Code::kParseError, "safetensors: tensor '%.100s': %s", name.c_str(), what);
}

// A JSON number that is an integer in [0, 2^53].
bool non_negative_integer(const JsonValue& v) { return v.is_integer() && v.as_number() >= 0; }

Status parse_entry(const std::string& name, const JsonValue& v, uint64_t buffer_size,
                   TensorEntry& out) {
  out.name = name;
  if (!v.is_object())
    return bad_tensor(name, "the entry must be an object with dtype, shape and data_offsets");
  const JsonValue *dtype = nullptr, *shape = nullptr, *offsets = nullptr;
  for (size_t i = 0; i < v.size(); ++i) {
    const std::string& key = v.key(i);
    if (key == "dtype") {
      dtype = &v[i];
    } else if (key == "shape") {
      shape = &v[i];
    } else if (key == "data_offsets") {
      offsets = &v[i];
    } else {
      char what[160];
      std::snprintf(what, sizeof what, "unknown key '%.60s' (expected dtype, shape, data_offsets)",
                    key.c_str());
      return bad_tensor(name, what);
    }
  }
  if (!dtype || !shape || !offsets) {
    char what[80];
    std::snprintf(what, sizeof what, "missing '%s'",
                  !dtype   ? "dtype"
                  : !shape ? "shape"
                           : "data_offsets");
    return bad_tensor(name, what);
  }
  if (!dtype->is_string()) return bad_tensor(name, "'dtype' must be a string");
  Result<TensorDType> dt = dtype_from_name(dtype->as_string());
  if (!dt.ok()) {
    char what[120];
    std::snprintf(what, sizeof what, "unknown dtype '%.40s'", dtype->as_string().c_str());
    return bad_tensor(name, what);
  }
  out.dtype = *dt;

  if (!shape->is_array())
    return bad_tensor(name, "'shape' must be an array of non-negative integers");
  if (shape->size() > static_cast<size_t>(Shape::kMaxRank)) {
    char what[80];
    std::snprintf(what, sizeof what, "rank %zu is not supported (at most %d)", shape->size(),
                  Shape::kMaxRank);
    return bad_tensor(name, what);
  }
  uint64_t bytes = dtype_size(out.dtype);
  out.shape.rank = static_cast<int>(shape->size());
  for (size_t i = 0; i < shape->size(); ++i) {
    if (!non_negative_integer((*shape)[i]))
      return bad_tensor(name, "'shape' entries must be non-negative integers");
    const int64_t d = (*shape)[i].as_int();
    out.shape[static_cast<int>(i)] = d;
    if (__builtin_mul_overflow(bytes, static_cast<uint64_t>(d), &bytes))
      return bad_tensor(name, "the shape's byte size overflows");
  }

  if (!offsets->is_array() || offsets->size() != 2 || !non_negative_integer((*offsets)[0]) ||
      !non_negative_integer((*offsets)[1]))
    return bad_tensor(name, "'data_offsets' must be [begin, end] with non-negative integers");
  out.begin = static_cast<uint64_t>((*offsets)[0].as_int());
  out.end = static_cast<uint64_t>((*offsets)[1].as_int());
  char what[200];
  if (out.end < out.begin) {
    std::snprintf(what, sizeof what, "data_offsets [%llu, %llu] end before they begin",
                  static_cast<unsigned long long>(out.begin),
                  static_cast<unsigned long long>(out.end));
    return bad_tensor(name, what);
  }
  if (out.end > buffer_size) {
    std::snprintf(what, sizeof what,
                  "data_offsets [%llu, %llu] run past the end of the %llu-byte data buffer",
                  static_cast<unsigned long long>(out.begin),
                  static_cast<unsigned long long>(out.end),
                  static_cast<unsigned long long>(buffer_size));
    return bad_tensor(name, what);
  }
  if (out.end - out.begin != bytes) {
    std::snprintf(what, sizeof what,
                  "data_offsets [%llu, %llu] hold %llu bytes, but shape %s of %s needs %llu",
                  static_cast<unsigned long long>(out.begin),
                  static_cast<unsigned long long>(out.end),
                  static_cast<unsigned long long>(out.end - out.begin), ShapeStr(out.shape).c_str(),
                  dtype_name(out.dtype), static_cast<unsigned long long>(bytes));
    return bad_tensor(name, what);
  }
  return {};
}

// The tensors must cover the data buffer exactly: no overlap, no gap, nothing after the last.
Status check_layout(const std::vector<TensorEntry>& tensors, uint64_t buffer_size) {
  std::vector<const TensorEntry*> order;
  order.reserve(tensors.size());
  for (const TensorEntry& t : tensors) order.push_back(&t);
  std::stable_sort(order.begin(), order.end(), [](const TensorEntry* a, const TensorEntry* b) {
    return a->begin < b->begin || (a->begin == b->begin && a->end < b->end);
  });
  uint64_t covered = 0;
  const TensorEntry* previous = nullptr;
  for (const TensorEntry* t : order) {
    if (t->begin < covered)
      return Status::error(Code::kParseError,
                           "safetensors: tensors '%.80s' and '%.80s' overlap in the data buffer",
                           previous->name.c_str(), t->name.c_str());
    if (t->begin > covered)
      return Status::error(
          Code::kParseError,
          "safetensors: bytes [%llu, %llu) of the data buffer belong to no tensor (before '%.80s')",
          static_cast<unsigned long long>(covered), static_cast<unsigned long long>(t->begin),
          t->name.c_str());
    covered = t->end;
    previous = t;
  }
  if (covered != buffer_size)
    return Status::error(Code::kParseError, "safetensors: %llu bytes after the last tensor's data",
                         static_cast<unsigned long long>(buffer_size - covered));
  return {};
}

}  // namespace

const char* dtype_name(TensorDType dtype) { return info(dtype).name; }
size_t dtype_size(TensorDType dtype) { return info(dtype).size; }

Result<TensorDType> dtype_from_name(std::string_view name) {
  for (const DTypeInfo& d : kDTypes)
    if (name == d.name) return d.dtype;
  return Status::error(Code::kParseError, "safetensors: unknown dtype '%.60s'",
                       std::string(name).c_str());
}

const TensorEntry* Safetensors::find(std::string_view name) const {
  for (const TensorEntry& t : tensors)
    if (t.name == name) return &t;
  return nullptr;
}

const std::string* Safetensors::metadata_value(std::string_view key) const {
  for (const MetadataEntry& m : metadata)
    if (m.key == key) return &m.value;
  return nullptr;
}

Result<Safetensors> parse_safetensors(std::vector<unsigned char> bytes) {
  const size_t size = bytes.size();
  if (size < 8)
    return Status::error(Code::kParseError,
                         "safetensors: truncated file (%zu bytes; the header length alone needs 8)",
                         size);
  uint64_t n = 0;
  for (int i = 7; i >= 0; --i) n = (n << 8) | bytes[i];
  if (n > kMaxSafetensorsHeader)
    return Status::error(
        Code::kParseError, "safetensors: header length %llu is absurd (the limit is %llu bytes)",
        static_cast<unsigned long long>(n), static_cast<unsigned long long>(kMaxSafetensorsHeader));
  if (n > size - 8)
    return Status::error(Code::kParseError,
                         "safetensors: header length %llu runs past the end of the file (%zu bytes "
                         "after the length)",
                         static_cast<unsigned long long>(n), size - 8);
  const std::string_view text(reinterpret_cast<const char*>(bytes.data() + 8),
                              static_cast<size_t>(n));
  Result<JsonValue> header = parse_json(text);
  if (!header.ok())
    return Status::error(Code::kParseError, "safetensors header: %s", header.status().message());
  if (!header->is_object())
    return Status::error(Code::kParseError, "safetensors header: expected a JSON object, got %s",
                         header->type_name());

  Safetensors out;
  out.data_start = 8 + static_cast<size_t>(n);
  const uint64_t buffer_size = size - out.data_start;
  for (size_t i = 0; i < header->size(); ++i) {
    const std::string& key = header->key(i);
    const JsonValue& v = (*header)[i];
    if (key == kMetadataKey) {
      if (!v.is_object())
        return Status::error(Code::kParseError,
                             "safetensors: __metadata__ must be an object of strings, got %s",
                             v.type_name());
      for (size_t j = 0; j < v.size(); ++j) {
        if (!v[j].is_string())
          return Status::error(Code::kParseError,
                               "safetensors: __metadata__ value '%.80s' must be a string, got %s",
                               v.key(j).c_str(), v[j].type_name());
        out.metadata.push_back({v.key(j), v[j].as_string()});
      }
      continue;
    }
    TensorEntry t;
    SALIENT_RETURN_IF_ERROR(parse_entry(key, v, buffer_size, t));
    out.tensors.push_back(std::move(t));
  }
  SALIENT_RETURN_IF_ERROR(check_layout(out.tensors, buffer_size));
  out.bytes = std::move(bytes);
  return out;
}

Result<Safetensors> read_safetensors(const char* path) {
  Result<std::vector<unsigned char>> bytes = read_file_bytes(path);
  if (!bytes.ok()) return bytes.status();
  return parse_safetensors(std::move(*bytes));
}

Result<std::vector<unsigned char>> encode_safetensors(const std::vector<MetadataEntry>& metadata,
                                                      const std::vector<TensorToWrite>& tensors) {
  JsonValue header = JsonValue::object();
  if (!metadata.empty()) {
    JsonValue meta = JsonValue::object();
    for (const MetadataEntry& m : metadata) {
      if (meta.find(m.key))
        return Status::error(Code::kInvalidArgument,
                             "write_safetensors: metadata key '%.80s' is repeated", m.key.c_str());
      meta.append_member(m.key, JsonValue::string(m.value));
    }
    header.append_member(kMetadataKey, std::move(meta));
  }
  uint64_t offset = 0;
  for (const TensorToWrite& t : tensors) {
    if (t.name.empty() || t.name == kMetadataKey || header.find(t.name))
      return Status::error(Code::kInvalidArgument,
                           "write_safetensors: tensor name '%.80s' is empty, reserved or repeated",
                           t.name.c_str());
    JsonValue shape = JsonValue::array();
    uint64_t bytes = dtype_size(t.dtype);
    for (int i = 0; i < t.shape.rank; ++i) {
      if (t.shape[i] < 0)
        return Status::error(Code::kInvalidArgument,
                             "write_safetensors: tensor '%.80s' has shape %s", t.name.c_str(),
                             ShapeStr(t.shape).c_str());
      shape.push_back(JsonValue::number(static_cast<double>(t.shape[i])));
      bytes *= static_cast<uint64_t>(t.shape[i]);
    }
    if (bytes > 0 && !t.data)
      return Status::error(Code::kInvalidArgument, "write_safetensors: tensor '%.80s' has no data",
                           t.name.c_str());
    JsonValue entry = JsonValue::object();
    entry.append_member("dtype", JsonValue::string(dtype_name(t.dtype)));
    entry.append_member("shape", std::move(shape));
    JsonValue offsets = JsonValue::array();
    offsets.push_back(JsonValue::number(static_cast<double>(offset)));
    offsets.push_back(JsonValue::number(static_cast<double>(offset + bytes)));
    entry.append_member("data_offsets", std::move(offsets));
    header.append_member(t.name, std::move(entry));
    offset += bytes;
  }
  std::string text = to_json(header);
  text.append((8 - text.size() % 8) % 8, ' ');
  std::vector<unsigned char> out;
  out.reserve(8 + text.size() + static_cast<size_t>(offset));
  const uint64_t n = text.size();
  for (int i = 0; i < 8; ++i) out.push_back(static_cast<unsigned char>(n >> (8 * i)));
  out.insert(out.end(), text.begin(), text.end());
  for (const TensorToWrite& t : tensors) {
    const size_t bytes = static_cast<size_t>(t.shape.numel()) * dtype_size(t.dtype);
    const unsigned char* raw = static_cast<const unsigned char*>(t.data);
    if (bytes) out.insert(out.end(), raw, raw + bytes);
  }
  return out;
}

Status write_safetensors(const char* path, const std::vector<MetadataEntry>& metadata,
                         const std::vector<TensorToWrite>& tensors) {
  Result<std::vector<unsigned char>> bytes = encode_safetensors(metadata, tensors);
  if (!bytes.ok()) return bytes.status();
  return write_file_bytes(path, bytes->data(), bytes->size());
}

}  // namespace salient::io
