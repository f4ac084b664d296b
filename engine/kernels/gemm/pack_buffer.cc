// Per-thread packing buffer (see pack_buffer.h).
#include "gemm/pack_buffer.h"

#include <new>

#include "salient/assert.h"

namespace salient::kern {

#if SALIENT_NO_THREADS

float* pack_buffer(size_t floats) {
  alignas(64) static float block[kStaticPackFloats];
  SALIENT_ASSERT(floats <= kStaticPackFloats);
  return block;
}

#else

namespace {

constexpr std::align_val_t kAlignment{64};

struct ThreadBuffer {
  float* data = nullptr;
  size_t size = 0;
  ~ThreadBuffer() { ::operator delete[](data, kAlignment); }
};

thread_local ThreadBuffer t_buffer;

}  // namespace

float* pack_buffer(size_t floats) {
  ThreadBuffer& b = t_buffer;
  if (b.size < floats) {
    ::operator delete[](b.data, kAlignment);
    b.data = static_cast<float*>(::operator new[](floats * sizeof(float), kAlignment));
    b.size = floats;
  }
  return b.data;
}

#endif

}  // namespace salient::kern
