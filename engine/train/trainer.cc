// The training loop: shuffled batches, forward_train in a training graph, mean cross-entropy,
// backward for the parameter gradients, one optimiser step per batch.
#include "salient/trainer.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <vector>

#include "salient/augment.h"
#include "salient/graph.h"
#include "salient/metrics.h"
#include "salient/ops.h"
#include "salient/optimizer.h"
#include "salient/random.h"
#include "salient/rules.h"

namespace salient {
namespace {

// Samples per forward pass when evaluating.
constexpr int64_t kEvalChunk = 64;

Status check_data(const TrainData& d) {
  const bool per_step = d.y_shape.rank == 2;
  if (d.x_shape.rank < 2 || d.y_shape.rank < 1 || d.y_shape.rank > 2 || d.y_shape[0] != d.x_shape[0] ||
      (per_step && (d.x_shape.rank < 3 || d.y_shape[1] != d.x_shape[1])))
    return Status::error(Code::kInvalidArgument,
                         "labels %s do not fit inputs %s (expected [N] or, per step, [N, T] for [N, T, ...])",
                         ShapeStr(d.y_shape).c_str(), ShapeStr(d.x_shape).c_str());
  return {};
}

// One optimiser behind a common step call.
struct AnyOptimizer {
  bool adam;
  Adam a;
  Sgd s;
  Status step(Model& m, const float* const* grads) { return adam ? a.step(m, grads) : s.step(m, grads); }
  void set_lr(double lr) { adam ? a.set_lr(lr) : s.set_lr(lr); }
};

// Copies samples `index[0..count)` of x (only the first `steps` steps of a sequence) into out.
void gather(const TrainData& d, const int64_t* index, int64_t count, int64_t steps, std::vector<float>& out) {
  const int64_t per_sample = d.x_shape.numel_from(1);
  const int64_t per_step = d.x_shape.rank >= 3 ? d.x_shape.numel_from(2) : per_sample;
  const int64_t copy = d.y_shape.rank == 2 ? steps * per_step : per_sample;
  out.resize(static_cast<size_t>(count * copy));
  for (int64_t i = 0; i < count; ++i)
    std::memcpy(out.data() + i * copy, d.x + index[i] * per_sample, sizeof(float) * copy);
}

}  // namespace

double learning_rate_at(const TrainOptions& o, int64_t b, int64_t total) {
  if (o.schedule != "cosine") return o.lr;
  return o.lr * 0.5 * (1.0 + std::cos(3.14159265358979323846 * static_cast<double>(b) / static_cast<double>(total)));
}

Status train_classifier(Model& model, const TrainData& data, int64_t n_train, const TrainOptions& o,
                        TrainProgress progress, void* progress_context) {
  SALIENT_RETURN_IF_ERROR(check_data(data));
  if (n_train < 1 || n_train > data.x_shape[0])
    return Status::error(Code::kInvalidArgument, "train: %lld training samples of %lld", static_cast<long long>(n_train),
                         static_cast<long long>(data.x_shape[0]));
  if (o.epochs < 1 || o.batch < 1)
    return Status::error(Code::kInvalidArgument, "train: epochs = %d and batch = %d must be >= 1", o.epochs, o.batch);
  if (o.max_shift < 0 || (o.max_shift > 0 && data.x_shape.rank != 4))
    return Status::error(Code::kInvalidArgument, "train: max_shift = %d needs >= 0 and image inputs [N, C, H, W], got %s",
                         o.max_shift, ShapeStr(data.x_shape).c_str());
  if (o.schedule != "constant" && o.schedule != "cosine")
    return Status::error(Code::kInvalidArgument, "train: schedule '%s' is not constant or cosine", o.schedule.c_str());
  if (o.optimizer != "adam" && o.optimizer != "sgd")
    return Status::error(Code::kInvalidArgument, "train: optimizer '%s' is not adam or sgd", o.optimizer.c_str());
  AnyOptimizer opt{o.optimizer == "adam", Adam(AdamOptions{.lr = o.lr, .weight_decay = o.weight_decay}),
                   Sgd(SgdOptions{.lr = o.lr, .momentum = o.momentum, .weight_decay = o.weight_decay})};

  const bool per_step = data.y_shape.rank == 2;
  const int64_t steps = per_step ? data.y_shape[1] : 1;
  Rng rng(o.seed);
  std::vector<int64_t> order(static_cast<size_t>(n_train));
  for (int64_t i = 0; i < n_train; ++i) order[i] = i;
  const size_t n_params = model.parameters().size();
  std::vector<Tensor> params(n_params);
  std::vector<const float*> grads(n_params);
  std::vector<float> xb, yb;
  Arena arena(size_t{64} << 20);
  const int64_t batches = (n_train + o.batch - 1) / o.batch;
  for (int epoch = 1; epoch <= o.epochs; ++epoch) {
    for (int64_t i = n_train - 1; i > 0; --i) std::swap(order[i], order[rng.below(static_cast<uint64_t>(i + 1))]);
    double loss_sum = 0.0;
    for (int64_t b = 0; b < batches; ++b) {
      const int64_t start = b * o.batch;
      const int64_t count = std::min<int64_t>(o.batch, n_train - start);
      const int64_t t = per_step && o.random_prefix ? static_cast<int64_t>(rng.below(static_cast<uint64_t>(steps))) : -1;
      const int64_t used_steps = t >= 0 ? t + 1 : steps;
      gather(data, order.data() + start, count, used_steps, xb);
      if (o.max_shift > 0) shift_images(xb.data(), count, data.x_shape, o.max_shift, rng);
      // Labels: [count] for per-sample data and prefix training (step t), else [count, T].
      const int64_t per_label = per_step && t < 0 ? steps : 1;
      yb.resize(static_cast<size_t>(count * per_label));
      for (int64_t i = 0; i < count; ++i)
        for (int64_t s = 0; s < per_label; ++s)
          yb[i * per_label + s] = data.y[order[start + i] * steps + (t >= 0 ? t : s)];

      arena.reset();
      Graph g(arena, GraphOptions{.record = true, .training = true, .param_grads = true, .seed = rng.next_u64()});
      Shape xs = data.x_shape;
      xs[0] = count;
      if (per_step) xs[1] = used_steps;
      Tensor out = model.forward_train(g, g.input(xb.data(), xs), params.data());
      if (t >= 0) out = time_step(g, out, t);
      Tensor loss = cross_entropy(g, out, g.input(yb.data(), per_label > 1 ? Shape{count, per_label} : Shape{count}));
      if (!g.ok()) return g.status();
      SALIENT_RETURN_IF_ERROR(g.backward(loss, nullptr, gradient_rules()));
      for (size_t i = 0; i < n_params; ++i) grads[i] = g.grad(params[i]);
      opt.set_lr(learning_rate_at(o, (epoch - 1) * batches + b, o.epochs * batches));
      SALIENT_RETURN_IF_ERROR(opt.step(model, grads.data()));
      loss_sum += loss.data[0];
      if (!std::isfinite(loss.data[0]))
        return Status::error(Code::kInternal, "train: the loss became %g at epoch %d (lower lr?)", loss.data[0], epoch);
      if (progress) progress(progress_context, epoch, (epoch - 1) * batches + b + 1, o.epochs * batches, loss_sum / (b + 1));
    }
  }
  return {};
}

Result<Evaluation> evaluate_classifier(const Model& model, const TrainData& data, int64_t begin, int64_t end) {
  SALIENT_RETURN_IF_ERROR(check_data(data));
  if (begin < 0 || end > data.x_shape[0] || begin >= end)
    return Status::error(Code::kInvalidArgument, "evaluate: samples [%lld, %lld) of %lld", static_cast<long long>(begin),
                         static_cast<long long>(end), static_cast<long long>(data.x_shape[0]));
  const int64_t steps = data.y_shape.rank == 2 ? data.y_shape[1] : 1;
  const int64_t per_sample = data.x_shape.numel_from(1);
  std::vector<float> margins, labels;
  int64_t correct = 0;
  int64_t classes = 0;
  Arena arena;
  for (int64_t start = begin; start < end; start += kEvalChunk) {
    const int64_t count = std::min(kEvalChunk, end - start);
    Shape xs = data.x_shape;
    xs[0] = count;
    arena.reset();
    Graph g(arena, GraphOptions{.record = false});
    Tensor out = model.forward(g, g.input(data.x + start * per_sample, xs));
    if (!g.ok()) return g.status();
    if (out.numel() != count * steps * out.shape.back())
      return Status::error(Code::kInvalidArgument, "evaluate: model output %s does not fit labels %s",
                           ShapeStr(out.shape).c_str(), ShapeStr(data.y_shape).c_str());
    classes = out.shape.back();
    for (int64_t r = 0; r < count * steps; ++r) {
      const float* row = out.data + r * classes;
      int64_t best = 0;
      for (int64_t c = 1; c < classes; ++c)
        if (row[c] > row[best]) best = c;
      const float label = data.y[start * steps + r];
      correct += static_cast<float>(best) == label;
      if (classes == 2) {
        margins.push_back(row[1] - row[0]);
        labels.push_back(label);
      }
    }
  }
  const int64_t count = (end - begin) * steps;
  return Evaluation{static_cast<double>(correct) / static_cast<double>(count),
                    classes == 2 ? binary_auroc(margins.data(), labels.data(), count) : std::nan(""), count};
}

}  // namespace salient
