#include "salient/trainer.h"

#include <gtest/gtest.h>

#include <cmath>
#include <string>
#include <vector>

#include "salient/metrics.h"
#include "salient/random.h"

namespace salient {
namespace {

TEST(Metrics, AurocKnownValues) {
  const float labels[6] = {0, 0, 1, 1, 0, 1};
  const float perfect[6] = {0.1f, 0.2f, 0.8f, 0.9f, 0.3f, 0.7f};
  const float reversed[6] = {0.9f, 0.8f, 0.2f, 0.1f, 0.7f, 0.3f};
  const float constant[6] = {1, 1, 1, 1, 1, 1};
  EXPECT_DOUBLE_EQ(binary_auroc(perfect, labels, 6), 1.0);
  EXPECT_DOUBLE_EQ(binary_auroc(reversed, labels, 6), 0.0);
  EXPECT_DOUBLE_EQ(binary_auroc(constant, labels, 6), 0.5);
  // Positives score {0.5, 0.4, 0.2}, negatives {0.3, 0.4, 0.1}. Of the 9 (positive, negative) pairs,
  // 0.5 wins 3; 0.4 wins 2 and ties 1 (½); 0.2 wins 1: AUROC = (3 + 2.5 + 1)/9.
  const float s[6] = {0.5f, 0.3f, 0.4f, 0.4f, 0.2f, 0.1f};
  const float l[6] = {1, 0, 1, 0, 1, 0};
  EXPECT_NEAR(binary_auroc(s, l, 6), 6.5 / 9.0, 1e-12);
  EXPECT_TRUE(std::isnan(binary_auroc(s, constant, 6)));
}

// Two Gaussian blobs in 4-D, classes 0/1 centred at ∓1 along every axis (Bayes error ≈ 2.3 %).
struct Blobs {
  std::vector<float> x, y;
};
Blobs blobs(int n, uint64_t seed) {
  Blobs b;
  Rng rng(seed);
  for (int i = 0; i < n; ++i) {
    const float label = static_cast<float>(i % 2);
    for (int j = 0; j < 4; ++j) b.x.push_back((label ? 1.0f : -1.0f) + rng.normal());
    b.y.push_back(label);
  }
  return b;
}

Model mlp(uint64_t seed) {
  Result<Model> m = Model::create(Shape{4}, {Layer::linear("fc1", 4, 8), Layer::relu("relu"), Layer::linear("fc2", 8, 2)});
  SALIENT_ASSERT(m.ok());
  m->init_default(seed);
  return std::move(*m);
}

TEST(Trainer, LearnsSeparableBlobs) {
  Blobs b = blobs(500, 1);
  const TrainData data{b.x.data(), Shape{500, 4}, b.y.data(), Shape{500}};
  Model m = mlp(2);
  Result<Evaluation> before = evaluate_classifier(m, data, 400, 500);
  ASSERT_TRUE(before.ok());
  TrainOptions o;
  o.epochs = 20;
  o.lr = 1e-2;
  ASSERT_TRUE(train_classifier(m, data, 400, o).ok());
  Result<Evaluation> after = evaluate_classifier(m, data, 400, 500);
  ASSERT_TRUE(after.ok());
  EXPECT_EQ(after->count, 100);
  // Bayes accuracy ≈ 0.977; 100 test samples: ≥ 0.93 leaves 3σ of sampling noise.
  EXPECT_GE(after->accuracy, 0.93);
  EXPECT_GE(after->auroc, 0.97);
}

TEST(Trainer, SameSeedSameModelBitForBit) {
  Blobs b = blobs(200, 3);
  const TrainData data{b.x.data(), Shape{200, 4}, b.y.data(), Shape{200}};
  Model a = mlp(4), c = mlp(4);
  TrainOptions o;
  o.epochs = 3;
  o.seed = 77;
  o.optimizer = "sgd";
  o.momentum = 0.9;
  o.lr = 0.05;
  ASSERT_TRUE(train_classifier(a, data, 160, o).ok());
  ASSERT_TRUE(train_classifier(c, data, 160, o).ok());
  EXPECT_EQ(std::vector<float>(a.parameter_data(), a.parameter_data() + a.parameter_count()),
            std::vector<float>(c.parameter_data(), c.parameter_data() + c.parameter_count()));
}

// Per-step labels: y_t = [x_t,0 > 0] at every step. A small GRU learns it from random prefixes.
TEST(Trainer, PerStepLabelsWithRandomPrefixes) {
  const int n = 200, steps = 12;
  std::vector<float> x(n * steps * 2), y(n * steps);
  Rng rng(5);
  for (int i = 0; i < n * steps; ++i) {
    x[i * 2] = rng.normal();
    x[i * 2 + 1] = rng.normal();
    y[i] = x[i * 2] > 0.0f ? 1.0f : 0.0f;
  }
  const TrainData data{x.data(), Shape{n, steps, 2}, y.data(), Shape{n, steps}};
  Result<Model> m = Model::create(Shape{0, 2}, {Layer::gru("gru", 2, 8, true), Layer::linear("fc", 8, 2)});
  ASSERT_TRUE(m.ok());
  m->init_default(6);
  TrainOptions o;
  o.epochs = 40;
  o.batch = 16;
  o.lr = 1e-2;
  o.random_prefix = true;
  int calls = 0;
  auto count_calls = [](void* c, int, int64_t, int64_t, double) { ++*static_cast<int*>(c); };
  ASSERT_TRUE(train_classifier(*m, data, 160, o, count_calls, &calls).ok());
  EXPECT_EQ(calls, 40 * 10);  // one call per batch
  Result<Evaluation> e = evaluate_classifier(*m, data, 160, 200);
  ASSERT_TRUE(e.ok());
  EXPECT_EQ(e->count, 40 * steps);
  EXPECT_GE(e->accuracy, 0.9);  // the task is deterministic given x_t: a working GRU gets near 1
}

TEST(Trainer, CosineScheduleFromLrToNearZero) {
  TrainOptions o;
  o.lr = 0.2;
  EXPECT_EQ(learning_rate_at(o, 7, 10), 0.2);  // constant
  o.schedule = "cosine";
  EXPECT_DOUBLE_EQ(learning_rate_at(o, 0, 10), 0.2);
  EXPECT_NEAR(learning_rate_at(o, 5, 10), 0.1, 1e-15);
  EXPECT_NEAR(learning_rate_at(o, 9, 10), 0.2 * 0.5 * (1 + std::cos(M_PI * 0.9)), 1e-15);
  Blobs b = blobs(10, 1);
  Model m = mlp(1);
  const TrainData data{b.x.data(), Shape{10, 4}, b.y.data(), Shape{10}};
  o.schedule = "linear";
  EXPECT_NE(std::string(train_classifier(m, data, 8, o).message()).find("schedule 'linear'"), std::string::npos);
}

TEST(Trainer, ErrorsNameTheProblem) {
  Blobs b = blobs(10, 1);
  Model m = mlp(1);
  const TrainData bad_labels{b.x.data(), Shape{10, 4}, b.y.data(), Shape{9}};
  EXPECT_FALSE(train_classifier(m, bad_labels, 8, TrainOptions{}).ok());
  const TrainData data{b.x.data(), Shape{10, 4}, b.y.data(), Shape{10}};
  TrainOptions o;
  o.optimizer = "rmsprop";
  Status s = train_classifier(m, data, 8, o);
  EXPECT_NE(std::string(s.message()).find("rmsprop"), std::string::npos);
  EXPECT_FALSE(train_classifier(m, data, 0, TrainOptions{}).ok());
  TrainOptions shift;
  shift.max_shift = 1;  // needs image inputs [N, C, H, W]
  EXPECT_NE(std::string(train_classifier(m, data, 8, shift).message()).find("max_shift"), std::string::npos);
  EXPECT_FALSE(evaluate_classifier(m, data, 5, 5).ok());
}

}  // namespace
}  // namespace salient
