#include "salient/rules.h"

#include <cstring>

namespace salient {

float* BackwardContext::grad_in(const Node& n, int i) {
  return n.in[i] < 0 ? nullptr : graph_.grad_buffer(n.in[i]);
}

Status RuleSet::set_layer(const char* layer, Rule rule, OpKind kind) {
  const size_t len = std::strlen(layer);
  if (len == 0 || len >= static_cast<size_t>(kMaxLayerName))
    return Status::error(Code::kInvalidArgument, "layer name '%s' must have 1 to %d characters",
                         layer, kMaxLayerName - 1);
  for (int i = 0; i < override_count; ++i) {
    Override& o = overrides[i];
    if (o.kind == kind && std::strcmp(o.layer, layer) == 0) {
      o.rule = rule;
      return {};
    }
  }
  if (override_count == kMaxOverrides)
    return Status::error(Code::kInvalidArgument, "more than %d per-layer rule overrides",
                         kMaxOverrides);
  Override& o = overrides[override_count++];
  std::memcpy(o.layer, layer, len + 1);
  o.kind = kind;
  o.rule = rule;
  return {};
}

const Rule& RuleSet::lookup(OpKind kind, const char* layer) const {
  if (layer[0] != '\0') {
    for (int i = 0; i < override_count; ++i) {
      const Override& o = overrides[i];
      if ((o.kind == kind || o.kind == OpKind::kCount) && std::strcmp(o.layer, layer) == 0)
        return o.rule;
    }
  }
  return by_kind[static_cast<int>(kind)];
}

}  // namespace salient
