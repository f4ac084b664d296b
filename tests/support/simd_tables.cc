#include "simd_tables.h"

#include "salient/isa.h"

namespace salient::testing_kernels {

std::vector<const KernelTable*> simd_tables() {
  std::vector<const KernelTable*> tables;
  for (Isa isa : kAllIsas)
    if (isa != Isa::kScalar && kernels_for(isa)) tables.push_back(kernels_for(isa));
  return tables;
}

}  // namespace salient::testing_kernels
