// Graph: the context of one forward (and backward) pass. It owns nothing but pointers into an
// Arena: the values (tensors) the ops produce, the tape of nodes, the layer names, and a sticky
// status. Ops never fail loudly: the first error is kept, later ops return invalid tensors, and
// the caller checks status() once at the API boundary.
#pragma once

#include <cstdint>

#include "salient/arena.h"
#include "salient/kernels.h"
#include "salient/node.h"
#include "salient/random.h"
#include "salient/status.h"
#include "salient/tensor.h"

namespace salient {

struct RuleSet;

struct GraphOptions {
  bool record = true;        // push nodes on the tape (false: inference only, no backward)
  bool training = false;     // dropout samples masks when true; identity when false
  bool param_grads = false;  // parameters require gradients (training); inputs decide for themselves
  uint64_t seed = 0;         // seeds the graph's Rng (dropout masks)
};

/// What the graph knows about each value.
struct Value {
  float* data;
  Shape shape;
  bool requires_grad;
};

/// A growable array in an arena (doubling; old storage is left to the arena).
template <class T>
struct ArenaArray {
  T* items = nullptr;
  int32_t size = 0;
  int32_t capacity = 0;
};

class Graph {
 public:
  explicit Graph(Arena& arena, GraphOptions options = {});
  Graph(const Graph&) = delete;
  Graph& operator=(const Graph&) = delete;

  // ---- values --------------------------------------------------------------------------------
  /// Registers caller-owned data (kept alive by the caller) as an input value.
  Tensor input(const float* data, const Shape& shape, bool requires_grad = false);
  /// Registers a parameter (weights); requires a gradient iff options.param_grads.
  Tensor param(const float* data, const Shape& shape);
  /// A new value with uninitialised arena storage; invalid (and the graph failed) on OOM.
  Tensor new_value(const Shape& shape, bool requires_grad);
  /// A new value that shares `source`'s storage under another shape (flatten, reshape, identity).
  Tensor alias(const Tensor& source, const Shape& shape);

  const Value& value(int32_t id) const { return values_.items[id]; }
  int32_t value_count() const { return values_.size; }

  // ---- tape ----------------------------------------------------------------------------------
  bool recording() const { return options_.record; }
  /// Appends a node of `kind` tagged with the current layer; nullptr when not recording or on OOM.
  Node* record(OpKind kind);
  const Node& node(int32_t i) const { return nodes_.items[i]; }
  int32_t node_count() const { return nodes_.size; }

  /// Nodes recorded between begin_layer(name) and end_layer() carry that layer name.
  void begin_layer(const char* name);
  void end_layer() { current_layer_ = -1; }
  /// The name of layer index i (Node::layer), or "" for -1.
  const char* layer_name(int32_t layer) const;

  // ---- backward ------------------------------------------------------------------------------
  /// Walks the tape in reverse from `output` with upstream signal `seed` (output's shape; null
  /// means all ones), calling for each node the rule that `rules` assigns to it. Afterwards
  /// grad(t) holds the propagated signal of every value that requires a gradient.
  Status backward(const Tensor& output, const float* seed, const RuleSet& rules);
  /// The propagated signal of `t` after backward (nullptr if none reached it).
  const float* grad(const Tensor& t) const;
  /// The accumulation buffer for value id (allocated zeroed on first use); nullptr if the value
  /// needs no gradient or memory ran out.
  float* grad_buffer(int32_t id);

  // ---- context -------------------------------------------------------------------------------
  bool ok() const { return status_.ok(); }
  const Status& status() const { return status_; }
  /// Keeps the first error; returns the graph's status.
  const Status& fail(const Status& s);
  bool training() const { return options_.training; }
  const GraphOptions& options() const { return options_; }
  Arena& arena() { return arena_; }
  const KernelTable& kernels() const { return *kernels_; }
  Rng& rng() { return rng_; }

 private:
  template <class T>
  bool push(ArenaArray<T>& array, const T& item);

  Arena& arena_;
  GraphOptions options_;
  const KernelTable* kernels_;
  Rng rng_;
  Status status_;
  ArenaArray<Value> values_;
  ArenaArray<Node> nodes_;
  ArenaArray<const char*> layer_names_;
  int32_t current_layer_ = -1;
  float** grads_ = nullptr;  // per value id, sized at backward
  int32_t grads_size_ = 0;
};

/// Tags the nodes recorded in its scope with a layer name.
class LayerScope {
 public:
  LayerScope(Graph& g, const char* name) : g_(g) { g_.begin_layer(name); }
  ~LayerScope() { g_.end_layer(); }
  LayerScope(const LayerScope&) = delete;
  LayerScope& operator=(const LayerScope&) = delete;

 private:
  Graph& g_;
};

}  // namespace salient
