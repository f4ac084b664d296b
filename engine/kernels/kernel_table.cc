// The kernel tables. The scalar reference fills every slot; the table for an ISA then replaces each
// slot by the first variant in the lists (list/*.inc, best first) that the ISA allows, so the
// reference is last in dispatch. One table per ISA is built once; kernels() serves the one for
// active_isa() (cpuid capped by SALIENT_MAX_ISA / set_max_isa).
#include "ref/ref_kernels.h"
#include "salient/kernels.h"
#include "variants.h"

namespace salient {
namespace {

constexpr KernelTable kReference = {
    "scalar",
    ref::sgemm,
    ref::sgemm_fused,
    ref::add_row_vector,
    ref::sum_rows_accumulate,
    ref::conv2d_forward,
    ref::conv2d_backward_data,
    ref::conv2d_backward_weights,
    ref::maxpool2d_forward,
    ref::avgpool2d_forward,
    ref::avgpool2d_backward,
    ref::maxpool2d_backward,
    ref::relu,
    ref::tanh,
    ref::sigmoid,
    ref::relu_backward,
    ref::tanh_backward,
    ref::sigmoid_backward,
    ref::softmax_rows,
    ref::log_softmax_rows,
    ref::softmax_rows_backward,
    ref::log_softmax_rows_backward,
    ref::add,
    ref::mul,
    ref::accumulate,
    ref::mul_accumulate,
    ref::gru_gates_forward,
    ref::gru_gates_backward,
    ref::channel_mean_var,
    ref::channel_affine,
    ref::batchnorm_backward,
    ref::cross_entropy_rows,
    ref::cross_entropy_rows_backward,
    ref::bce_with_logits,
    ref::bce_with_logits_backward,
    ref::squared_difference,
    ref::scaled_difference_accumulate,
};

KernelTable table_for(Isa isa) {
  KernelTable t = kReference;
  t.isa = isa_name(isa);
#define SALIENT_KERNEL(slot, variant_isa, function) \
  if (isa_within(Isa::variant_isa, isa) && t.slot == kReference.slot) t.slot = kern::function;
#include "list/sgemm.inc"
#include "list/conv.inc"
#include "list/activations.inc"
#include "list/pool.inc"
#include "list/batchnorm.inc"
#undef SALIENT_KERNEL
  return t;
}

struct Tables {
  KernelTable by_isa[sizeof kAllIsas / sizeof kAllIsas[0]];
  Tables() {
    for (Isa isa : kAllIsas) by_isa[static_cast<int>(isa)] = table_for(isa);
  }
};

}  // namespace

const KernelTable& reference_kernels() { return kReference; }
const KernelTable* kernels_for(Isa isa) {
  static const Tables tables;
  return isa_within(isa, cpu_isa()) ? &tables.by_isa[static_cast<int>(isa)] : nullptr;
}

const KernelTable& kernels() { return *kernels_for(active_isa()); }

}  // namespace salient
