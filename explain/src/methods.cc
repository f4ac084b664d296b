// The registry of explainers and the checks every method shares (unknown keys, boolean values).
#include "salient/explain/methods.h"

#include "gradient_methods.h"

namespace salient::explain {

const std::vector<Method>& methods() {
  static const std::vector<Method> all = {
      {"saliency", "|∂y_c/∂x| (or the signed gradient with abs=false)",
       {{"abs", "true", "take the absolute value of the gradient"}}, saliency},
      {"input-x-gradient", "x ⊙ ∂y_c/∂x", {}, input_x_gradient},
  };
  return all;
}

const Method* find_method(const std::string& name) {
  for (const Method& m : methods())
    if (name == m.name) return &m;
  return nullptr;
}

Status run_method(const std::string& name, const Request& request, Arena& arena, float* attributions) {
  const Method* m = find_method(name);
  if (!m) return Status::error(Code::kNotFound, "unknown method '%s' (salient methods lists them)", name.c_str());
  for (const Setting& s : request.settings) {
    bool known = false;
    for (const MethodKey& k : m->keys) known = known || s.key == k.key;
    if (!known) return Status::error(Code::kInvalidArgument, "method %s has no key '%s'", m->name, s.key.c_str());
  }
  return m->run(request, arena, attributions);
}

std::string setting(const Request& request, const Method& method, const char* key) {
  std::string value;
  for (const MethodKey& k : method.keys)
    if (std::string(k.key) == key) value = k.default_value;
  for (const Setting& s : request.settings)
    if (s.key == key) value = s.value;
  return value;
}

Result<bool> bool_setting(const Request& request, const Method& method, const char* key) {
  const std::string v = setting(request, method, key);
  if (v == "true" || v == "1" || v == "yes") return true;
  if (v == "false" || v == "0" || v == "no") return false;
  return Status::error(Code::kInvalidArgument, "%s: %s=%s is not true or false", method.name, key, v.c_str());
}

}  // namespace salient::explain
