// `salient explain --method rap`: the CLI writes the library's RAP relevance (x's shape), which
// sums to each sample's target logit on a ReLU net; an unknown key and a GRU model are errors.
#ifdef SALIENT_CLI

#include <gtest/gtest.h>

#include <cmath>
#include <string>
#include <vector>

#include "salient/explain/rap.h"
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

TEST(RapCli, ExplainWritesTheLibrarysRelevance) {
  Result<Model> m = Model::create(
      Shape{4}, {Layer::linear("l1", 4, 6), Layer::relu("a1"), Layer::linear("l2", 6, 3)});
  ASSERT_TRUE(m.ok());
  m->init_default(5);
  const std::string model_path = temp_path("rap.safetensors");
  ASSERT_TRUE(io::save_model(*m, model_path.c_str()).ok());
  const std::vector<float> x = {0.5f, -1, 2, 0.25f, 1, 1, -0.5f, 0};
  const std::string x_path = temp_path("rap_x.npy"), a_path = temp_path("rap_a.npy");
  ASSERT_TRUE(io::write_npy(x_path.c_str(), x.data(), Shape{2, 4}).ok());
  const std::string base =
      "explain --model " + model_path + " --input " + x_path + " --out " + a_path + " --method rap";

  Process ok = run_cli(base + " --target 1");
  ASSERT_EQ(ok.status, 0) << ok.output;
  Result<io::Array> a = io::read_npy(a_path.c_str());
  ASSERT_TRUE(a.ok());
  ASSERT_EQ(a->shape, (Shape{2, 4}));
  std::vector<float> want(8), y(6);
  const int32_t columns[2] = {1, 1};
  Arena arena;
  ASSERT_TRUE(explain::rap(*m, x.data(), Shape{2, 4}, explain::Target{columns}, arena, want.data(),
                           y.data())
                  .ok());
  for (int i = 0; i < 8; ++i) EXPECT_FLOAT_EQ(a->data[i], want[static_cast<size_t>(i)]) << i;
  for (int s = 0; s < 2; ++s)  // identity 8: Σ R = y_1 (float32 sums of 4 terms)
    EXPECT_NEAR(a->data[4 * s] + a->data[4 * s + 1] + a->data[4 * s + 2] + a->data[4 * s + 3],
                y[3 * s + 1], 1e-5 * (1 + std::fabs(y[3 * s + 1])));

  Process bad_key = run_cli(base + " --set epsilon=1");
  EXPECT_EQ(bad_key.status, 1) << bad_key.output;
  EXPECT_TRUE(contains(bad_key.output, "epsilon")) << bad_key.output;

  Result<Model> gru =
      Model::create(Shape{0, 4}, {Layer::gru("rnn", 4, 3, false), Layer::linear("fc", 3, 2)});
  ASSERT_TRUE(gru.ok());
  gru->init_default(6);
  const std::string gru_path = temp_path("rap_gru.safetensors"),
                    seq_path = temp_path("rap_seq.npy");
  ASSERT_TRUE(io::save_model(*gru, gru_path.c_str()).ok());
  const std::vector<float> seq(2 * 3 * 4, 0.5f);
  ASSERT_TRUE(io::write_npy(seq_path.c_str(), seq.data(), Shape{2, 3, 4}).ok());
  Process refused = run_cli("explain --model " + gru_path + " --input " + seq_path + " --out " +
                            a_path + " --method rap");
  EXPECT_EQ(refused.status, 1) << refused.output;
  EXPECT_TRUE(contains(refused.output, "GRU")) << refused.output;
}

}  // namespace
}  // namespace salient

#endif  // SALIENT_CLI
