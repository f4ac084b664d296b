// The safetensors container (SPEC §4), read and written without the safetensors library:
//   8 bytes    N, the header length (uint64 little-endian)
//   N bytes    a JSON object: {"__metadata__": {str: str}, "<name>": {"dtype": "F32",
//              "shape": [...], "data_offsets": [begin, end]}, ...} (may end in padding spaces)
//   the rest   the data buffer; offsets are relative to its start, tensors are little-endian, C
//   order.
// The reader checks everything a hostile file could get wrong (docs/formats.md lists the errors);
// it keeps every dtype, so callers can name a tensor whose dtype they cannot use.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "salient/shape.h"
#include "salient/status.h"

namespace salient::io {

/// The element types safetensors defines.
enum class TensorDType : unsigned char {
  kBool,
  kU8,
  kI8,
  kF8E5M2,
  kF8E4M3,
  kI16,
  kU16,
  kF16,
  kBF16,
  kI32,
  kU32,
  kF32,
  kF64,
  kI64,
  kU64,
};
/// "BOOL", "U8", ..., "F32", "F64", "I64", "U64" (the names in the header).
const char* dtype_name(TensorDType dtype);
/// Bytes per element (1 to 8).
size_t dtype_size(TensorDType dtype);
/// The dtype called `name`, or kParseError naming it.
Result<TensorDType> dtype_from_name(std::string_view name);

/// One tensor of the header.
struct TensorEntry {
  std::string name;
  TensorDType dtype = TensorDType::kF32;
  Shape shape;
  uint64_t begin = 0, end = 0;  // data_offsets: [begin, end) of the data buffer
};

struct MetadataEntry {
  std::string key, value;
};

/// A parsed file: the header's entries and the file's bytes.
struct Safetensors {
  std::vector<MetadataEntry> metadata;  // header order
  std::vector<TensorEntry> tensors;     // header order
  std::vector<unsigned char> bytes;     // the whole file
  size_t data_start = 0;                // where the data buffer starts in `bytes` (8 + N)

  /// The tensor called `name`, or nullptr.
  const TensorEntry* find(std::string_view name) const;
  /// The metadata value of `key`, or nullptr.
  const std::string* metadata_value(std::string_view key) const;
  /// The tensor's raw little-endian bytes (end − begin of them; not aligned: copy with memcpy).
  const unsigned char* data(const TensorEntry& t) const {
    return bytes.data() + data_start + t.begin;
  }
};

/// Header lengths above this are refused as absurd (the reference implementation's limit).
constexpr uint64_t kMaxSafetensorsHeader = 100000000;

/// Reads and validates a file. Errors (kParseError): file shorter than 8 bytes; header length
/// absurd or past the end of the file; header not valid JSON or not an object; __metadata__ not an
/// object of strings; a tensor entry that is not an object, lacks or repeats dtype / shape /
/// data_offsets or has other keys; an unknown dtype; shape entries that are not non-negative
/// integers, rank > 5; data_offsets not two non-negative integers, end < begin, past the buffer;
/// end − begin ≠ prod(shape)·dtype size; overlapping tensors, gaps between them or bytes after the
/// last one (the buffer must be exactly covered); a name used twice.
Result<Safetensors> read_safetensors(const char* path);
/// The same, from bytes in memory (taken over by the result).
Result<Safetensors> parse_safetensors(std::vector<unsigned char> bytes);

/// A tensor to write: `data` holds prod(shape)·dtype_size(dtype) bytes (may be null if empty).
struct TensorToWrite {
  std::string name;
  TensorDType dtype = TensorDType::kF32;
  Shape shape;
  const void* data = nullptr;
};

/// Encodes a file: metadata (omitted when empty), then the tensors in the given order, packed
/// one after another; the header is padded with spaces to a multiple of 8 bytes. Empty or
/// repeated names (or "__metadata__"), negative dims and missing data are kInvalidArgument.
Result<std::vector<unsigned char>> encode_safetensors(const std::vector<MetadataEntry>& metadata,
                                                      const std::vector<TensorToWrite>& tensors);
Status write_safetensors(const char* path, const std::vector<MetadataEntry>& metadata,
                         const std::vector<TensorToWrite>& tensors);

}  // namespace salient::io
