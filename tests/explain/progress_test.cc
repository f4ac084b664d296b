// Request::progress: every long loop reports (done, total) after each chunk, done rising to total
// within each loop, and nothing when no sink is set. Checked on a small MLP for the loops of
// integrated-gradients (steps), smoothgrad (noise samples), kernel-shap (perturbed rows),
// deeplift-shap (baselines) and target_time=all (steps of a per-step model).
#include <gtest/gtest.h>

#include <string>
#include <utility>
#include <vector>

#include "../support/cli_process.h"
#include "salient/explain/methods.h"

namespace salient::explain {
namespace {

struct Recorder {
  std::vector<std::pair<int64_t, int64_t>> reports;
  static void report(void* context, int64_t done, int64_t total) {
    static_cast<Recorder*>(context)->reports.push_back({done, total});
  }
};

Model mlp() {
  Result<Model> m = Model::create(
      Shape{6}, {Layer::linear("l1", 6, 8), Layer::relu("r"), Layer::linear("l2", 8, 3)});
  SALIENT_ASSERT(m.ok());
  m->init_default(5);
  return std::move(*m);
}

// Runs `method` with a recorder and checks the reports: each loop's done rises strictly to its
// total.
std::vector<std::pair<int64_t, int64_t>> reports_of(const Model& m, const Shape& shape,
                                                    const std::string& method,
                                                    std::vector<Setting> settings,
                                                    const std::vector<float>* baselines = nullptr,
                                                    Shape baselines_shape = {}) {
  std::vector<float> x(static_cast<size_t>(shape.numel()));
  for (size_t i = 0; i < x.size(); ++i) x[i] = 0.1f * static_cast<float>(i % 7) - 0.3f;
  Recorder rec;
  Request r;
  r.model = &m;
  r.x = x.data();
  r.shape = shape;
  r.settings = std::move(settings);
  if (baselines) {
    r.baselines = baselines->data();
    r.baselines_shape = baselines_shape;
  }
  r.progress = {Recorder::report, &rec};
  std::vector<float> a(x.size());
  Arena arena;
  const Status s = run_method(method, r, arena, a.data());
  EXPECT_TRUE(s.ok()) << s.message();
  int64_t last = 0, total = -1;
  for (const auto& [done, t] : rec.reports) {
    if (t != total) {  // a new loop
      EXPECT_TRUE(total < 0 || last == total)
          << method << ": a loop stopped at " << last << "/" << total;
      total = t;
      last = 0;
    }
    EXPECT_GT(done, last) << method;
    EXPECT_LE(done, total) << method;
    last = done;
  }
  EXPECT_EQ(last, total) << method << ": the last loop ends at its total";
  return rec.reports;
}

TEST(Progress, LongLoopsReportUpToTheirTotal) {
  const Model m = mlp();
  const Shape shape{2, 6};
  EXPECT_EQ(reports_of(m, shape, "integrated-gradients", {{"n_steps", "40"}}).back().second, 40);
  EXPECT_EQ(reports_of(m, shape, "smoothgrad", {{"nt_samples", "9"}}).back().second, 9);
  EXPECT_FALSE(reports_of(m, shape, "kernel-shap", {{"n_samples", "300"}}).empty());
  // One bar over f(baseline) and every permutation's rows: 2 + 4 permutations × 2 samples × 6.
  EXPECT_EQ(reports_of(m, shape, "shapley-sampling", {{"n_samples", "4"}}).back().second, 50);
  const std::vector<float> baselines(3 * 6, 0.25f);
  EXPECT_EQ(reports_of(m, shape, "deeplift-shap", {}, &baselines, Shape{3, 6}).back().second, 3);
}

TEST(Progress, TargetTimeAllReportsItsSteps) {
  Result<Model> m = Model::create(
      Shape{0, 2}, {Layer::gru("gru", 2, 3, /*all_steps=*/true), Layer::linear("fc", 3, 2)});
  ASSERT_TRUE(m.ok());
  m->init_default(2);
  const auto reports =
      reports_of(*m, Shape{1, 5, 2}, "integrated-gradients", {{"target_time", "all"}});
  ASSERT_EQ(reports.size(), 5u);  // one per step; the steps' own IG loops stay silent
  EXPECT_EQ(reports.back(), (std::pair<int64_t, int64_t>{5, 5}));
}

TEST(Progress, ExplainTakesQuiet) {
  const testing_cli::Process help = testing_cli::run_cli("explain --help");
  EXPECT_EQ(help.status, 0);
  EXPECT_TRUE(testing_cli::contains(help.output, "--quiet")) << help.output;
}

}  // namespace
}  // namespace salient::explain
