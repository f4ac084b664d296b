// The `salient` command line, run as a process: exit statuses (0 ok, 1 error, 2 usage), --help on
// every command, messages on stderr, and predict's outputs equal to the library's forward pass.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "salient/io/model_file.h"
#include "salient/io/npy.h"
#include "salient/random.h"
#include "salient/rules.h"
#include "support/cli_process.h"

namespace salient {
namespace {

using testing_cli::contains;
using testing_cli::Process;
using testing_cli::run_cli;
using testing_cli::temp_path;

// A small sequence model with every kind of parameter: gru, batchnorm1d and linear.
Model make_model() {
  Result<Model> m = Model::create(Shape{0, 3}, {Layer::gru("gru", 3, 6, true), Layer::batchnorm1d("bn", 6),
                                                Layer::relu("relu"), Layer::linear("head", 6, 2)});
  SALIENT_ASSERT(m.ok());
  m->init_default(3);
  m->parameter("bn.running_mean")[1] = 0.25f;
  m->parameter("bn.running_var")[2] = 2.0f;
  return std::move(*m);
}

TEST(Cli, HelpForTheToolAndEveryCommand) {
  Process top = run_cli("--help");
  EXPECT_EQ(top.status, 0);
  EXPECT_TRUE(contains(top.output, "usage: salient COMMAND"));
  for (const char* command : {"info", "predict", "train", "methods", "explain", "data"}) {
    Process r = run_cli(std::string(command) + " --help");
    EXPECT_EQ(r.status, 0) << command;
    EXPECT_TRUE(contains(r.output, std::string("usage: salient ") + command)) << r.output;
  }
}

TEST(Cli, BadUsageExitsWithTwo) {
  EXPECT_EQ(run_cli("").status, 2);
  Process unknown = run_cli("frobnicate");
  EXPECT_EQ(unknown.status, 2);
  EXPECT_TRUE(contains(unknown.output, "unknown command 'frobnicate'"));
  Process option = run_cli("predict --model a --input b --colour red");
  EXPECT_EQ(option.status, 2);
  EXPECT_TRUE(contains(option.output, "unknown option '--colour'")) << option.output;
  Process missing = run_cli("predict --model a");
  EXPECT_EQ(missing.status, 2);
  EXPECT_TRUE(contains(missing.output, "missing required option --input")) << missing.output;
  EXPECT_EQ(run_cli("info").status, 2);
  EXPECT_EQ(run_cli("info a b").status, 2);
}

TEST(Cli, InfoDescribesTheModel) {
  const std::string path = temp_path("info.safetensors");
  const Model m = make_model();
  ASSERT_TRUE(io::save_model(m, path.c_str()).ok());
  Process r = run_cli("info " + path);
  ASSERT_EQ(r.status, 0) << r.output;
  EXPECT_TRUE(contains(r.output, "input       [any, 3] per sample")) << r.output;
  EXPECT_TRUE(contains(r.output, "output      [any, 2] per sample")) << r.output;
  EXPECT_TRUE(contains(r.output, "weight_ih_l0[18, 3]")) << r.output;
  // gru 18·3 + 18·6 + 18 + 18, batchnorm 4·6, head 6·2 + 2.
  const int64_t total = 54 + 108 + 36 + 24 + 14;
  EXPECT_TRUE(contains(r.output, "parameters  " + std::to_string(total) + " (" + std::to_string(total - 12) +
                                     " trainable)"))
      << r.output;
}

TEST(Cli, PredictWritesWhatTheLibraryComputes) {
  const std::string model_path = temp_path("predict.safetensors");
  const std::string x_path = temp_path("x.npy");
  const std::string y_path = temp_path("y.npy");
  const Model m = make_model();
  ASSERT_TRUE(io::save_model(m, model_path.c_str()).ok());
  std::vector<float> x(4 * 5 * 3);
  Rng rng(1);
  for (float& v : x) v = rng.uniform(-1.0f, 1.0f);
  ASSERT_TRUE(io::write_npy(x_path.c_str(), x.data(), Shape{4, 5, 3}).ok());

  Process r = run_cli("predict --model " + model_path + " --input " + x_path + " --out " + y_path + " --quiet");
  ASSERT_EQ(r.status, 0) << r.output;
  Result<io::Array> y = io::read_npy(y_path.c_str());
  ASSERT_TRUE(y.ok()) << y.status().message();
  EXPECT_EQ(y->shape, (Shape{4, 5, 2}));

  Arena arena;
  Graph g(arena, GraphOptions{.record = false});
  Tensor expected = m.forward(g, g.input(x.data(), Shape{4, 5, 3}));
  ASSERT_TRUE(g.ok());
  for (int64_t i = 0; i < expected.numel(); ++i) EXPECT_EQ(y->data[i], expected.data[i]) << i;

  Process printed = run_cli("predict --model " + model_path + " --input " + x_path);
  ASSERT_EQ(printed.status, 0);
  EXPECT_EQ(std::count(printed.output.begin(), printed.output.end(), '\n'), 4);  // one line per sample
}

TEST(Cli, ErrorsAreMessagesWithStatusOne) {
  const std::string model_path = temp_path("errors.safetensors");
  ASSERT_TRUE(io::save_model(make_model(), model_path.c_str()).ok());
  const std::string garbage = temp_path("garbage.safetensors");
  FILE* f = std::fopen(garbage.c_str(), "wb");
  std::fputs("this is not a model", f);
  std::fclose(f);

  Process missing = run_cli("info " + temp_path("does-not-exist.safetensors"));
  EXPECT_EQ(missing.status, 1);
  EXPECT_TRUE(contains(missing.output, "salient info: ")) << missing.output;

  Process bad = run_cli("info " + garbage);
  EXPECT_EQ(bad.status, 1);
  EXPECT_TRUE(contains(bad.output, "salient info: ")) << bad.output;

  const std::string x_path = temp_path("wrong_shape.npy");
  std::vector<float> x(2 * 4, 0.5f);
  ASSERT_TRUE(io::write_npy(x_path.c_str(), x.data(), Shape{2, 4}).ok());
  Process shape = run_cli("predict --model " + model_path + " --input " + x_path);
  EXPECT_EQ(shape.status, 1);
  EXPECT_TRUE(contains(shape.output, "does not match")) << shape.output;

  Process no_input = run_cli("predict --model " + model_path + " --input " + garbage);
  EXPECT_EQ(no_input.status, 1);
  EXPECT_TRUE(contains(no_input.output, "salient predict: ")) << no_input.output;
}

// A separable two-class problem in a directory as `salient data` writes it: x [40, 4], y [40].
std::string write_blobs_dir() {
  const std::string dir = temp_path("blobs");
  std::system(("mkdir -p " + dir).c_str());
  std::vector<float> x, y;
  Rng rng(9);
  for (int i = 0; i < 40; ++i) {
    const float label = static_cast<float>(i % 2);
    for (int j = 0; j < 4; ++j) x.push_back((label ? 2.0f : -2.0f) + 0.5f * rng.normal());
    y.push_back(label);
  }
  SALIENT_ASSERT(io::write_npy((dir + "/x.npy").c_str(), x.data(), Shape{40, 4}).ok());
  SALIENT_ASSERT(io::write_npy((dir + "/y.npy").c_str(), y.data(), Shape{40}).ok());
  return dir;
}

TEST(Cli, TrainOnADirectoryWithAnArchitectureFile) {
  const std::string dir = write_blobs_dir();
  const std::string arch = temp_path("arch.json");
  FILE* f = std::fopen(arch.c_str(), "w");
  std::fputs(R"({"input_shape": [4], "layers": [{"name": "fc", "type": "linear", "in_features": 4,
                 "out_features": 2}]})", f);
  std::fclose(f);
  const std::string out = temp_path("blobs.safetensors");
  Process r = run_cli("train --data " + dir + " --arch " + arch + " --set lr=0.05 --set batch=8 --epochs 5 --quiet --out " + out);
  ASSERT_EQ(r.status, 0) << r.output;
  EXPECT_TRUE(contains(r.output, "32 train / 8 test samples, 5 epochs")) << r.output;
  EXPECT_TRUE(contains(r.output, "test accuracy 1.0000  AUROC 1.0000  (8 samples)")) << r.output;
  Result<Model> trained = io::load_model(out.c_str());
  ASSERT_TRUE(trained.ok()) << trained.status().message();
  EXPECT_EQ(trained->layers().size(), 1u);
}

