// `salient explain --method NAME` for the perturbation explainers: settings pass through the CLI
// (window, stride, feature_mask as a .npy path, n_samples, solver, alpha, --seed).
#ifdef SALIENT_CLI

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "salient/io/model_file.h"
#include "salient/io/npy.h"
#include "salient/model.h"
#include "support/cli_process.h"

namespace salient {
namespace {

using testing_cli::contains;
using testing_cli::Process;
using testing_cli::run_cli;
using testing_cli::temp_path;

TEST(PerturbationCli, ExplainRunsEveryPerturbationMethod) {
  // Linear f = w·x + b with w = (2, −1, 0.5): occlusion and ablation give w_i x_i, Shapley too.
  Result<Model> m = Model::create(Shape{3}, {Layer::linear("fc", 3, 1)});
  ASSERT_TRUE(m.ok());
  const float w[3] = {2, -1, 0.5f};
  std::copy(w, w + 3, m->parameter("fc.weight"));
  *m->parameter("fc.bias") = 1;
  const std::string model_path = temp_path("perturb.safetensors");
  ASSERT_TRUE(io::save_model(*m, model_path.c_str()).ok());
  const std::vector<float> x = {1, 2, 3, 4, 5, 6};
  const std::string x_path = temp_path("perturb_x.npy"), a_path = temp_path("perturb_a.npy");
  ASSERT_TRUE(io::write_npy(x_path.c_str(), x.data(), Shape{2, 3}).ok());
  const std::vector<float> ids = {0, 0, 1};
  const std::string mask_path = temp_path("perturb_mask.npy");
  ASSERT_TRUE(io::write_npy(mask_path.c_str(), ids.data(), Shape{3}).ok());

  const std::string base = "explain --model " + model_path + " --input " + x_path + " --out " + a_path + " --method ";
  for (const std::string& args :
       {std::string("occlusion --set window=1"), std::string("occlusion --set window=1 --set stride=1"),
        std::string("feature-ablation"), std::string("shapley-exact"),
        std::string("shapley-sampling --set n_samples=4 --seed 3"), std::string("kernel-shap --seed 2"),
        std::string("lime --set solver=ridge --set alpha=0 --set n_samples=30 --seed 1")}) {
    Process r = run_cli(base + args);
    ASSERT_EQ(r.status, 0) << args << ": " << r.output;
    Result<io::Array> a = io::read_npy(a_path.c_str());
    ASSERT_TRUE(a.ok());
    ASSERT_EQ(a->shape, (Shape{2, 3}));
    for (int i = 0; i < 6; ++i) EXPECT_NEAR(a->data[i], w[i % 3] * x[i], 1e-5) << args << " element " << i;
  }
  Process grouped = run_cli(base + "feature-ablation --set feature_mask=" + mask_path);
  ASSERT_EQ(grouped.status, 0) << grouped.output;
  Result<io::Array> g = io::read_npy(a_path.c_str());
  ASSERT_TRUE(g.ok());
  EXPECT_NEAR(g->data[0], 2 * 1 - 1 * 2, 1e-5);
  EXPECT_NEAR(g->data[1], 2 * 1 - 1 * 2, 1e-5);
  EXPECT_NEAR(g->data[2], 0.5 * 3, 1e-5);
  Process perm = run_cli(base + "feature-permutation --seed 1");
  ASSERT_EQ(perm.status, 0) << perm.output;
  Result<io::Array> p = io::read_npy(a_path.c_str());
  ASSERT_TRUE(p.ok());
  for (int i = 0; i < 6; ++i) EXPECT_NEAR(p->data[i], w[i % 3] * (x[i] - x[(i + 3) % 6]), 1e-5) << i;

  Process no_window = run_cli(base + "occlusion");
  EXPECT_EQ(no_window.status, 1);
  EXPECT_TRUE(contains(no_window.output, "window is required")) << no_window.output;
}

// rise through the CLI: p = 1 keeps every cell, so every element gets f(x) = w·x + b; a bad p is an
// error naming the key (exit status 1); the same seed writes the same file.
TEST(PerturbationCli, RiseRunsAndChecksItsKeys) {
  Result<Model> m = Model::create(Shape{3}, {Layer::linear("fc", 3, 1)});
  ASSERT_TRUE(m.ok());
  const float w[3] = {2, -1, 0.5f};
  std::copy(w, w + 3, m->parameter("fc.weight"));
  *m->parameter("fc.bias") = 1;
  const std::string model_path = temp_path("rise.safetensors");
  ASSERT_TRUE(io::save_model(*m, model_path.c_str()).ok());
  const std::vector<float> x = {1, 2, 3, 4, 5, 6};
  const std::string x_path = temp_path("rise_x.npy"), a_path = temp_path("rise_a.npy");
  ASSERT_TRUE(io::write_npy(x_path.c_str(), x.data(), Shape{2, 3}).ok());
  const std::string base =
      "explain --model " + model_path + " --input " + x_path + " --out " + a_path + " --method rise ";

  Process all_kept = run_cli(base + "--set p=1 --set n_masks=20");
  ASSERT_EQ(all_kept.status, 0) << all_kept.output;
  Result<io::Array> a = io::read_npy(a_path.c_str());
  ASSERT_TRUE(a.ok());
  ASSERT_EQ(a->shape, (Shape{2, 3}));
  for (int s = 0; s < 2; ++s) {
    const float f = 2 * x[s * 3] - x[s * 3 + 1] + 0.5f * x[s * 3 + 2] + 1;
    for (int i = 0; i < 3; ++i) EXPECT_NEAR(a->data[s * 3 + i], f, 1e-5) << s << " " << i;
  }

  ASSERT_EQ(run_cli(base + "--set n_masks=50 --set cell=2 --seed 4").status, 0);
  Result<io::Array> first = io::read_npy(a_path.c_str());
  ASSERT_EQ(run_cli(base + "--set n_masks=50 --set cell=2 --seed 4").status, 0);
  Result<io::Array> second = io::read_npy(a_path.c_str());
  ASSERT_TRUE(first.ok() && second.ok());
  EXPECT_EQ(first->data, second->data);

  Process bad = run_cli(base + "--set p=0");
  EXPECT_EQ(bad.status, 1);
  EXPECT_TRUE(contains(bad.output, "p=0")) << bad.output;
}

}  // namespace
}  // namespace salient

#endif  // SALIENT_CLI
