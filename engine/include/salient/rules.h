// Backward rules (SPEC §2.2). Backward walks the tape in reverse and, for each node, calls the rule
// that the active RuleSet assigns to the node's layer name (an override) or else to its op kind.
// The exact gradient is simply the default RuleSet; explainers copy it and replace entries.
//
// A rule reads the node's upstream signal grad_out and ADDS its contribution into the buffer of
// each input that wants one (grad_in returns nullptr for inputs that need no signal).
#pragma once

#include "salient/graph.h"
#include "salient/node.h"
#include "salient/op_kind.h"

namespace salient {

class BackwardContext {
 public:
  BackwardContext(Graph& graph, const float* const* grads) : graph_(graph), grads_(grads) {}

  /// Upstream signal of the node's output (shape of the output value).
  const float* grad_out(const Node& n) const { return grads_[n.out]; }
  /// Accumulation buffer for input slot i, or nullptr if that input takes no signal.
  float* grad_in(const Node& n, int i);
  const Value& value(int32_t id) const { return graph_.value(id); }
  const Value& input(const Node& n, int i) const { return graph_.value(n.in[i]); }
  const Value& output(const Node& n) const { return graph_.value(n.out); }
  const KernelTable& kernels() const { return graph_.kernels(); }
  /// Scratch memory for the rule (lives until the arena is reset).
  Arena& arena() { return graph_.arena(); }
  Graph& graph() { return graph_; }
  /// Reports an error (e.g. out of scratch memory); backward stops after this node.
  void fail(const Status& s) { graph_.fail(s); }

 private:
  Graph& graph_;
  const float* const* grads_;
};

/// A rule: a function plus the parameters it reads (owned by whoever built the RuleSet).
using RuleFn = void (*)(const Node& node, BackwardContext& ctx, const void* params);
struct Rule {
  RuleFn fn = nullptr;
  const void* params = nullptr;
  const char* name = "";  // for messages and docs, e.g. "gradient", "lrp-epsilon"
};

/// Rules by op kind plus per-layer overrides. Plain data: copy it and replace entries.
struct RuleSet {
  static constexpr int kMaxOverrides = 16;
  static constexpr int kMaxLayerName = 64;

  struct Override {
    char layer[kMaxLayerName];
    OpKind kind;  // OpKind::kCount: every node of the layer
    Rule rule;
  };

  Rule by_kind[kOpKindCount];
  Override overrides[kMaxOverrides];
  int override_count = 0;

  void set(OpKind kind, Rule rule) { by_kind[static_cast<int>(kind)] = rule; }
  /// Assigns `rule` to the nodes of layer `layer` (only those of `kind` unless kind is kCount).
  /// A later override of the same layer and kind replaces the earlier one.
  Status set_layer(const char* layer, Rule rule, OpKind kind = OpKind::kCount);
  /// The rule for a node of `kind` in layer `layer` ("" for none).
  const Rule& lookup(OpKind kind, const char* layer) const;
};

/// The exact chain rule for every op: backward with it computes true gradients.
const RuleSet& gradient_rules();

}  // namespace salient
