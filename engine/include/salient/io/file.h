// Whole-file reads and writes with errors as values (the readers parse from memory).
#pragma once

#include <cstddef>
#include <vector>

#include "salient/status.h"

namespace salient::io {

/// The whole content of the file at `path`; kIoError naming the path and the system's reason.
Result<std::vector<unsigned char>> read_file_bytes(const char* path);

/// Creates or truncates `path` and writes `size` bytes; kIoError naming the path on failure.
Status write_file_bytes(const char* path, const void* data, size_t size);

}  // namespace salient::io
