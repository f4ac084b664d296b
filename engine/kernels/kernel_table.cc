// The kernel tables. Today the engine's table is the scalar reference; the per-ISA variants of the
// fast-kernel work plug their own tables in here, chosen once from cpuid (reference last).
#include "ref/ref_kernels.h"
#include "salient/kernels.h"

namespace salient {
namespace {

constexpr KernelTable kReference = {
    "scalar",
    ref::sgemm,
    ref::add_row_vector,
    ref::sum_rows_accumulate,
    ref::conv2d_forward,
    ref::conv2d_backward_data,
    ref::conv2d_backward_weights,
    ref::maxpool2d_forward,
    ref::avgpool2d_forward,
    ref::avgpool2d_backward,
    ref::scatter_add,
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
};

}  // namespace

const KernelTable& reference_kernels() { return kReference; }
const KernelTable& kernels() { return kReference; }

}  // namespace salient
