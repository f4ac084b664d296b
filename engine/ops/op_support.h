// Helpers shared by the op implementations (internal).
#pragma once

#include <initializer_list>

#include "salient/graph.h"
#include "salient/rules.h"
#include "salient/tensor.h"

namespace salient::ops {

/// False if the graph already failed or any tensor is invalid (an earlier op failed).
inline bool usable(const Graph& g, std::initializer_list<const Tensor*> ts) {
  if (!g.ok()) return false;
  for (const Tensor* t : ts)
    if (t && !t->valid()) return false;
  return true;
}

/// Whether a value computed from these inputs needs a gradient.
inline bool any_requires_grad(const Graph& g, std::initializer_list<const Tensor*> ts) {
  for (const Tensor* t : ts)
    if (t && g.value(t->id).requires_grad) return true;
  return false;
}

/// Fails the graph with an invalid-argument message; returns an invalid tensor.
Tensor reject(Graph& g, const char* format, ...) __attribute__((format(printf, 2, 3)));

}  // namespace salient::ops