TEST(Cli, TrainRejectsBadSettingsNamingTheKey) {
  const std::string dir = write_blobs_dir();
  Process key = run_cli("train --data " + dir + " --arch digits-cnn --set learning_rate=1 --out x");
  EXPECT_EQ(key.status, 2);
  EXPECT_TRUE(contains(key.output, "unknown --set key 'learning_rate'")) << key.output;
  Process value = run_cli("train --data " + dir + " --arch digits-cnn --set lr=fast --out x");
  EXPECT_EQ(value.status, 2);
  EXPECT_TRUE(contains(value.output, "--set lr=fast")) << value.output;
  Process mismatch = run_cli("train --data " + dir + " --arch digits-cnn --quiet --out x");
  EXPECT_EQ(mismatch.status, 1);  // [4] inputs into a [1, 8, 8] model
  EXPECT_TRUE(contains(mismatch.output, "salient train: ")) << mismatch.output;
  Process nowhere = run_cli("train --data " + temp_path("missing") + " --arch digits-cnn --out x");
  EXPECT_EQ(nowhere.status, 1);
  EXPECT_TRUE(contains(nowhere.output, "neither a data set")) << nowhere.output;
}

TEST(Cli, MethodsListsKeysAndDefaults) {
  Process all = run_cli("methods");
  ASSERT_EQ(all.status, 0);
  EXPECT_TRUE(contains(all.output, "saliency")) << all.output;
  EXPECT_TRUE(contains(all.output, "--set abs=true")) << all.output;
  EXPECT_TRUE(contains(all.output, "input-x-gradient")) << all.output;
  Process one = run_cli("methods input-x-gradient");
  ASSERT_EQ(one.status, 0);
  EXPECT_FALSE(contains(one.output, "saliency"));
  EXPECT_EQ(run_cli("methods nonsense").status, 1);
}

