// The SIMD kernel tables this CPU can run (every ISA but scalar that kernels_for() serves): what
// the *_variants tests compare against the scalar reference.
#pragma once

#include <vector>

#include "salient/kernels.h"

namespace salient::testing_kernels {

std::vector<const KernelTable*> simd_tables();

}  // namespace salient::testing_kernels
