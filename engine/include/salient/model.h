// Model: a sequential network built from a list of layers (SPEC §4's layer types). Each layer's
// forward records its nodes under the layer's name, so rule sets can override single layers.
// Parameters use PyTorch's names and layouts ("<layer>.weight", "<layer>.bias").
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "salient/graph.h"
#include "salient/op_kind.h"
#include "salient/ops.h"
#include "salient/status.h"

namespace salient {

/// Whether op kind `kind` can be a model layer (every kind except the binary add and mul).
bool is_layer_kind(OpKind kind);
/// The layer kind named `name` ("linear", "conv2d", ...: op_kind_name), or kNotFound naming it.
Result<OpKind> layer_kind_from_name(const char* name);

/// One layer's configuration. Fields a type does not use are ignored. 1-D layers use the .w
/// component of kernel/stride/padding.
struct Layer {
  std::string name;
  OpKind type = OpKind::kRelu;  // the op the layer runs (is_layer_kind)
  int in_features = 0, out_features = 0;  // linear
  int in_channels = 0, out_channels = 0;  // conv1d, conv2d
  Size2 kernel{1, 1}, stride{1, 1}, padding{0, 0};
  bool bias = true;  // linear, conv
  Shape shape;       // reshape: per-sample target (one entry may be -1)
  float p = 0.5f;    // dropout
  int input_size = 0, hidden_size = 0;  // gru
  bool all_steps = false;               // gru: output every step [N, T, H] ("all") or the last [N, H]
  int num_features = 0;                 // batchnorm1d (last dim), batchnorm2d (channels)
  float eps = 1e-5f, momentum = 0.1f;   // batchnorm

  static Layer linear(std::string name, int in_features, int out_features, bool bias = true);
  static Layer conv1d(std::string name, int in_channels, int out_channels, int kernel,
                      int stride = 1, int padding = 0, bool bias = true);
  static Layer conv2d(std::string name, int in_channels, int out_channels, Size2 kernel,
                      Size2 stride = {1, 1}, Size2 padding = {0, 0}, bool bias = true);
  /// Pools: stride 0 means stride = kernel (PyTorch's default).
  static Layer maxpool1d(std::string name, int kernel, int stride = 0);
  static Layer maxpool2d(std::string name, Size2 kernel, Size2 stride = {0, 0});
  static Layer avgpool1d(std::string name, int kernel, int stride = 0);
  static Layer avgpool2d(std::string name, Size2 kernel, Size2 stride = {0, 0});
  static Layer global_avgpool(std::string name);
  static Layer relu(std::string name);
  static Layer tanh(std::string name);
  static Layer sigmoid(std::string name);
  static Layer softmax(std::string name);
  static Layer log_softmax(std::string name);
  static Layer flatten(std::string name);
  static Layer reshape(std::string name, Shape per_sample);
  static Layer dropout(std::string name, float p);
  static Layer gru(std::string name, int input_size, int hidden_size, bool all_steps, bool bias = true);
  static Layer batchnorm1d(std::string name, int num_features, float eps = 1e-5f, float momentum = 0.1f);
  static Layer batchnorm2d(std::string name, int num_features, float eps = 1e-5f, float momentum = 0.1f);
};

/// A named parameter tensor inside the model's storage.
struct Parameter {
  std::string name;  // "<layer>.<param>", PyTorch's state_dict key ("conv1.weight", "gru.bias_hh_l0")
  Shape shape;
  size_t offset;     // into Model::parameter_data()
  bool trainable;    // false for batchnorm running statistics (buffers)
};

class Model {
 public:
  /// Validates the layers against the per-sample input shape (a 0 dim means "any length") and
  /// allocates zeroed parameters. Errors name the layer and the mismatch.
  static Result<Model> create(const Shape& input_shape, std::vector<Layer> layers);

  /// PyTorch's default initialisation: linear and conv weights and biases drawn from
  /// U(−1/√fan_in, 1/√fan_in) (kaiming_uniform with a = √5), fan_in = in_features or c_in·kh·kw;
  /// every GRU parameter from U(−1/√H, 1/√H); batchnorm weight 1, bias 0, running mean 0, var 1.
  void init_default(uint64_t seed);

