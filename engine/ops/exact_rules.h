// The exact backward (chain rule) of every op, one per op file; gradient_rules() collects them.
#pragma once

#include "salient/rules.h"

namespace salient::ops {

void linear_gradient(const Node& n, BackwardContext& ctx, const void* params);
void conv_gradient(const Node& n, BackwardContext& ctx, const void* params);
void maxpool_gradient(const Node& n, BackwardContext& ctx, const void* params);
void avgpool_gradient(const Node& n, BackwardContext& ctx, const void* params);
void relu_gradient(const Node& n, BackwardContext& ctx, const void* params);
void tanh_gradient(const Node& n, BackwardContext& ctx, const void* params);
void sigmoid_gradient(const Node& n, BackwardContext& ctx, const void* params);
void softmax_gradient(const Node& n, BackwardContext& ctx, const void* params);
void log_softmax_gradient(const Node& n, BackwardContext& ctx, const void* params);
void pass_through_gradient(const Node& n, BackwardContext& ctx, const void* params);
void dropout_gradient(const Node& n, BackwardContext& ctx, const void* params);
void add_gradient(const Node& n, BackwardContext& ctx, const void* params);
void mul_gradient(const Node& n, BackwardContext& ctx, const void* params);
void gru_gradient(const Node& n, BackwardContext& ctx, const void* params);
void batchnorm_gradient(const Node& n, BackwardContext& ctx, const void* params);
void cross_entropy_gradient(const Node& n, BackwardContext& ctx, const void* params);
void bce_with_logits_gradient(const Node& n, BackwardContext& ctx, const void* params);
void mse_gradient(const Node& n, BackwardContext& ctx, const void* params);
void time_step_gradient(const Node& n, BackwardContext& ctx, const void* params);

}  // namespace salient::ops
