// Formats a per-sample shape for people: 0 dims (any length) print as "any".
#pragma once

#include <string>

#include "salient/shape.h"

namespace salient::cli {

inline std::string shape_text(const Shape& s) {
  std::string out = "[";
  for (int i = 0; i < s.rank; ++i) {
    if (i) out += ", ";
    out += s[i] == 0 ? std::string("any") : std::to_string(s[i]);
  }
  return out + "]";
}

}  // namespace salient::cli
