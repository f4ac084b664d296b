// Declarations of every SIMD kernel variant, generated from the lists in list/: a variant has
// exactly the type of the KernelTable slot it fills.
#pragma once

#include <type_traits>

#include "salient/kernels.h"

namespace salient::kern {

#define SALIENT_KERNEL(slot, isa, function) \
  std::remove_pointer_t<decltype(KernelTable::slot)> function;
#include "list/sgemm.inc"
#include "list/conv.inc"
#include "list/activations.inc"
#include "list/pool.inc"
#include "list/batchnorm.inc"
#undef SALIENT_KERNEL

}  // namespace salient::kern
