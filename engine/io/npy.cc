// .npy reader (v1-v3, little-endian, C order, a few dtypes converted to float32) and writer (v1
// '<f4').
#include "salient/io/npy.h"

#include <cfloat>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstring>

#include "salient/io/file.h"

static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__,
              "the .npy reader assumes a little-endian host");

namespace salient::io {
namespace {

constexpr unsigned char kMagic[6] = {0x93, 'N', 'U', 'M', 'P', 'Y'};
constexpr size_t kMaxDim = 64;  // rank of a header shape we are willing to read before refusing it

// The header dict, parsed from a Python literal.
struct Header {
  std::string descr;
  bool fortran_order = false;
  int rank = 0;
  int64_t dims[kMaxDim] = {};
  bool has_descr = false, has_fortran = false, has_shape = false;
};

// A parser for the tiny subset of Python literals NumPy writes into headers:
// {'key': value, ...} with values 'string', True/False, and tuples of non-negative ints.
class HeaderParser {
 public:
  HeaderParser(const char* text, size_t size) : s_(text), n_(size) {}

  Status parse(Header& h) {
    ws();
    if (!eat('{')) return bad("expected '{'");
    for (;;) {
      ws();
      if (eat('}')) break;
      std::string key;
      if (!string(key)) return bad("expected a quoted key");
      ws();
      if (!eat(':')) return bad("expected ':'");
      ws();
      if (key == "descr") {
        if (h.has_descr) return bad("repeated key 'descr'");
        h.has_descr = true;
        if (peek() == '[' || peek() == '(')
          return Status::error(
              Code::kParseError,
              ".npy: unsupported dtype: structured arrays (a list descr) are not supported");
        if (!string(h.descr)) return bad("'descr' must be a quoted dtype string");
      } else if (key == "fortran_order") {
        if (h.has_fortran) return bad("repeated key 'fortran_order'");
        h.has_fortran = true;
        if (word("True")) {
          h.fortran_order = true;
        } else if (word("False")) {
          h.fortran_order = false;
        } else {
          return bad("'fortran_order' must be True or False");
        }
      } else if (key == "shape") {
        if (h.has_shape) return bad("repeated key 'shape'");
        h.has_shape = true;
        Status s = tuple(h);
        if (!s.ok()) return s;
      } else {
        return Status::error(Code::kParseError, ".npy: header has an unknown key '%.60s'",
                             key.c_str());
      }
      ws();
      if (eat(',')) continue;
      if (eat('}')) break;
      return bad("expected ',' or '}'");
    }
    ws();
    if (pos_ != n_) return bad("unexpected text after '}'");
    if (!h.has_descr || !h.has_fortran || !h.has_shape)
      return Status::error(Code::kParseError, ".npy: header lacks '%s'",
                           !h.has_descr     ? "descr"
                           : !h.has_fortran ? "fortran_order"
                                            : "shape");
    return {};
  }

