// Optimisers with PyTorch's semantics (torch.optim.SGD and torch.optim.Adam, defaults included).
// step(model, grads) updates the model's trainable parameters in place; grads holds one pointer
// per Model::parameters() entry (the gradient, same shape), or nullptr for "no gradient this step"
// (PyTorch's p.grad is None: the parameter and its state are left alone). Buffers such as
// batchnorm running statistics (Parameter::trainable == false) are never touched.
#pragma once

#include <cstdint>
#include <vector>

#include "salient/model.h"
#include "salient/status.h"

namespace salient {

// Hyper-parameters are doubles, like PyTorch's Python floats; the per-element arithmetic is float32
// with the scalars rounded to float, as PyTorch's CPU kernels do.
struct SgdOptions {
  double lr = 0.01;
  double momentum = 0.0;      // buf ← momentum·buf + g (buf starts as the first g)
  double weight_decay = 0.0;  // L2: g ← g + weight_decay·p
};

/// p ← p − lr·d with d = g + wd·p, or with momentum d = buf ← momentum·buf + d.
class Sgd {
 public:
  explicit Sgd(SgdOptions options) : options_(options) {}
  Status step(Model& model, const float* const* grads);
  /// Changes the learning rate for later steps (schedules).
  void set_lr(double lr) { options_.lr = lr; }

 private:
  SgdOptions options_;
  std::vector<float> momentum_;   // one slot per parameter element
  std::vector<char> started_;     // per parameter: momentum buffer initialised
};

struct AdamOptions {
  double lr = 1e-3;
  double beta1 = 0.9;
  double beta2 = 0.999;
  double eps = 1e-8;
  double weight_decay = 0.0;  // L2 added to the gradient (torch.optim.Adam, not AdamW)
};

/// g ← g + wd·p;  m ← β1·m + (1 − β1)·g;  v ← β2·v + (1 − β2)·g²;  with t this parameter's step,
/// p ← p − (lr / (1 − β1^t))·m / (√v / √(1 − β2^t) + eps).
class Adam {
 public:
  explicit Adam(AdamOptions options) : options_(options) {}
  Status step(Model& model, const float* const* grads);
  /// Changes the learning rate for later steps (schedules).
  void set_lr(double lr) { options_.lr = lr; }

 private:
  AdamOptions options_;
  std::vector<float> m_, v_;    // one slot per parameter element
  std::vector<int64_t> steps_;  // per parameter
};

}  // namespace salient