TEST(Cli, ExplainWritesGradientAttributions) {
  const std::string model_path = temp_path("explain.safetensors");
  Result<Model> m = Model::create(Shape{3}, {Layer::linear("fc1", 3, 4), Layer::tanh("t"), Layer::linear("fc2", 4, 2)});
  ASSERT_TRUE(m.ok());
  m->init_default(12);
  ASSERT_TRUE(io::save_model(*m, model_path.c_str()).ok());
  const std::vector<float> x = {0.5f, -1.0f, 2.0f, -0.25f, 0.75f, 1.5f};
  const std::string x_path = temp_path("explain_x.npy"), a_path = temp_path("explain_a.npy");
  ASSERT_TRUE(io::write_npy(x_path.c_str(), x.data(), Shape{2, 3}).ok());

  Process r = run_cli("explain --model " + model_path + " --input " + x_path + " --method input-x-gradient --target 1 --out " +
                      a_path);
  ASSERT_EQ(r.status, 0) << r.output;
  Result<io::Array> a = io::read_npy(a_path.c_str());
  ASSERT_TRUE(a.ok());
  ASSERT_EQ(a->shape, (Shape{2, 3}));
  // Reference: the gradient of output column 1 by the library, times x.
  Arena arena;
  Graph g(arena);
  Tensor xt = g.input(x.data(), Shape{2, 3}, true);
  Tensor y = m->forward(g, xt);
  const std::vector<float> seed = {0, 1, 0, 1};
  ASSERT_TRUE(g.backward(y, seed.data(), gradient_rules()).ok());
  for (int i = 0; i < 6; ++i) EXPECT_FLOAT_EQ(a->data[i], x[i] * g.grad(xt)[i]) << i;

  Process bad_key = run_cli("explain --model " + model_path + " --input " + x_path + " --method saliency --set abz=1 --out " + a_path);
  EXPECT_EQ(bad_key.status, 1);
  EXPECT_TRUE(contains(bad_key.output, "method saliency has no key 'abz'")) << bad_key.output;
  Process bad_method = run_cli("explain --model " + model_path + " --input " + x_path + " --method magic --out " + a_path);
  EXPECT_EQ(bad_method.status, 2);
  Process bad_target = run_cli("explain --model " + model_path + " --input " + x_path + " --method saliency --target 7 --out " + a_path);
  EXPECT_EQ(bad_target.status, 1);
  EXPECT_TRUE(contains(bad_target.output, "target 7")) << bad_target.output;
}

}  // namespace
}  // namespace salient
