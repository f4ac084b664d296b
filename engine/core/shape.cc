#include "salient/shape.h"

#include <cstdio>

#include "salient/assert.h"

namespace salient {

Shape::Shape(std::initializer_list<int64_t> d) {
  SALIENT_ASSERT(d.size() <= static_cast<size_t>(kMaxRank));
  for (int64_t v : d) dims[rank++] = v;
}

int64_t Shape::numel() const { return numel_from(0); }

int64_t Shape::numel_from(int from) const {
  int64_t n = 1;
  for (int i = from; i < rank; ++i) n *= dims[i];
  return n;
}

bool Shape::operator==(const Shape& o) const {
  if (rank != o.rank) return false;
  for (int i = 0; i < rank; ++i)
    if (dims[i] != o.dims[i]) return false;
  return true;
}

const char* Shape::str(char* buf, int size) const {
  int used = std::snprintf(buf, size, "[");
  for (int i = 0; i < rank && used < size; ++i)
    used += std::snprintf(buf + used, size - used, i ? ", %lld" : "%lld",
                          static_cast<long long>(dims[i]));
  if (used < size) std::snprintf(buf + used, size - used, "]");
  return buf;
}

}  // namespace salient
