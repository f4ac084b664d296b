// `salient explain --method deeplift-shap --baselines S.npy` on a GRU classifier: the CLI passes
// the baseline set and gru_rule through and writes what the library computes; errors name
// --baselines.
#ifdef SALIENT_CLI

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "salient/explain/methods.h"
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

TEST(DeepLiftShapCli, ExplainsAGruClassifierOverABaselineSet) {
  Result<Model> m =
      Model::create(Shape{4, 2}, {Layer::gru("g", 2, 3, false), Layer::linear("fc", 3, 2)});
  ASSERT_TRUE(m.ok());
  m->init_default(1);
  const std::string model_path = temp_path("dlshap.safetensors");
  ASSERT_TRUE(io::save_model(*m, model_path.c_str()).ok());
  std::vector<float> x(16), set(24);
  for (size_t i = 0; i < x.size(); ++i) x[i] = 0.1f * static_cast<float>(i % 7) - 0.3f;
  for (size_t i = 0; i < set.size(); ++i) set[i] = 0.05f * static_cast<float>(i % 5) - 0.1f;
  const std::string x_path = temp_path("dlshap_x.npy"), s_path = temp_path("dlshap_s.npy");
  const std::string a_path = temp_path("dlshap_a.npy");
  ASSERT_TRUE(io::write_npy(x_path.c_str(), x.data(), Shape{2, 4, 2}).ok());
  ASSERT_TRUE(io::write_npy(s_path.c_str(), set.data(), Shape{3, 4, 2}).ok());
  const std::string base = "explain --model " + model_path + " --input " + x_path + " --out " +
                           a_path + " --method deeplift-shap";
  for (const char* rule : {"rescale", "gradient"}) {
    Process r = run_cli(base + " --baselines " + s_path + " --set gru_rule=" + rule);
    ASSERT_EQ(r.status, 0) << r.output;
    Result<io::Array> a = io::read_npy(a_path.c_str());
    ASSERT_TRUE(a.ok());
    ASSERT_EQ(a->shape, (Shape{2, 4, 2}));
    explain::Request req;
    req.model = &*m;
    req.x = x.data();
    req.shape = Shape{2, 4, 2};
    req.settings = {{"gru_rule", rule}};
    req.baselines = set.data();
    req.baselines_shape = Shape{3, 4, 2};
    std::vector<float> want(x.size());
    Arena arena;
    ASSERT_TRUE(explain::run_method("deeplift-shap", req, arena, want.data()).ok());
    // The same computation on the same float32 parameters (saved and read back exactly).
    for (size_t i = 0; i < want.size(); ++i)
      EXPECT_NEAR(a->data[i], want[i], 1e-6) << rule << " element " << i;
  }
  Process missing = run_cli(base);
  EXPECT_EQ(missing.status, 1);
  EXPECT_TRUE(contains(missing.output, "--baselines")) << missing.output;
  Process listed = run_cli("methods deeplift-shap");
  EXPECT_EQ(listed.status, 0);
  EXPECT_TRUE(contains(listed.output, "gru_rule")) << listed.output;
}

}  // namespace
}  // namespace salient

#endif  // SALIENT_CLI