 private:
  Status bad(const char* what) const {
    return Status::error(Code::kParseError,
                         ".npy: header is not a valid dict (at header byte %zu: %s)", pos_, what);
  }
  char peek() const { return pos_ < n_ ? s_[pos_] : '\0'; }
  bool eat(char c) {
    if (pos_ < n_ && s_[pos_] == c) {
      ++pos_;
      return true;
    }
    return false;
  }
  void ws() {
    while (pos_ < n_ &&
           (s_[pos_] == ' ' || s_[pos_] == '\t' || s_[pos_] == '\n' || s_[pos_] == '\r'))
      ++pos_;
  }
  bool word(const char* w) {
    const size_t len = std::strlen(w);
    if (n_ - pos_ < len || std::memcmp(s_ + pos_, w, len) != 0) return false;
    pos_ += len;
    return true;
  }
  bool string(std::string& out) {
    const char quote = peek();
    if (quote != '\'' && quote != '"') return false;
    const size_t start = ++pos_;
    while (pos_ < n_ && s_[pos_] != quote) {
      if (s_[pos_] == '\\' || s_[pos_] == '\n') return false;
      ++pos_;
    }
    if (pos_ >= n_) return false;
    out.assign(s_ + start, pos_ - start);
    ++pos_;
    return true;
  }
  Status tuple(Header& h) {
    if (!eat('(')) return bad("'shape' must be a tuple of integers");
    h.rank = 0;
    bool trailing_comma = false;
    for (;;) {
      ws();
      if (eat(')')) break;
      if (peek() == '-')
        return Status::error(Code::kParseError, ".npy: shape has a negative dimension");
      if (peek() < '0' || peek() > '9') return bad("'shape' must be a tuple of integers");
      uint64_t v = 0;
      while (peek() >= '0' && peek() <= '9') {
        const uint64_t digit = static_cast<uint64_t>(peek() - '0');
        if (v > (uint64_t{INT64_MAX} - digit) / 10)
          return Status::error(Code::kParseError,
                               ".npy: shape has a dimension too large to represent");
        v = v * 10 + digit;
        ++pos_;
      }
      eat('L');  // Python 2 longs ("3L"), written by old NumPy
      if (h.rank >= static_cast<int>(kMaxDim))
        return Status::error(Code::kParseError, ".npy: rank above %d is not supported",
                             Shape::kMaxRank);
      h.dims[h.rank++] = static_cast<int64_t>(v);
      ws();
      trailing_comma = eat(',');
      if (trailing_comma) continue;
      ws();
      if (eat(')')) break;
      return bad("expected ',' or ')' in 'shape'");
    }
    // Python's (3) is the integer 3, not a tuple: one entry needs its trailing comma.
    if (h.rank == 1 && !trailing_comma) return bad("'shape' (n) is not a tuple; write (n,)");
    return {};
  }