  /// Runs every layer on x ([N, input_shape...]); each layer's nodes carry its name. If
  /// param_tensors is given (parameters().size() entries), it receives each parameter's tensor, so
  /// g.grad() can read parameter gradients after backward. Never modifies the model: in a training
  /// graph batchnorm uses batch statistics but leaves the running statistics alone.
  Tensor forward(Graph& g, const Tensor& x, Tensor* param_tensors = nullptr) const;
  /// Like forward, and in a training graph updates batchnorm running statistics (PyTorch's rule).
  Tensor forward_train(Graph& g, const Tensor& x, Tensor* param_tensors = nullptr);
  /// Output shape for an input batch shape, or an error naming the first bad layer.
  Result<Shape> output_shape(const Shape& input) const;
  /// The shape of layer `layer`'s output for an input batch shape (without the time dimension if
  /// the layer runs after with_output_step's selection), or kInvalidArgument naming the layer.
  Result<Shape> output_shape_at(const Shape& input, const char* layer) const;

  /// with_output_step's step for the last step of each sequence, whatever its length.
  static constexpr int64_t kLastStep = -1;
  /// A copy of a per-step model (output [N, T, C...]) whose output is step `step` of it, [N, C...]
  /// (y = out[:, step], or the last step for kLastStep): how explainers pick the time step they
  /// explain (SPEC §5 target_time). kInvalidArgument if the output is not per-step or step < −1;
  /// a step beyond a sequence's length fails when the model runs.
  /// The step is selected right after the last layer that mixes time steps, or after layer
  /// `keep_layer` (if it names one) when that comes later, so an explainer reading that layer sees
  /// all its steps. The layers after the selection map each step on its own (maps_each_step), so
  /// running them on the one step gives that step of running them on all, for 1/T of the work;
  /// a training graph still selects after the last layer (batch statistics and dropout masks span
  /// the steps there). The last step right after an all-steps GRU (not `keep_layer`) is that GRU's
  /// last-step output: it then runs with all_steps = false, the same hidden state without the
  /// [N, T, H] copy, its gradient buffer and a time_step node.
  Result<Model> with_output_step(int64_t step, const char* keep_layer = nullptr) const;
  /// with_output_step's step (kLastStep or t), or kNoStep for a model without a selection.
  static constexpr int64_t kNoStep = -2;
  int64_t output_step() const { return output_step_; }
  /// with_output_step's keep_layer ("" for none): with output_step(), what reproduces the selection
  /// on a model with the same layers (merge_batchnorm's).
  const std::string& kept_layer() const { return kept_layer_; }

  const Shape& input_shape() const { return input_shape_; }
  const std::vector<Layer>& layers() const { return layers_; }
  const Layer* layer(const char* name) const;
  const std::vector<Parameter>& parameters() const { return parameters_; }
  int64_t parameter_count() const { return static_cast<int64_t>(storage_.size()); }
  /// The parameter called `name` ("conv1.weight"), or nullptr.
  float* parameter(const char* name);
  const float* parameter(const char* name) const;
  float* parameter_data() { return storage_.data(); }
  const float* parameter_data() const { return storage_.data(); }

 private:
  struct LayerParams {
    int first = 0, count = 0;  // the layer's parameters are parameters_[first, first + count)
  };
  Model() = default;
  const Parameter* find(const char* name) const;
  Tensor run(Graph& g, const Tensor& x, Tensor* param_tensors, float* mutable_storage) const;
  // The batch shape of layers_[count − 1]'s output (of the input for 0), or with model_output of
  // the model's output (count = layers_.size()).
  Result<Shape> shape_after(const Shape& input, size_t count, bool model_output) const;

  Shape input_shape_;
  std::vector<Layer> layers_;
  std::vector<Parameter> parameters_;
  std::vector<LayerParams> layer_params_;  // one per layer
  std::vector<float> storage_;
  int64_t output_step_ = kNoStep;  // with_output_step's selection, or kNoStep
  std::string kept_layer_;         // with_output_step's keep_layer
  size_t step_after_ = 0;          // with_output_step selects after layers_[0, step_after_)
  bool gru_gives_step_ = false;    // layers_[step_after_ − 1] is a GRU run for its last step
};

/// Per-sample output shape of one layer for a per-sample input shape (0 dims = unknown length);
/// the validation behind Model::create.
Result<Shape> layer_output_shape(const Layer& layer, const Shape& per_sample);

/// Whether a layer of this kind, in an inference graph, maps each step of a per-step [N, T, ...]
/// input on its own (y[:, t] depends on x[:, t] only): linear, the activations, dropout and
/// batchnorm1d (all act on the last dim, or elementwise).
bool maps_each_step(OpKind kind);

}  // namespace salient
