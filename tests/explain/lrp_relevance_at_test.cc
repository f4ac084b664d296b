// relevance_at=LAYER (SPEC §5): a rule method writes its relevance (signal) at that layer's output,
// in that output's shape. Oracle: the relevance at layer L of the whole net equals the input
// relevance of the sub-network after L, run on L's output a_L (and, for DeepLIFT, on the reference
// ā_L), since every rule above L sees the same values: what flows down to L is all of it
// (conservation through the cut). Tolerance 1e-5 relative to the largest |R|: both sides run the
// same float32 kernels on the same values; only the sub-network's separate forward may round
// differently (~1e-7).
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include "salient/explain/backprop.h"
#include "salient/explain/methods.h"
#include "salient/io/model_file.h"
#include "salient/io/npy.h"

#ifdef SALIENT_CLI
#include "support/cli_process.h"
#include "support/explain_fixtures.h"
#endif

namespace salient::explain {
namespace {

using testing_explain::model_outputs;

std::vector<Layer> all_layers() {
  return {Layer::conv2d("c1", 1, 3, {3, 3}, {1, 1}, {1, 1}),
          Layer::relu("r1"),
          Layer::maxpool2d("p1", {2, 2}),
          Layer::conv2d("c2", 3, 4, {3, 3}, {1, 1}, {1, 1}),
          Layer::relu("r2"),
          Layer::flatten("f"),
          Layer::linear("l1", 16, 6),
          Layer::relu("r3"),
          Layer::linear("l2", 6, 3)};
}

Model full_net() {
  Result<Model> m = Model::create(Shape{1, 4, 4}, all_layers());
  SALIENT_ASSERT(m.ok());
  m->init_default(5);
  return std::move(*m);
}

// Layers [first, last) of `whole` as a model of their own (parameters copied by name).
Model slice(const Model& whole, size_t first, size_t last, const Shape& input) {
  const std::vector<Layer> layers(whole.layers().begin() + static_cast<long>(first),
                                  whole.layers().begin() + static_cast<long>(last));
  Result<Model> m = Model::create(input, layers);
  SALIENT_ASSERT(m.ok());
  for (const Parameter& p : m->parameters())
    std::copy(whole.parameter(p.name.c_str()), whole.parameter(p.name.c_str()) + p.shape.numel(),
              m->parameter(p.name.c_str()));
  return std::move(*m);
}

Status explain(const Model& m, const std::vector<float>& x, const Shape& shape, const char* method,
               std::vector<Setting> settings, const float* baseline, std::vector<float>* out) {
  Request r;
  r.model = &m;
  r.x = x.data();
  r.shape = shape;
  r.baseline = baseline;
  r.settings = std::move(settings);
  Result<Shape> s = output_shape(*find_method(method), r);
  if (!s.ok()) return s.status();
  out->assign(static_cast<size_t>(s->numel()), -1.0f);
  Arena arena;
  return run_method(method, r, arena, out->data());
}

double relative_difference(const std::vector<float>& a, const std::vector<float>& b) {
  double diff = 0, scale = 1e-30;
  for (size_t i = 0; i < a.size(); ++i) {
    diff = std::max(diff, static_cast<double>(std::fabs(a[i] - b[i])));
    scale = std::max(scale, static_cast<double>(std::fabs(b[i])));
  }
  return diff / scale;
}

TEST(LrpRelevanceAt, EqualsTheInputRelevanceOfTheSubNetworkAfterTheLayer) {
  const Model net = full_net();
  const Shape shape{2, 1, 4, 4};
  std::vector<float> x(32), baseline(32);
  for (size_t i = 0; i < x.size(); ++i) {
    x[i] = std::sin(0.7f * static_cast<float>(i) + 0.3f);
    baseline[i] = 0.1f * std::cos(static_cast<float>(i));
  }
  const std::vector<std::vector<Setting>> lrp_settings = {{}, {{"convention", "zennit"}}};
  for (size_t cut : {2u, 3u, 5u, 7u}) {  // after r1, p1, r2, l1 → r3 is cut 8; f (flatten) is cut 6
    const std::string at = net.layers()[cut - 1].name;
    Shape a_shape, abar_shape;
    const std::vector<float> a = model_outputs(slice(net, 0, cut, Shape{1, 4, 4}), x.data(), shape, &a_shape);
    const std::vector<float> abar =
        model_outputs(slice(net, 0, cut, Shape{1, 4, 4}), baseline.data(), shape, &abar_shape);
    Shape per = a_shape;
    per.rank = a_shape.rank - 1;
    for (int i = 1; i < a_shape.rank; ++i) per[i - 1] = a_shape[i];
    const Model rest = slice(net, cut, net.layers().size(), per);
    for (const char* method : {"lrp-epsilon", "lrp-zplus", "lrp-alpha-beta", "lrp-gamma",
                               "lrp-epsilon-plus", "deeplift", "guided-backprop", "deconvnet"}) {
      const bool lrp = std::string(method).rfind("lrp-", 0) == 0;
      for (const std::vector<Setting>& extra :
           lrp ? lrp_settings : std::vector<std::vector<Setting>>{{}}) {
        std::vector<Setting> s = extra;
        s.push_back({"relevance_at", at});
        std::vector<float> whole, sub;
        ASSERT_TRUE(explain(net, x, shape, method, s, baseline.data(), &whole).ok())
            << method << " at " << at;
        ASSERT_TRUE(explain(rest, a, a_shape, method, extra, abar.data(), &sub).ok())
            << method << " sub " << at;
        ASSERT_EQ(whole.size(), a.size()) << method << " at " << at;
        EXPECT_LT(relative_difference(whole, sub), 1e-5)
            << method << " at " << at << (extra.empty() ? "" : " zennit");
      }
    }
  }
}

TEST(LrpRelevanceAt, WritesTheLayersShapeAndRejectsAnUnknownLayer) {
  const Model net = full_net();
  const std::vector<float> x(16 * 3, 0.5f);
  Request r;
  r.model = &net;
  r.x = x.data();
  r.shape = Shape{3, 1, 4, 4};
  r.settings = {{"relevance_at", "p1"}};
  Result<Shape> s = output_shape(*find_method("lrp-zplus"), r);
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(*s, (Shape{3, 3, 2, 2}));
  r.settings = {{"relevance_at", "f"}};
  EXPECT_EQ(*output_shape(*find_method("deconvnet"), r), (Shape{3, 16}));
  r.settings = {{"relevance_at", "nope"}};
  Result<Shape> unknown = output_shape(*find_method("lrp-epsilon"), r);
  ASSERT_FALSE(unknown.ok());
  EXPECT_EQ(unknown.status().code(), Code::kInvalidArgument);
  EXPECT_NE(std::string(unknown.status().message()).find("nope"), std::string::npos)
      << unknown.status().message();
  for (const char* method : {"lrp-epsilon", "lrp-gamma", "deeplift", "guided-backprop"}) {
    std::vector<float> a(x.size());
    Arena arena;
    const Status st = run_method(method, r, arena, a.data());
    EXPECT_EQ(st.code(), Code::kInvalidArgument) << method;
    EXPECT_NE(std::string(st.message()).find("nope"), std::string::npos) << st.message();
  }
  // Methods without the key refuse it (they explain the input only).
  std::vector<float> a(x.size());
  Arena arena;
  r.settings = {{"relevance_at", "p1"}};
  EXPECT_FALSE(run_method("saliency", r, arena, a.data()).ok());
}

TEST(LrpRelevanceAt, AMergedBatchnormIsReadAtTheMergedLayer) {
  // conv → batchnorm2d merge into one layer (SPEC §6): both names give the merged output's
  // relevance.
  Result<Model> m = Model::create(Shape{1, 4, 4}, {Layer::conv2d("c", 1, 2, {3, 3}, {1, 1}, {1, 1}),
                                                   Layer::batchnorm2d("bn", 2), Layer::relu("r"),
                                                   Layer::flatten("f"), Layer::linear("l", 32, 3)});
  ASSERT_TRUE(m.ok());
  m->init_default(9);
  m->parameter("bn.running_var")[0] = 2.0f;
  m->parameter("bn.weight")[1] = -0.5f;
  std::vector<float> x(16);
  for (size_t i = 0; i < x.size(); ++i) x[i] = std::cos(static_cast<float>(i));
  std::vector<float> at_bn, at_c;
  ASSERT_TRUE(
      explain(*m, x, Shape{1, 1, 4, 4}, "lrp-gamma", {{"relevance_at", "bn"}}, nullptr, &at_bn)
          .ok());
  ASSERT_TRUE(
      explain(*m, x, Shape{1, 1, 4, 4}, "lrp-gamma", {{"relevance_at", "c"}}, nullptr, &at_c).ok());
  EXPECT_EQ(at_bn.size(), 32u);
  EXPECT_EQ(at_bn, at_c);
}

#ifdef SALIENT_CLI
TEST(LrpRelevanceAt, CliWritesTheLayerShape) {
  const Model net = full_net();
  const std::string model_path = testing_cli::temp_path("relevance_at.safetensors");
  ASSERT_TRUE(io::save_model(net, model_path.c_str()).ok());
  std::vector<float> x(32);
  for (size_t i = 0; i < x.size(); ++i) x[i] = std::sin(static_cast<float>(i));
  const std::string x_path = testing_cli::temp_path("relevance_at_x.npy"),
                    a_path = testing_cli::temp_path("relevance_at_a.npy");
  ASSERT_TRUE(io::write_npy(x_path.c_str(), x.data(), Shape{2, 1, 4, 4}).ok());
  const std::string base =
      "explain --model " + model_path + " --input " + x_path + " --out " + a_path;
  testing_cli::Process p = testing_cli::run_cli(
      base + " --method lrp-epsilon --set convention=zennit --set relevance_at=p1");
  ASSERT_EQ(p.status, 0) << p.output;
  Result<io::Array> a = io::read_npy(a_path.c_str());
  ASSERT_TRUE(a.ok());
  EXPECT_EQ(a->shape, (Shape{2, 3, 2, 2}));
  // The file holds what the API computes.
  std::vector<float> api;
  ASSERT_TRUE(explain(net, x, Shape{2, 1, 4, 4}, "lrp-epsilon",
                      {{"convention", "zennit"}, {"relevance_at", "p1"}}, nullptr, &api)
                  .ok());
  EXPECT_EQ(a->data, api);
  p = testing_cli::run_cli(base + " --method deconvnet --set relevance_at=conv9");
  EXPECT_EQ(p.status, 1) << p.output;
  EXPECT_TRUE(testing_cli::contains(p.output, "conv9")) << p.output;
}
#endif

}  // namespace
}  // namespace salient::explain