  const char* s_;
  size_t n_;
  size_t pos_ = 0;
};

enum class Kind { kF4, kF8, kI8, kI4, kU1, kI1, kB1 };
struct DType {
  const char* descr;
  Kind kind;
  size_t size;
};
constexpr DType kDTypes[] = {
    {"<f4", Kind::kF4, 4}, {"<f8", Kind::kF8, 8}, {"<i8", Kind::kI8, 8}, {"<i4", Kind::kI4, 4},
    {"|u1", Kind::kU1, 1}, {"|i1", Kind::kI1, 1}, {"|b1", Kind::kB1, 1},
};

Status check_integer(int64_t v, size_t index) {
  constexpr int64_t kExact = int64_t{1} << 24;
  if (v > kExact || v < -kExact)
    return Status::error(
        Code::kParseError,
        ".npy: integer %lld at element %zu is not exactly representable as float32 (|v| > 2^24)",
        static_cast<long long>(v), index);
  return {};
}

Status convert(Kind kind, const unsigned char* src, size_t count, float* dst) {
  switch (kind) {
    case Kind::kF4:
      if (count) std::memcpy(dst, src, count * 4);
      return {};
    case Kind::kF8:
      for (size_t i = 0; i < count; ++i) {
        double v;
        std::memcpy(&v, src + 8 * i, 8);
        if (std::isfinite(v) && std::fabs(v) > static_cast<double>(FLT_MAX))
          return Status::error(Code::kParseError,
                               ".npy: float64 value %g at element %zu is beyond float32's range", v,
                               i);
        dst[i] = static_cast<float>(v);
      }
      return {};
    case Kind::kI8:
      for (size_t i = 0; i < count; ++i) {
        int64_t v;
        std::memcpy(&v, src + 8 * i, 8);
        SALIENT_RETURN_IF_ERROR(check_integer(v, i));
        dst[i] = static_cast<float>(v);
      }
      return {};
    case Kind::kI4:
      for (size_t i = 0; i < count; ++i) {
        int32_t v;
        std::memcpy(&v, src + 4 * i, 4);
        SALIENT_RETURN_IF_ERROR(check_integer(v, i));
        dst[i] = static_cast<float>(v);
      }
      return {};
    case Kind::kU1:
      for (size_t i = 0; i < count; ++i) dst[i] = static_cast<float>(src[i]);
      return {};
    case Kind::kI1:
      for (size_t i = 0; i < count; ++i)
        dst[i] = static_cast<float>(static_cast<signed char>(src[i]));
      return {};
    case Kind::kB1:
      for (size_t i = 0; i < count; ++i) dst[i] = src[i] ? 1.0f : 0.0f;
      return {};
  }
  return Status::error(Code::kInternal, ".npy: unhandled dtype");
}

uint32_t read_le(const unsigned char* p, int bytes) {
  uint32_t v = 0;
  for (int i = bytes - 1; i >= 0; --i) v = (v << 8) | p[i];
  return v;
}

}  // namespace

Result<Array> parse_npy(const unsigned char* bytes, size_t size) {
  const size_t magic_seen = size < 6 ? size : 6;
  if (size == 0 || std::memcmp(bytes, kMagic, magic_seen) != 0)
    return Status::error(Code::kParseError, "not a .npy file (bad magic: expected \\x93NUMPY)");
  if (size < 8)
    return Status::error(Code::kParseError, ".npy: truncated header (the file has %zu bytes)",
                         size);
  const int major = bytes[6], minor = bytes[7];
  if (major < 1 || major > 3 || minor != 0)
    return Status::error(Code::kParseError,
                         ".npy: unsupported format version %d.%d (1.0, 2.0 and 3.0 are)", major,
                         minor);
  const int len_bytes = major == 1 ? 2 : 4;
  const size_t prefix = 8 + static_cast<size_t>(len_bytes);
  if (size < prefix)
    return Status::error(Code::kParseError, ".npy: truncated header (the file has %zu bytes)",
                         size);
  const size_t header_len = read_le(bytes + 8, len_bytes);
  if (header_len > size - prefix)
    return Status::error(
        Code::kParseError,
        ".npy: truncated header (the header needs %zu bytes, the file has %zu after the prefix)",
        header_len, size - prefix);

  Header h;
  HeaderParser parser(reinterpret_cast<const char*>(bytes + prefix), header_len);
  SALIENT_RETURN_IF_ERROR(parser.parse(h));
  if (h.fortran_order)
    return Status::error(Code::kParseError,
                         ".npy: fortran_order True is not supported (save a C-order array, e.g. "
                         "np.ascontiguousarray)");

  const DType* dtype = nullptr;
  for (const DType& d : kDTypes)
    if (h.descr == d.descr) dtype = &d;
  if (!dtype) {
    // '<' and '|' (and '=' on this little-endian host) are little-endian or byte-order free.
    if (!h.descr.empty() && h.descr[0] == '>')
      return Status::error(
          Code::kParseError,
          ".npy: big-endian dtype '%.40s' is not supported (convert with arr.astype('<%.30s'))",
          h.descr.c_str(), h.descr.c_str() + 1);
    if (h.descr.size() >= 2 && h.descr[0] == '=')
      for (const DType& d : kDTypes)
        if (h.descr.compare(1, std::string::npos, d.descr + 1) == 0) dtype = &d;
    if (!dtype)
      return Status::error(
          Code::kParseError,
          ".npy: unsupported dtype '%.40s' (supported: <f4, <f8, <i8, <i4, |u1, |i1, |b1)",
          h.descr.c_str());
  }
  if (h.rank > Shape::kMaxRank)
    return Status::error(Code::kParseError, ".npy: rank %d is not supported (at most %d)", h.rank,
                         Shape::kMaxRank);

  Array a;
  a.dtype = dtype->descr;
  a.shape.rank = h.rank;
  uint64_t count = 1;
  for (int i = 0; i < h.rank; ++i) {
    a.shape[i] = h.dims[i];
    if (__builtin_mul_overflow(count, static_cast<uint64_t>(h.dims[i]), &count))
      return Status::error(Code::kParseError, ".npy: shape %s overflows",
                           ShapeStr(a.shape).c_str());
  }
  uint64_t data_bytes = 0;
  if (__builtin_mul_overflow(count, static_cast<uint64_t>(dtype->size), &data_bytes) ||
      count > INT64_MAX)
    return Status::error(Code::kParseError, ".npy: shape %s overflows", ShapeStr(a.shape).c_str());
  const size_t available = size - prefix - header_len;
  if (data_bytes > available)
    return Status::error(Code::kParseError,
                         ".npy: truncated data: shape %s of '%s' needs %llu bytes, the file has "
                         "%zu after the header",
                         ShapeStr(a.shape).c_str(), dtype->descr,
                         static_cast<unsigned long long>(data_bytes), available);
  if (data_bytes < available)
    return Status::error(
        Code::kParseError, ".npy: %zu bytes of trailing data after the %s array of '%s'",
        available - static_cast<size_t>(data_bytes), ShapeStr(a.shape).c_str(), dtype->descr);
  a.data.resize(static_cast<size_t>(count));
  SALIENT_RETURN_IF_ERROR(
      convert(dtype->kind, bytes + prefix + header_len, static_cast<size_t>(count), a.data.data()));
  return a;
}

Result<Array> read_npy(const char* path) {
  Result<std::vector<unsigned char>> bytes = read_file_bytes(path);
  if (!bytes.ok()) return bytes.status();
  return parse_npy(bytes->data(), bytes->size());
}

Result<std::vector<unsigned char>> encode_npy(const float* data, const Shape& shape) {
  if (shape.rank < 0 || shape.rank > Shape::kMaxRank)
    return Status::error(Code::kInvalidArgument, "write_npy: rank %d is not in [0, %d]", shape.rank,
                         Shape::kMaxRank);
  for (int i = 0; i < shape.rank; ++i)
    if (shape[i] < 0)
      return Status::error(Code::kInvalidArgument, "write_npy: shape %s has a negative size",
                           ShapeStr(shape).c_str());
  const int64_t count = shape.numel();
  if (count > 0 && !data)
    return Status::error(Code::kInvalidArgument, "write_npy: no data for shape %s",
                         ShapeStr(shape).c_str());
  std::string header = "{'descr': '<f4', 'fortran_order': False, 'shape': (";
  for (int i = 0; i < shape.rank; ++i) {
    char num[32];
    std::snprintf(num, sizeof num, "%lld", static_cast<long long>(shape[i]));
    if (i) header += ", ";
    header += num;
  }
  if (shape.rank == 1) header += ',';
  header += "), }";
  // Pad with spaces so that magic (6) + version (2) + length (2) + header + '\n' is a multiple
  // of 64.
  const size_t unpadded = 10 + header.size() + 1;
  header.append((64 - unpadded % 64) % 64, ' ');
  header += '\n';
  std::vector<unsigned char> out;
  out.reserve(10 + header.size() + static_cast<size_t>(count) * 4);
  out.insert(out.end(), kMagic, kMagic + 6);
  out.push_back(1);
  out.push_back(0);
  out.push_back(static_cast<unsigned char>(header.size() & 0xFF));
  out.push_back(static_cast<unsigned char>(header.size() >> 8));
  out.insert(out.end(), header.begin(), header.end());
  const unsigned char* raw = reinterpret_cast<const unsigned char*>(data);
  if (count > 0) out.insert(out.end(), raw, raw + count * 4);
  return out;
}

Status write_npy(const char* path, const float* data, const Shape& shape) {
  Result<std::vector<unsigned char>> bytes = encode_npy(data, shape);
  if (!bytes.ok()) return bytes.status();
  return write_file_bytes(path, bytes->data(), bytes->size());
}

Status write_npy(const char* path, const Array& array) {
  if (static_cast<int64_t>(array.data.size()) != array.shape.numel())
    return Status::error(Code::kInvalidArgument, "write_npy: %zu values for shape %s",
                         array.data.size(), ShapeStr(array.shape).c_str());
  return write_npy(path, array.data.data(), array.shape);
}

Status write_npy_scalar(const char* path, float value) { return write_npy(path, &value, Shape()); }

}  // namespace salient::io
