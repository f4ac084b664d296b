// The bytes of data/digits/digits.npy, compiled into the library: CMake's
// data/cmake/embed_file.cmake writes them into a generated source at build time.
#pragma once

#include <cstddef>

namespace salient::data::detail {

extern const unsigned char kDigitsNpy[];
extern const size_t kDigitsNpySize;

}  // namespace salient::data::detail
