#include "salient/graph.h"

#include <cstring>

#include "salient/rules.h"

namespace salient {

Graph::Graph(Arena& arena, GraphOptions options)
    : arena_(arena), options_(options), kernels_(&salient::kernels()), rng_(options.seed) {}

template <class T>
bool Graph::push(ArenaArray<T>& array, const T& item) {
  if (array.size == array.capacity) {
    const int32_t capacity = array.capacity ? array.capacity * 2 : 64;
    T* items = arena_.allocate_array<T>(static_cast<size_t>(capacity));
    if (!items) {
      fail(Status::error(Code::kOutOfMemory, "arena exhausted growing the graph to %d entries",
                         static_cast<int>(capacity)));
      return false;
    }
    if (array.size) std::memcpy(static_cast<void*>(items), array.items, sizeof(T) * array.size);
    array.items = items;
    array.capacity = capacity;
  }
  array.items[array.size++] = item;
  return true;
}

const Status& Graph::fail(const Status& s) {
  if (status_.ok() && !s.ok()) status_ = s;
  return status_;
}

Tensor Graph::input(const float* data, const Shape& shape, bool requires_grad) {
  if (!data) {
    fail(Status::error(Code::kInvalidArgument, "input data is null"));
    return {};
  }
  // Values are never written after creation; the cast only lets Tensor be one type.
  Value v{const_cast<float*>(data), shape, requires_grad};
  if (!push(values_, v)) return {};
  return Tensor{v.data, shape, values_.size - 1};
}

Tensor Graph::param(const float* data, const Shape& shape) {
  return input(data, shape, options_.param_grads);
}

Tensor Graph::new_value(const Shape& shape, bool requires_grad) {
  float* data = arena_.allocate_array<float>(static_cast<size_t>(shape.numel()));
  if (!data) {
    fail(Status::error(Code::kOutOfMemory, "arena exhausted allocating a tensor of shape %s",
                       ShapeStr(shape).c_str()));
    return {};
  }
  Value v{data, shape, requires_grad};
  if (!push(values_, v)) return {};
  return Tensor{data, shape, values_.size - 1};
}

Tensor Graph::alias(const Tensor& source, const Shape& shape) {
  SALIENT_ASSERT(source.valid() && shape.numel() == source.numel());
  Value v{source.data, shape, values_.items[source.id].requires_grad};
  if (!push(values_, v)) return {};
  return Tensor{source.data, shape, values_.size - 1};
}

Node* Graph::record(OpKind kind) {
  if (!options_.record) return nullptr;
  Node n;
  n.kind = kind;
  n.layer = current_layer_;
  if (!push(nodes_, n)) return nullptr;
  return &nodes_.items[nodes_.size - 1];
}

void Graph::begin_layer(const char* name) {
  const size_t len = std::strlen(name);
  char* copy = arena_.allocate_array<char>(len + 1);
  if (!copy) {
    fail(Status::error(Code::kOutOfMemory, "arena exhausted storing layer name '%s'", name));
    return;
  }
  std::memcpy(copy, name, len + 1);
  if (push(layer_names_, static_cast<const char*>(copy))) current_layer_ = layer_names_.size - 1;
}

const char* Graph::layer_name(int32_t layer) const {
  return layer < 0 ? "" : layer_names_.items[layer];
}

float* Graph::grad_buffer(int32_t id) {
  if (id < 0 || id >= grads_size_ || !values_.items[id].requires_grad) return nullptr;
  if (!grads_[id]) {
    grads_[id] = arena_.allocate_zeroed_floats(static_cast<size_t>(values_.items[id].shape.numel()));
    if (!grads_[id]) fail(Status::error(Code::kOutOfMemory, "arena exhausted allocating a gradient"));
  }
  return grads_[id];
}

const float* Graph::grad(const Tensor& t) const {
  if (t.id < 0 || t.id >= grads_size_) return nullptr;
  return grads_[t.id];
}

Status Graph::backward(const Tensor& output, const float* seed, const RuleSet& rules) {
  if (!ok()) return status_;
  if (!options_.record)
    return Status::error(Code::kInvalidArgument, "backward needs a graph that records its tape");
  if (!output.valid() || output.id >= values_.size)
    return Status::error(Code::kInvalidArgument, "backward from an invalid tensor");
  if (!values_.items[output.id].requires_grad)
    return Status::error(Code::kInvalidArgument,
                         "backward from a value that depends on no input requiring a gradient");

  grads_size_ = values_.size;
  grads_ = arena_.allocate_array<float*>(static_cast<size_t>(grads_size_));
  if (!grads_) return fail(Status::error(Code::kOutOfMemory, "arena exhausted starting backward"));
  for (int32_t i = 0; i < grads_size_; ++i) grads_[i] = nullptr;

  float* g_out = grad_buffer(output.id);
  if (!g_out) return status_;
  const int64_t n = output.numel();
  for (int64_t i = 0; i < n; ++i) g_out[i] = seed ? seed[i] : 1.0f;

  BackwardContext ctx(*this, grads_);
  for (int32_t i = nodes_.size - 1; i >= 0 && ok(); --i) {
    const Node& node = nodes_.items[i];
    if (!grads_[node.out]) continue;  // no signal reached this node's output
    const Rule& rule = rules.lookup(node.kind, layer_name(node.layer));
    if (!rule.fn) {
      return fail(Status::error(Code::kUnimplemented, "the rule set has no rule for %s (layer '%s')",
                                op_kind_name(node.kind), layer_name(node.layer)));
    }
    rule.fn(node, ctx, rule.params);
  }
  return status_;
}

}  // namespace salient
