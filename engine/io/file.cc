// Whole-file I/O through stdio (works in the embedded build, where there is a file system).
#include "salient/io/file.h"

#include <cerrno>
#include <cstdio>
#include <cstring>

namespace salient::io {

Result<std::vector<unsigned char>> read_file_bytes(const char* path) {
  std::FILE* f = std::fopen(path, "rb");
  if (!f)
    return Status::error(Code::kIoError, "cannot open '%.160s': %s", path, std::strerror(errno));
  std::vector<unsigned char> bytes;
  size_t used = 0;
  for (;;) {
    if (bytes.size() - used < 65536) bytes.resize(used + (used < 65536 ? 65536 : used));
    const size_t got = std::fread(bytes.data() + used, 1, bytes.size() - used, f);
    used += got;
    if (got == 0) break;
  }
  const bool failed = std::ferror(f) != 0;
  const int err = errno;
  std::fclose(f);
  if (failed)
    return Status::error(Code::kIoError, "cannot read '%.160s': %s", path, std::strerror(err));
  bytes.resize(used);
  bytes.shrink_to_fit();
  return bytes;
}

Status write_file_bytes(const char* path, const void* data, size_t size) {
  std::FILE* f = std::fopen(path, "wb");
  if (!f)
    return Status::error(Code::kIoError, "cannot create '%.160s': %s", path, std::strerror(errno));
  const bool wrote = size == 0 || std::fwrite(data, 1, size, f) == size;
  const int err = errno;
  const bool closed = std::fclose(f) == 0;
  if (!wrote || !closed)
    return Status::error(Code::kIoError, "cannot write '%.160s': %s", path,
                         std::strerror(wrote ? errno : err));
  return {};
}

}  // namespace salient::io
