// Helpers for the file-format tests: temp paths, raw byte writers, message checks.
#pragma once

#include <gtest/gtest.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "salient/status.h"

namespace salient::io::testing_util {

/// A path in GoogleTest's temp dir, unique per test ("<Suite>_<Test>_<name>").
inline std::string temp_path(const std::string& name) {
  const ::testing::TestInfo* info = ::testing::UnitTest::GetInstance()->current_test_info();
  std::string dir = ::testing::TempDir();
  if (!dir.empty() && dir.back() != '/') dir += '/';
  return dir + "salient_io_" + info->test_suite_name() + "_" + info->name() + "_" + name;
}

inline void write_bytes(const std::string& path, const std::vector<unsigned char>& bytes) {
  std::FILE* f = std::fopen(path.c_str(), "wb");
  ASSERT_NE(f, nullptr) << path;
  if (!bytes.empty()) {
    ASSERT_EQ(std::fwrite(bytes.data(), 1, bytes.size(), f), bytes.size());
  }
  ASSERT_EQ(std::fclose(f), 0);
}

inline std::vector<unsigned char> read_bytes(const std::string& path) {
  std::vector<unsigned char> out;
  std::FILE* f = std::fopen(path.c_str(), "rb");
  if (!f) return out;
  unsigned char buf[4096];
  size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, f)) > 0) out.insert(out.end(), buf, buf + n);
  std::fclose(f);
  return out;
}

inline void append(std::vector<unsigned char>& out, const std::string& s) {
  out.insert(out.end(), s.begin(), s.end());
}

template <class T>
void append_pod(std::vector<unsigned char>& out, const T& v) {
  const unsigned char* p = reinterpret_cast<const unsigned char*>(&v);
  out.insert(out.end(), p, p + sizeof(T));
}

inline bool contains(const Status& s, const std::string& part) {
  return std::string(s.message()).find(part) != std::string::npos;
}

inline const Status& status_of(const Status& s) { return s; }
template <class T>
const Status& status_of(const Result<T>& r) {
  return r.status();
}

/// tests/fixtures (from this file's location), or $SALIENT_FIXTURES.
inline std::string fixtures_dir() {
  if (const char* env = std::getenv("SALIENT_FIXTURES")) return env;
  std::string here = __FILE__;  // .../tests/io/io_test_util.h
  const size_t slash = here.rfind('/');
  const size_t parent = here.rfind('/', slash - 1);
  return here.substr(0, parent) + "/fixtures";
}

}  // namespace salient::io::testing_util

/// EXPECT that a Status/Result failed with a message containing `part`.
#define EXPECT_ERROR_CONTAINS(result, part)                                                   \
  do {                                                                                        \
    const auto& salient_r_ = (result);                                                        \
    EXPECT_FALSE(salient_r_.ok()) << "expected an error containing: " << (part);              \
    const ::salient::Status& salient_s_ = ::salient::io::testing_util::status_of(salient_r_); \
    if (!salient_s_.ok()) {                                                                   \
      EXPECT_TRUE(::salient::io::testing_util::contains(salient_s_, (part)))                  \
          << "message: " << salient_s_.message() << "\nexpected to contain: " << (part);      \
    }                                                                                         \
  } while (0)
