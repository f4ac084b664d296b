// Shape: the dimensions of a float32, contiguous, row-major tensor of rank 0 to 5 (SPEC §3).
#pragma once

#include <cstdint>
#include <initializer_list>

namespace salient {

struct Shape {
  static constexpr int kMaxRank = 5;

  int rank = 0;
  int64_t dims[kMaxRank] = {0, 0, 0, 0, 0};

  Shape() = default;
  Shape(std::initializer_list<int64_t> d);  // asserts rank <= kMaxRank

  int64_t operator[](int i) const { return dims[i]; }
  int64_t& operator[](int i) { return dims[i]; }
  /// dims[rank + i] for negative i (so back(-1) is the last dimension).
  int64_t back(int i = -1) const { return dims[rank + i]; }

  /// Product of all dimensions (1 for rank 0).
  int64_t numel() const;
  /// Product of dims[from..rank).
  int64_t numel_from(int from) const;

  bool operator==(const Shape& o) const;
  bool operator!=(const Shape& o) const { return !(*this == o); }

  /// "[2, 3, 4]" into buf (always terminated); returns buf.
  const char* str(char* buf, int size) const;
};

/// Formats a shape for messages: `ShapeStr(s).c_str()`.
struct ShapeStr {
  explicit ShapeStr(const Shape& s) { s.str(text, sizeof text); }
  const char* c_str() const { return text; }
  char text[96];
};

}  // namespace salient
