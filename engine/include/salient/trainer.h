// Training and evaluating a classifier with cross-entropy (SPEC §5 `train`).
//
// Data: x [N, per-sample shape], y float class ids, either [N] (one label per sample; the model
// outputs [N, C]) or [N, T] (a label per step; the model outputs [N, T, C]). Samples [0, n_train)
// train, the rest evaluate.
#pragma once

#include <cstdint>
#include <string>

#include "salient/model.h"
#include "salient/status.h"

namespace salient {

struct TrainData {
  const float* x;
  Shape x_shape;
  const float* y;
  Shape y_shape;
};

struct TrainOptions {
  int epochs = 10;
  int batch = 32;
  std::string optimizer = "adam";  // "adam" or "sgd"
  double lr = 1e-3;
  double weight_decay = 0.0;  // L2 added to the gradient (torch.optim semantics)
  double momentum = 0.0;      // sgd only
  uint64_t seed = 0;          // shuffling, dropout masks, prefix lengths
  // Per-step labels: each batch trains on one random prefix x[:, :t+1] (t uniform in [0, T)) with
  // the loss on step t's label, the recipe of reference/timeseries.md §2; otherwise every step's
  // label counts.
  bool random_prefix = false;
  // Images ([N, C, H, W]): shift each training sample by a random (dy, dx) in
  // [−max_shift, max_shift]² pixels, zero-filling what enters (data augmentation); 0 = off.
  int max_shift = 0;
  // Learning-rate schedule over all batches b of B: "constant", or "cosine" with
  // lr_b = lr·(1 + cos(π·b/B))/2, which ends training on small steps.
  std::string schedule = "constant";
};

/// The learning rate of batch b (0-based) of `total` under o.schedule.
double learning_rate_at(const TrainOptions& o, int64_t b, int64_t total);

/// Called after every batch: epoch (from 1), batches done in total, batches in total, and the
/// running mean loss of the epoch.
using TrainProgress = void (*)(void* context, int epoch, int64_t done, int64_t total, double epoch_loss);

/// Trains `model` in place (Adam or SGD on the mean cross-entropy, batchnorm running statistics
/// updated), with batches of shuffled training samples; deterministic for a given seed.
Status train_classifier(Model& model, const TrainData& data, int64_t n_train, const TrainOptions& options,
                        TrainProgress progress = nullptr, void* progress_context = nullptr);

struct Evaluation {
  double accuracy;  // fraction of labels (samples, or steps) whose argmax class is right
  double auroc;     // binary problems: AUROC of the class-1 logit margin; NaN otherwise
  int64_t count;    // labels evaluated
};

/// Evaluates samples [begin, end) in inference mode (per-step models on whole sequences).
Result<Evaluation> evaluate_classifier(const Model& model, const TrainData& data, int64_t begin, int64_t end);

}  // namespace salient
