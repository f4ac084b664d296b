// Status and Result: errors as values at every API boundary (SPEC §2.5).
// A Status carries a code and a fixed-size message, so reporting an error never allocates
// and the type works unchanged in the embedded build (no exceptions, no RTTI).
#pragma once

#include <cstdarg>
#include <cstdio>
#include <new>
#include <utility>

#include "salient/assert.h"

namespace salient {

enum class Code : unsigned char {
  kOk = 0,
  kInvalidArgument,  // a shape, a parameter or an option the caller gave is wrong
  kOutOfMemory,      // an arena or the system ran out of memory
  kNotFound,         // a named thing (layer, file, key) does not exist
  kIoError,          // a file could not be read or written
  kParseError,       // a file or a value is malformed
  kUnimplemented,    // a valid request that this build does not support
  kInternal,         // a broken invariant that is not the caller's fault
};

const char* code_name(Code code);

class Status {
 public:
  static constexpr int kMaxMessage = 240;

  Status() = default;  // ok

  /// An error with a printf-style message; the message is truncated to kMaxMessage-1 chars.
  static Status error(Code code, const char* format, ...) __attribute__((format(printf, 2, 3)));

  bool ok() const { return code_ == Code::kOk; }
  Code code() const { return code_; }
  const char* message() const { return ok() ? "ok" : message_; }

 private:
  Code code_ = Code::kOk;
  char message_[kMaxMessage] = {0};
};

/// Either a value or an error Status.
template <class T>
class Result {
 public:
  Result(T value) : status_(), has_value_(true) { new (&storage_) T(std::move(value)); }
  Result(Status status) : status_(status), has_value_(false) {
    SALIENT_ASSERT(!status.ok() && "a Result without a value needs an error status");
  }
  Result(const Result&) = delete;
  Result& operator=(const Result&) = delete;
  Result(Result&& other) noexcept : status_(other.status_), has_value_(other.has_value_) {
    if (has_value_) new (&storage_) T(std::move(*other.ptr()));
  }
  ~Result() {
    if (has_value_) ptr()->~T();
  }

  bool ok() const { return has_value_; }
  const Status& status() const { return status_; }

  T& value() {
    SALIENT_ASSERT(has_value_);
    return *ptr();
  }
  const T& value() const {
    SALIENT_ASSERT(has_value_);
    return *ptr();
  }
  T& operator*() { return value(); }
  const T& operator*() const { return value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }

 private:
  T* ptr() { return reinterpret_cast<T*>(&storage_); }
  const T* ptr() const { return reinterpret_cast<const T*>(&storage_); }

  Status status_;
  bool has_value_;
  alignas(T) unsigned char storage_[sizeof(T)];
};

}  // namespace salient

/// Returns the status of `expr` from the enclosing function if it is an error.
#define SALIENT_RETURN_IF_ERROR(expr)            \
  do {                                           \
    ::salient::Status salient_status_ = (expr);  \
    if (!salient_status_.ok()) return salient_status_; \
  } while (0)
