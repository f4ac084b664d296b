#include "target_time.h"

#include <cstdlib>
#include <cstring>
#include <vector>

namespace salient::explain {
namespace {

// x[:, :steps] of a [N, T, ...] buffer, contiguous.
std::vector<float> prefix(const float* x, const Shape& shape, int64_t steps) {
  const int64_t n = shape[0], t = shape[1];
  const int64_t per_step = shape.numel() / (n * t);
  std::vector<float> out(static_cast<size_t>(n * steps * per_step));
  for (int64_t i = 0; i < n; ++i)
    std::memcpy(out.data() + i * steps * per_step, x + i * t * per_step,
                sizeof(float) * steps * per_step);
  return out;
}

Shape with_steps(Shape s, int64_t steps) {
  s[1] = steps;
  return s;
}

// A[:, t] = a_t(x[:, :t+1])[:, t] for every t (SPEC §5 target_time=all).
// Each step runs in the caller's arena, rewound between steps, as run_chunked's chunks do.
Status run_every_step(const Method& method, const Request& request, const Model& last_step_model,
                      Arena& arena, float* attributions) {
  const Shape& shape = request.shape;
  const int64_t n = shape[0], t_count = shape[1];
  const int64_t per_step = shape.numel() / (n * t_count);
  if (request.baselines &&
      (request.baselines_shape.rank != shape.rank || request.baselines_shape[1] != t_count))
    return Status::error(Code::kInvalidArgument,
                         "target_time=all: the baselines must have the input's %lld steps",
                         static_cast<long long>(t_count));
  std::vector<float> a;
  const Arena::Mark start = arena.mark();
  for (int64_t t = 0; t < t_count; ++t) {
    const int64_t steps = t + 1;
    const std::vector<float> x = prefix(request.x, shape, steps);
    std::vector<float> baseline, baselines;
    Request r = request;
    r.model = &last_step_model;
    r.progress = {};  // the steps report, not each step's method
    r.x = x.data();
    r.shape = with_steps(shape, steps);
    if (request.baseline) {
      baseline = prefix(request.baseline, shape, steps);
      r.baseline = baseline.data();
    }
    if (request.baselines) {
      baselines = prefix(request.baselines, request.baselines_shape, steps);
      r.baselines = baselines.data();
      r.baselines_shape = with_steps(request.baselines_shape, steps);
    }
    a.assign(x.size(), 0.0f);
    const Status s = method.run(r, arena, a.data());
    arena.rewind(start);
    SALIENT_RETURN_IF_ERROR(s);
    for (int64_t i = 0; i < n; ++i)
      std::memcpy(attributions + (i * t_count + t) * per_step,
                  a.data() + (i * steps + t) * per_step, sizeof(float) * per_step);
    request.progress(t + 1, t_count);
  }
  return {};
}

// Whether the request's rules may include zB (Method::uses_zbox, or a rule.LAYER=zbox setting),
// whose default bounds are each sample's min and max over a layer's whole input: such a request
// sees every layer on all steps (the step is selected after the last layer).
bool may_use_zbox(const Method& m, const Request& r) {
  if (m.uses_zbox) return true;
  for (const Setting& s : r.settings)
    if (s.key.compare(0, 5, "rule.") == 0 && s.value == "zbox") return true;
  return false;
}

}  // namespace

Status select_target_step(const Method& method, const Request& request,
                          std::optional<Model>* selected, bool* every_step) {
  *every_step = false;
  const char* value = nullptr;
  for (const Setting& s : request.settings)
    if (s.key == "target_time") value = s.value.c_str();
  Result<Shape> out = request.model->output_shape(request.shape);
  if (!out.ok()) return out.status();
  const bool per_step = out->rank == 3 && request.shape.rank >= 3 && (*out)[1] == request.shape[1];
  if (!per_step) {
    if (value)
      return Status::error(Code::kInvalidArgument,
                           "target_time: the model's output %s is not per-step [N, T, C]",
                           ShapeStr(*out).c_str());
    return {};
  }
  const std::string v = value ? value : "last";
  const int64_t t_count = request.shape[1];
  int64_t step = Model::kLastStep;
  if (v != "last" && v != "all") {
    char* end = nullptr;
    step = std::strtoll(v.c_str(), &end, 10);
    if (v.empty() || *end != '\0' || step < 0 || step >= t_count)
      return Status::error(Code::kInvalidArgument,
                           "target_time=%s is not last, all or a step in [0, %lld)", v.c_str(),
                           static_cast<long long>(t_count));
  }
  // A layer the method reads (relevance_at, grad-cam's layer) keeps every step of its output.
  std::string read = relevance_layer(request, method);
  for (const MethodKey& k : method.keys)
    if (std::strcmp(k.key, "layer") == 0) read = setting(request, method, "layer");
  if (may_use_zbox(method, request)) read = request.model->layers().back().name;
  Result<Model> model =
      request.model->with_output_step(step, read.empty() ? nullptr : read.c_str());
  if (!model.ok()) return model.status();
  selected->emplace(std::move(*model));
  *every_step = v == "all";
  return {};
}

Status run_at_target_time(const Method& method, const Request& request, Arena& arena,
                          float* attributions) {
  std::optional<Model> selected;
  bool every_step = false;
  SALIENT_RETURN_IF_ERROR(select_target_step(method, request, &selected, &every_step));
  if (!selected) return method.run(request, arena, attributions);
  Request r = request;
  r.model = &*selected;
  if (every_step) {
    // Each step's map is copied into the input's layout: the method must write the input's shape.
    Result<Shape> writes = output_shape(method, r);
    if (!writes.ok()) return writes.status();
    if (!(*writes == request.shape))
      return Status::error(Code::kInvalidArgument,
                           "target_time=all: %s writes %s here, not the input's shape %s; choose "
                           "a step (target_time=t or last)",
                           method.name, ShapeStr(*writes).c_str(), ShapeStr(request.shape).c_str());
    return run_every_step(method, request, *selected, arena, attributions);
  }
  return method.run(r, arena, attributions);
}

}  // namespace salient::explain
