// grad-cam and guided-grad-cam on Captum's BasicModel_ConvNet_One_Conv (reference/captum.md §2):
// conv1 (1→2, 3×3, W = 1, b = (−50, −75)), ReLU, flatten, fc1 (8→4, rows [1,1,1,1,1,−1,−1,−1]),
// ReLU, at X = arange(16) as 1×1×4×4. The conv output is ch0 [[−5,4],[31,40]], ch1 [[−30,−21],[6,15]];
// the gradient of logit 0 there is ch0 [[0,1],[1,1]], ch1 [[0,0],[−1,−1]] (spatial means 3/4 and
// −1/2), so the cam is 0.75·ch0 − 0.5·ch1 = [[11.25, 13.5], [20.25, 22.5]] (Captum's LayerGradCam
// answer), then upsampled to 4×4.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "salient/explain/methods.h"

namespace salient::explain {
namespace {

Model conv_net() {
  Result<Model> m = Model::create(Shape{1, 4, 4}, {Layer::conv2d("conv1", 1, 2, {3, 3}), Layer::relu("relu1"),
                                                    Layer::flatten("flat"), Layer::linear("fc1", 8, 4), Layer::relu("relu2")});
  SALIENT_ASSERT(m.ok());
  float* w = m->parameter("conv1.weight");
  for (int i = 0; i < 18; ++i) w[i] = 1.0f;
  m->parameter("conv1.bias")[0] = -50.0f;
  m->parameter("conv1.bias")[1] = -75.0f;
  float* f = m->parameter("fc1.weight");
  for (int r = 0; r < 4; ++r)
    for (int c = 0; c < 8; ++c) f[r * 8 + c] = c < 5 ? 1.0f : -1.0f;
  return std::move(*m);
}

std::vector<float> arange16() {
  std::vector<float> x(16);
  for (int i = 0; i < 16; ++i) x[i] = static_cast<float>(i);
  return x;
}

// The shape `method` writes for inputs of `shape` (no settings).
Shape written_shape(const char* method, const Shape& shape) {
  Request r;
  r.shape = shape;
  Result<Shape> out = output_shape(*find_method(method), r);
  EXPECT_TRUE(out.ok()) << out.status().message();
  return out.ok() ? *out : Shape{};
}

Status explain(const Model& m, const std::vector<float>& x, const Shape& shape, const char* method,
               std::vector<Setting> settings, std::vector<float>* out) {
  Request r;
  r.model = &m;
  r.x = x.data();
  r.shape = shape;
  r.settings = std::move(settings);
  out->assign(static_cast<size_t>(written_shape(method, shape).numel()), -1.0f);
  Arena arena;
  return run_method(method, r, arena, out->data());
}

TEST(GradCam, CaptumConvNetKnownAnswerNearest) {
  const Model m = conv_net();
  EXPECT_EQ(written_shape("grad-cam", Shape{1, 1, 4, 4}), (Shape{1, 1, 4, 4}));
  EXPECT_EQ(written_shape("grad-cam", Shape{5, 3, 8, 8}), (Shape{5, 1, 8, 8}));
  EXPECT_EQ(written_shape("guided-grad-cam", Shape{5, 3, 8, 8}), (Shape{5, 3, 8, 8}));
  std::vector<float> cam;
  ASSERT_TRUE(explain(m, arange16(), Shape{1, 1, 4, 4}, "grad-cam", {}, &cam).ok());
  const float small[2][2] = {{11.25f, 13.5f}, {20.25f, 22.5f}};
  for (int y = 0; y < 4; ++y)
    for (int x = 0; x < 4; ++x) EXPECT_FLOAT_EQ(cam[y * 4 + x], small[y / 2][x / 2]) << y << "," << x;
  // The default layer is the last conv; naming it gives the same map.
  std::vector<float> named;
  ASSERT_TRUE(explain(m, arange16(), Shape{1, 1, 4, 4}, "grad-cam", {{"layer", "conv1"}, {"relu", "true"}}, &named).ok());
  EXPECT_EQ(named, cam);
}

TEST(GradCam, BilinearUpsamplingWithoutAlignedCorners) {
  const Model m = conv_net();
  std::vector<float> cam;
  ASSERT_TRUE(explain(m, arange16(), Shape{1, 1, 4, 4}, "grad-cam", {{"upsample", "bilinear"}}, &cam).ok());
  // 2 → 4 samples: source positions 0, 0.25, 0.75, 1 (clamped, align_corners=false).
  const float t[4] = {0.0f, 0.25f, 0.75f, 1.0f};
  const float a[2][2] = {{11.25f, 13.5f}, {20.25f, 22.5f}};
  for (int y = 0; y < 4; ++y)
    for (int x = 0; x < 4; ++x) {
      const float top = a[0][0] * (1 - t[x]) + a[0][1] * t[x];
      const float bottom = a[1][0] * (1 - t[x]) + a[1][1] * t[x];
      EXPECT_NEAR(cam[y * 4 + x], top * (1 - t[y]) + bottom * t[y], 1e-5) << y << "," << x;
    }
}

TEST(GradCam, GuidedGradCamIsGuidedBackpropTimesTheCam) {
  const Model m = conv_net();
  std::vector<float> ggc;
  ASSERT_TRUE(explain(m, arange16(), Shape{1, 1, 4, 4}, "guided-grad-cam", {}, &ggc).ok());
  // Guided backprop: the ReLU after conv1 passes only positive signals at positive z: ch0
  // [[0,1],[1,1]], ch1 nothing; the all-ones 3×3 kernel spreads it to every covered pixel.
  const float s[2][2] = {{0, 1}, {1, 1}};
  const float cam[2][2] = {{11.25f, 13.5f}, {20.25f, 22.5f}};
  for (int y = 0; y < 4; ++y)
    for (int x = 0; x < 4; ++x) {
      float g = 0.0f;
      for (int oy = 0; oy < 2; ++oy)
        for (int ox = 0; ox < 2; ++ox)
          if (y >= oy && y <= oy + 2 && x >= ox && x <= ox + 2) g += s[oy][ox];
      EXPECT_FLOAT_EQ(ggc[y * 4 + x], g * cam[y / 2][x / 2]) << y << "," << x;
    }
}

TEST(GradCam, OneDimensionalInputsGiveNx1xT) {
  Result<Model> made = Model::create(Shape{2, 6}, {Layer::conv1d("c", 2, 3, 3), Layer::relu("r"), Layer::flatten("f"),
                                                    Layer::linear("fc", 12, 2)});
  ASSERT_TRUE(made.ok());
  made->init_default(4);
  std::vector<float> x(2 * 2 * 6);
  for (size_t i = 0; i < x.size(); ++i) x[i] = static_cast<float>(i % 5) - 2.0f;
  std::vector<float> cam;
  ASSERT_TRUE(explain(*made, x, Shape{2, 2, 6}, "grad-cam", {{"relu", "true"}}, &cam).ok());
  EXPECT_EQ(written_shape("grad-cam", Shape{2, 2, 6}), (Shape{2, 1, 6}));
  ASSERT_EQ(cam.size(), 12u);
  for (float v : cam) EXPECT_GE(v, 0.0f);
}

TEST(GradCam, ErrorsNameTheProblem) {
  const Model m = conv_net();
  std::vector<float> cam;
  Status s = explain(m, arange16(), Shape{1, 1, 4, 4}, "grad-cam", {{"layer", "conv9"}}, &cam);
  EXPECT_NE(std::string(s.message()).find("conv9"), std::string::npos) << s.message();
  s = explain(m, arange16(), Shape{1, 1, 4, 4}, "grad-cam", {{"upsample", "cubic"}}, &cam);
  EXPECT_NE(std::string(s.message()).find("cubic"), std::string::npos) << s.message();
  Result<Model> dense = Model::create(Shape{3}, {Layer::linear("l", 3, 2)});
  ASSERT_TRUE(dense.ok());
  const std::vector<float> x = {1, 2, 3};
  s = explain(*dense, x, Shape{1, 3}, "grad-cam", {}, &cam);
  EXPECT_EQ(s.code(), Code::kInvalidArgument);
}

}  // namespace
}  // namespace salient::explain
