// Memory of the many-evaluation explainers: everything runs in the caller's arena, in chunks sized
// to batch_budget_bytes(), so the arena's peak does not grow with n_samples / n_masks / n_steps,
// and a user-buffer arena is used without a single malloc.
#include <gtest/gtest.h>

#include <cmath>
#include <string>
#include <vector>

#include "salient/explain/integrated_gradients.h"
#include "salient/explain/methods.h"

namespace salient::explain {
namespace {

// Sets the batch budget for one test and restores it.
class BudgetScope {
 public:
  explicit BudgetScope(size_t bytes) : saved_(batch_budget_bytes()) {
    set_batch_budget_bytes(bytes);
  }
  ~BudgetScope() { set_batch_budget_bytes(saved_); }

 private:
  size_t saved_;
};

Model small_cnn() {
  Result<Model> m =
      Model::create(Shape{1, 6, 6}, {Layer::conv2d("c", 1, 3, {3, 3}), Layer::relu("r"),
                                     Layer::flatten("f"), Layer::linear("l", 48, 4)});
  SALIENT_ASSERT(m.ok());
  m->init_default(4);
  return std::move(*m);
}

struct Measured {
  Status status;
  size_t peak = 0;
  int64_t mallocs = 0;
};

Measured run_in(Arena& arena, const Model& m, const std::vector<float>& x,
                const std::string& method, std::vector<Setting> settings) {
  Request r;
  r.model = &m;
  r.x = x.data();
  r.shape = Shape{2, 1, 6, 6};
  r.settings = std::move(settings);
  r.seed = 1;
  std::vector<float> a(x.size());
  Measured run;
  run.status = run_method(method, r, arena, a.data());
  run.peak = arena.peak_bytes();
  run.mallocs = arena.system_allocations();
  return run;
}

Measured run_owned(const Model& m, const std::vector<float>& x, const std::string& method,
                   const char* key, int64_t count) {
  Arena arena;
  return run_in(arena, m, x, method, {{key, std::to_string(count)}});
}

std::vector<float> input() {
  std::vector<float> x(2 * 36);
  for (size_t i = 0; i < x.size(); ++i) x[i] = std::sin(0.41f * float(i));
  return x;
}

// With a 256 KiB budget the chunks are full long before 20,000 evaluations, so the peak is that of
// one full chunk whatever the count (equal). The budget covers the chunk (input copies, forward
// temporaries, coalitions or masks); beyond it lie only the N-sized state allocated before the
// chunks are sized (fx, targets, zero baseline: 3 × 64 bytes; RISE's sums: N × 36 doubles), so
// the peak is within budget + 1 KiB. That the chunks do fill the budget (peak > budget/2) shows
// the work goes through the caller's arena.
TEST(PerturbationMemory, PeakStaysWithinTheBudgetAsTheCountGrows) {
  const size_t budget = size_t{256} << 10;
  BudgetScope scope(budget);
  const Model m = small_cnn();
  const std::vector<float> x = input();
  struct Case {
    const char* method;
    const char* key;
    int64_t small, large;
  };
  for (const Case& c :
       {Case{"kernel-shap", "n_samples", 20000, 100000}, Case{"lime", "n_samples", 20000, 100000},
        Case{"rise", "n_masks", 20000, 100000}, Case{"shapley-sampling", "n_samples", 20, 200}}) {
    const Measured small = run_owned(m, x, c.method, c.key, c.small);
    const Measured large = run_owned(m, x, c.method, c.key, c.large);
    ASSERT_TRUE(small.status.ok() && large.status.ok())
        << c.method << ": " << large.status.message();
    EXPECT_EQ(large.peak, small.peak) << c.method;
    EXPECT_LE(large.peak, budget + 1024) << c.method;
    if (std::string(c.method) != "shapley-sampling") {
      EXPECT_GT(large.peak, budget / 2) << c.method;
    }
    // Without chunking, 100,000 rows of 36 floats would be 14 MB of input alone.
    EXPECT_LT(large.peak, size_t(100000) * 36 * 4 / 10) << c.method;
  }
}

// IG: 500 and 5,000 steps have the same peak (full chunks of points), within the budget: the first
// one-point chunk sizes the rest to ⌊budget / bytes per point⌋ points. The points run in the
// caller's arena (its peak is not zero).
TEST(PerturbationMemory, IntegratedGradientsPeakStaysWithinTheBudget) {
  const size_t budget = size_t{256} << 10;
  BudgetScope scope(budget);
  const Model m = small_cnn();
  const std::vector<float> x = input();
  const Measured small = run_owned(m, x, "integrated-gradients", "n_steps", 500);
  const Measured large = run_owned(m, x, "integrated-gradients", "n_steps", 5000);
  ASSERT_TRUE(small.status.ok() && large.status.ok()) << large.status.message();
  EXPECT_EQ(large.peak, small.peak);
  EXPECT_LE(large.peak, budget);
  EXPECT_GT(large.peak, 0u);
}

// A user-buffer arena: the methods size their chunks to its free space and never malloc.
TEST(PerturbationMemory, UserBufferArenaIsEnoughAndNeverMallocs) {
  const Model m = small_cnn();
  const std::vector<float> x = input();
  static unsigned char buffer[192 << 10];
  for (const char* method :
       {"kernel-shap", "lime", "rise", "occlusion", "feature-ablation", "integrated-gradients"}) {
    Arena arena(buffer, sizeof buffer);
    std::vector<Setting> settings;
    if (std::string(method) == "occlusion") settings = {{"window", "1,2,2"}};
    if (std::string(method) == "kernel-shap" || std::string(method) == "lime")
      settings = {{"n_samples", "5000"}};
    const Measured run = run_in(arena, m, x, method, settings);
    EXPECT_TRUE(run.status.ok()) << method << ": " << run.status.message();
    EXPECT_EQ(run.mallocs, 0) << method;
    EXPECT_LE(run.peak, sizeof buffer) << method;
  }
}

// The chunking is invisible in the results: a budget of one row per forward gives the default's
// attributions (to float rounding of differently-batched kernels).
TEST(PerturbationMemory, TinyBudgetGivesTheSameAttributions) {
  const Model m = small_cnn();
  const std::vector<float> x = input();
  for (const char* method : {"kernel-shap", "rise"}) {
    Request r;
    r.model = &m;
    r.x = x.data();
    r.shape = Shape{2, 1, 6, 6};
    r.settings = {{std::string(method) == "rise" ? "n_masks" : "n_samples", "300"}};
    r.seed = 3;
    std::vector<float> a(x.size()), b(x.size());
    Arena arena_a, arena_b;
    ASSERT_TRUE(run_method(method, r, arena_a, a.data()).ok());
    {
      BudgetScope scope(1);
      ASSERT_TRUE(run_method(method, r, arena_b, b.data()).ok());
    }
    EXPECT_LT(arena_b.peak_bytes(), arena_a.peak_bytes());
    // 1e-5 of the largest attribution: the logits differ by kernel rounding only (~1e-7 relative).
    float scale = 0;
    for (float v : a) scale = std::max(scale, std::fabs(v));
    for (size_t i = 0; i < a.size(); ++i)
      EXPECT_NEAR(a[i], b[i], 1e-5f * scale) << method << " " << i;
  }
}

}  // namespace
}  // namespace salient::explain
