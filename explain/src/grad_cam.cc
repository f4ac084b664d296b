// grad-cam (Selvaraju et al.; Captum's LayerGradCam + LayerAttribution.interpolate) and
// guided-grad-cam (Captum's GuidedGradCam). For the layer's output A ([N, K, spatial...]) and the
// gradient G = ∂y_c/∂A: cam = Σ_k mean_spatial(G_k) · A_k, optionally ReLU'd, upsampled to the
// input's spatial size (nearest, or (bi)linear with align_corners=false), written N×1×spatial.
// guided-grad-cam = guided backprop ⊙ the ReLU'd cam, broadcast over the input's channels.
#include <algorithm>
#include <cmath>
#include <cstring>
#include <string>
#include <vector>

#include "path_methods.h"
#include "rules/guided_backprop.h"

namespace salient::explain {
namespace {

// The layer named by `key` (default: the last conv1d/conv2d layer of the model).
Result<std::string> cam_layer(const Request& r, const Method& m) {
  std::string name = setting(r, m, "layer");
  if (name.empty()) {
    for (const Layer& l : r.model->layers())
      if (l.type == OpKind::kConv1d || l.type == OpKind::kConv2d) name = l.name;
    if (name.empty()) return Status::error(Code::kInvalidArgument, "%s: the model has no conv layer; set layer=NAME", m.name);
  } else if (!r.model->layer(name.c_str())) {
    return Status::error(Code::kNotFound, "%s: the model has no layer '%s'", m.name, name.c_str());
  }
  return name;
}

// Source coordinate of output index o for a resize from `in` to `out` samples, align_corners=false.
void linear_source(int64_t o, int64_t in, int64_t out, int64_t* i0, int64_t* i1, float* t) {
  double s = (static_cast<double>(o) + 0.5) * static_cast<double>(in) / static_cast<double>(out) - 0.5;
  if (s < 0.0) s = 0.0;
  int64_t lo = static_cast<int64_t>(std::floor(s));
  if (lo > in - 1) lo = in - 1;
  *i0 = lo;
  *i1 = std::min(lo + 1, in - 1);
  *t = static_cast<float>(s - static_cast<double>(lo));
}

int64_t nearest_source(int64_t o, int64_t in, int64_t out) {
  const int64_t s = static_cast<int64_t>(std::floor(static_cast<double>(o) * static_cast<double>(in) / static_cast<double>(out)));
  return std::min(s, in - 1);
}

// Resizes one map of h×w (w = 1 dims unused for 1-D) to H×W.
void resize(const float* src, int64_t h, int64_t w, float* dst, int64_t H, int64_t W, bool bilinear) {
  for (int64_t y = 0; y < H; ++y) {
    int64_t y0, y1;
    float ty = 0.0f;
    if (bilinear) {
      linear_source(y, h, H, &y0, &y1, &ty);
    } else {
      y0 = y1 = nearest_source(y, h, H);
    }
    for (int64_t x = 0; x < W; ++x) {
      int64_t x0, x1;
      float tx = 0.0f;
      if (bilinear) {
        linear_source(x, w, W, &x0, &x1, &tx);
      } else {
        x0 = x1 = nearest_source(x, w, W);
      }
      const float top = src[y0 * w + x0] * (1.0f - tx) + src[y0 * w + x1] * tx;
      const float bottom = src[y1 * w + x0] * (1.0f - tx) + src[y1 * w + x1] * tx;
      dst[y * W + x] = top * (1.0f - ty) + bottom * ty;
    }
  }
}

// Writes the upsampled cam, [N, 1, spatial of x].
Status grad_cam_map(const Request& r, const Method& m, bool relu, float* cam_out) {
  Result<std::string> layer = cam_layer(r, m);
  if (!layer.ok()) return layer.status();
  const std::string mode = setting(r, m, "upsample");
  if (mode != "nearest" && mode != "bilinear")
    return Status::error(Code::kInvalidArgument, "%s: upsample=%s is not nearest or bilinear", m.name, mode.c_str());
  if (r.shape.rank != 3 && r.shape.rank != 4)
    return Status::error(Code::kInvalidArgument, "%s needs inputs N×C×T or N×C×H×W, not %s", m.name,
                         ShapeStr(r.shape).c_str());
  // One backprop gives the layer's output A (act_values) and ∂y_c/∂A (grads).
  Result<Shape> act_shape = layer_output_batch_shape(*r.model, r.shape, layer->c_str());
  if (!act_shape.ok()) return act_shape.status();
  const int64_t n = r.shape[0];
  if (act_shape->rank != r.shape.rank || (*act_shape)[0] != n)
    return Status::error(Code::kInvalidArgument, "%s: layer '%s' output %s is not N×K×spatial like the input", m.name,
                         layer->c_str(), ShapeStr(*act_shape).c_str());
  std::vector<float> act_values(static_cast<size_t>(act_shape->numel())), grads(act_values.size());
  Arena arena;
  SALIENT_RETURN_IF_ERROR(backprop(*r.model, r.x, r.shape, r.target, gradient_rules(), arena, grads.data(), nullptr,
                                   nullptr, SignalAt{layer->c_str(), act_values.data()}));

  const int64_t k = (*act_shape)[1];
  const int64_t h = (*act_shape)[2], w = act_shape->rank == 4 ? (*act_shape)[3] : 1;
  const int64_t H = r.shape[2], W = r.shape.rank == 4 ? r.shape[3] : 1;
  std::vector<float> cam(static_cast<size_t>(h * w));
  for (int64_t i = 0; i < n; ++i) {
    std::fill(cam.begin(), cam.end(), 0.0f);
    for (int64_t ch = 0; ch < k; ++ch) {
      const float* a = act_values.data() + (i * k + ch) * h * w;
      const float* gr = grads.data() + (i * k + ch) * h * w;
      double mean = 0.0;
      for (int64_t p = 0; p < h * w; ++p) mean += gr[p];
      const float alpha = static_cast<float>(mean / static_cast<double>(h * w));
      for (int64_t p = 0; p < h * w; ++p) cam[static_cast<size_t>(p)] += alpha * a[p];
    }
    if (relu)
      for (float& v : cam) v = std::max(v, 0.0f);
    resize(cam.data(), h, w, cam_out + i * H * W, H, W, mode == "bilinear");
  }
  return {};
}

}  // namespace

Result<Shape> cam_output_shape(const Request& request) {
  Shape s = request.shape;
  if (s.rank >= 2) s[1] = 1;
  return s;
}

Status grad_cam(const Request& r, Arena&, float* attributions) {
  const Method& m = *find_method("grad-cam");
  Result<bool> relu = bool_setting(r, m, "relu");
  if (!relu.ok()) return relu.status();
  return grad_cam_map(r, m, *relu, attributions);
}

Status guided_grad_cam(const Request& r, Arena& arena, float* attributions) {
  const Method& m = *find_method("guided-grad-cam");
  if (r.shape.rank != 3 && r.shape.rank != 4)
    return Status::error(Code::kInvalidArgument, "%s needs inputs N×C×T or N×C×H×W, not %s", m.name,
                         ShapeStr(r.shape).c_str());
  const int64_t n = r.shape[0], channels = r.shape[1];
  const int64_t spatial = r.shape.numel_from(2);
  std::vector<float> cam(static_cast<size_t>(n * spatial));
  SALIENT_RETURN_IF_ERROR(grad_cam_map(r, m, /*relu=*/true, cam.data()));
  SALIENT_RETURN_IF_ERROR(backprop(*r.model, r.x, r.shape, r.target, guided_backprop_rules(), arena, attributions));
  for (int64_t i = 0; i < n; ++i)
    for (int64_t ch = 0; ch < channels; ++ch)
      for (int64_t p = 0; p < spatial; ++p) attributions[(i * channels + ch) * spatial + p] *= cam[static_cast<size_t>(i * spatial + p)];
  return {};
}

}  // namespace salient::explain
