#include "values.h"

#include <cerrno>
#include <cmath>
#include <cstdlib>

namespace salient::cli {

bool parse_uint(const std::string& text, uint64_t* out) {
  if (text.empty() || text[0] == '-' || text[0] == '+') return false;
  errno = 0;
  char* end = nullptr;
  const unsigned long long v = std::strtoull(text.c_str(), &end, 10);
  if (errno != 0 || *end != '\0') return false;
  *out = v;
  return true;
}

bool parse_double(const std::string& text, double* out) {
  if (text.empty()) return false;
  errno = 0;
  char* end = nullptr;
  const double v = std::strtod(text.c_str(), &end);
  if (errno != 0 || *end != '\0' || !std::isfinite(v)) return false;
  *out = v;
  return true;
}

bool parse_bool(const std::string& text, bool* out) {
  if (text == "true" || text == "1" || text == "yes") {
    *out = true;
  } else if (text == "false" || text == "0" || text == "no") {
    *out = false;
  } else {
    return false;
  }
  return true;
}

bool split_settings(const std::vector<std::string>& raw, std::vector<Setting>* out, std::string* problem) {
  for (const std::string& r : raw) {
    const size_t eq = r.find('=');
    if (eq == std::string::npos || eq == 0) {
      *problem = "--set '" + r + "' is not key=value";
      return false;
    }
    out->push_back({r.substr(0, eq), r.substr(eq + 1)});
  }
  return true;
}

}  // namespace salient::cli
