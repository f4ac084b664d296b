// PyTorch parity (SPEC §4): models exported by tools/export_torch.py, run by Model::forward on the
// same float32 inputs, match PyTorch's eval-mode outputs: max|ours − PyTorch| / max|PyTorch| <=
// 1e-5.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <string>
#include <vector>

#include "io/io_test_util.h"
#include "salient/io/model_file.h"
#include "salient/io/npy.h"

namespace salient::io {
namespace {

struct Parity {
  double max_abs = 0, max_ref = 0;
  int64_t worst = -1;  // the element with the largest difference, and its two values
  double ours = 0, torch = 0;
  double relative() const { return max_ref > 0 ? max_abs / max_ref : max_abs; }
};

// Loads tests/fixtures/torch/<name>/{model.safetensors, input_<key>.npy, output_<key>.npy}, runs
// the model (after `tweak`, if given: the negative controls) and measures the difference into `p`.
// Prints the numbers so the parity report can quote them.
void measure(const char* name, const char* key, const Shape& expected_out, void (*tweak)(Model&),
             Parity& p) {
  const std::string dir = testing_util::fixtures_dir() + "/torch/" + name + "/";
  Result<Model> m = load_model((dir + "model.safetensors").c_str());
  ASSERT_TRUE(m.ok()) << name << ": " << m.status().message();
  if (tweak) tweak(*m);
  Result<Array> x = read_npy((dir + "input_" + key + ".npy").c_str());
  ASSERT_TRUE(x.ok()) << x.status().message();
  Result<Array> ref = read_npy((dir + "output_" + key + ".npy").c_str());
  ASSERT_TRUE(ref.ok()) << ref.status().message();
  ASSERT_EQ(ref->shape, expected_out);

  Arena arena;
  Graph g(arena, GraphOptions{.record = false});
  Tensor y = m->forward(g, g.input(x->data.data(), x->shape));
  ASSERT_TRUE(g.ok()) << name << ": " << g.status().message();
  ASSERT_EQ(y.shape, ref->shape) << ShapeStr(y.shape).c_str() << " vs "
                                 << ShapeStr(ref->shape).c_str();
  for (int64_t i = 0; i < y.numel(); ++i) {
    ASSERT_TRUE(std::isfinite(y.data[i])) << "element " << i;
    const double want = ref->data[static_cast<size_t>(i)];
    const double d = std::fabs(static_cast<double>(y.data[i]) - want);
    if (d > p.max_abs) {
      p.max_abs = d;
      p.worst = i;
      p.ours = y.data[i];
      p.torch = want;
    }
    p.max_ref = std::max(p.max_ref, std::fabs(want));
  }
  std::printf(
      "[ parity   ] %s/%s%s: output %s, max|ours - torch| = %.3g, max|torch| = %.4g, relative = "
      "%.3g\n",
      name, key, tweak ? " (perturbed)" : "", ShapeStr(y.shape).c_str(), p.max_abs, p.max_ref,
      p.relative());
}

Parity check(const char* name, const char* key, const Shape& expected_out,
             void (*tweak)(Model&) = nullptr) {
  Parity p;
  measure(name, key, expected_out, tweak, p);
  if (!tweak) {
    EXPECT_LE(p.relative(), 1e-5) << name << "/" << key << ": worst element " << p.worst
                                  << ": ours " << p.ours << ", torch " << p.torch;
  }
  return p;
}

TEST(TorchParity, CnnWithBatchnorm2dPoolsAndLogSoftmax) { check("cnn", "n4", Shape{4, 5}); }

TEST(TorchParity, Conv1dSequenceModelWithSoftmax) { check("seq1d", "n3", Shape{3, 3}); }

TEST(TorchParity, GruClassifierAllStepsTwoLengths) {
  check("gru_all", "t5", Shape{3, 5, 2});
  check("gru_all", "t12", Shape{2, 12, 2});
}

TEST(TorchParity, GruLastStepWithoutBias) { check("gru_last", "t7", Shape{4, 2}); }

// The comparison is not vacuous: small changes to the batchnorm statistics or a GRU weight show.
TEST(TorchParity, NegativeControlsExceedTheTolerance) {
  EXPECT_GT(check("gru_all", "t5", Shape{3, 5, 2},
                  [](Model& m) { m.parameter("bn.running_mean")[3] += 1e-3f; })
                .relative(),
            1e-5);
  EXPECT_GT(check("gru_all", "t12", Shape{2, 12, 2},
                  [](Model& m) { m.parameter("gru.weight_hh_l0")[40] += 1e-2f; })
                .relative(),
            1e-5);
  EXPECT_GT(
      check("cnn", "n4", Shape{4, 5}, [](Model& m) { m.parameter("bn1.running_var")[1] *= 1.01f; })
          .relative(),
      1e-5);
}

// The exported files round-trip through save_model byte-for-byte in parameters and architecture.
TEST(TorchParity, FixturesSurviveSaveAndReload) {
  for (const char* name : {"cnn", "seq1d", "gru_all", "gru_last"}) {
    const std::string path = testing_util::fixtures_dir() + "/torch/" + name + "/model.safetensors";
    Result<Model> m = load_model(path.c_str());
    ASSERT_TRUE(m.ok()) << name << ": " << m.status().message();
    const std::string copy = testing_util::temp_path(std::string(name) + ".safetensors");
    ASSERT_TRUE(save_model(*m, copy.c_str()).ok());
    Result<Model> back = load_model(copy.c_str());
    ASSERT_TRUE(back.ok()) << back.status().message();
    EXPECT_EQ(architecture_json(*back), architecture_json(*m));
    ASSERT_EQ(back->parameter_count(), m->parameter_count());
    EXPECT_TRUE(std::equal(m->parameter_data(), m->parameter_data() + m->parameter_count(),
                           back->parameter_data()));
  }
}

}  // namespace
}  // namespace salient::io
