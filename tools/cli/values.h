// Parsing option values and `--set key=value` settings, with errors that name the key.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace salient::cli {

bool parse_uint(const std::string& text, uint64_t* out);
bool parse_double(const std::string& text, double* out);  // finite values only
bool parse_bool(const std::string& text, bool* out);      // true/false, 1/0, yes/no

struct Setting {
  std::string key, value;
};

/// Splits each "key=value"; false with `problem` set for an entry without '=' or with an empty key.
bool split_settings(const std::vector<std::string>& raw, std::vector<Setting>* out, std::string* problem);

}  // namespace salient::cli
