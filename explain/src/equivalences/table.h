// The internal workbench of the equivalence table: a Table that runs registered methods on random
// nets and accumulates rows, the shared thresholds, and one function per identity (each in its own
// file of this directory), called in order by equivalence_table().
#pragma once

#include <algorithm>
#include <cmath>
#include <vector>

#include "../batched.h"
#include "../rules/layer_view.h"
#include "salient/explain/equivalences.h"
#include "salient/graph.h"

namespace salient::explain::equivalence {

// Thresholds are relative (max|a − b| / max|a|), float32 throughout:
//   exact-arithmetic identities (1-3, 5, 6, 7): 1e-4 (ε-LRP's ε/|z| and reordered sums);
//   identity 4 with m-step midpoint IG: 1e-2 for ReLU (error O(1/m)), 1e-3 for tanh (O(1/m²));
//   negative controls must differ by more than 1e-2.
inline constexpr double kExact = 1e-4;  // identities that hold up to float32 rounding (and ε/|z|)
inline constexpr double kControl = 1e-2;  // a control must differ by more than this

// Runs methods on nets and accumulates one row; the first error sticks in `error`.
struct Table {
  uint64_t seed;
  Status error;
  std::vector<EquivalenceRow> rows;

  uint32_t input_seed(uint32_t k) const { return static_cast<uint32_t>(seed * 7919u + k); }

  std::vector<float> input(const RandomNet& n, uint32_t k, float lo = -1.0f,
                           float hi = 1.0f) const {
    return uniform_values(static_cast<size_t>(n.shape.numel()), input_seed(k), lo, hi);
  }

  // An input whose pre-activations stay away from 0 at every nonlinearity: |z| >= 1e-2 at
  // sigmoids, where f(0) != 0 makes the modified gradient f(z)/stab(z) ~ 1/z amplify the rounding
  // of z without bound, and |z| >= 1e-4 elsewhere, where the two forms' ε placements differ by
  // O(ε/|z|). Identity 2 avoids these regions by construction, as the gradchecks avoid kinks.
  std::vector<float> input_away_from_zero(const RandomNet& n, uint32_t k) const {
    std::vector<float> x;
    for (uint32_t attempt = 0; attempt < 64; ++attempt) {
      x = input(n, k + 1000u * attempt);
      Arena arena;
      Graph g(arena);
      n.model.forward(g, g.input(x.data(), n.shape));
      bool clear = true;
      for (int32_t i = 0; i < g.node_count() && clear; ++i) {
        const OpKind kind = g.node(i).kind;
        if (kind != OpKind::kSigmoid && kind != OpKind::kTanh && kind != OpKind::kRelu) continue;
        const double bound = kind == OpKind::kSigmoid ? 1e-2 : 1e-4;
        const Value& z = g.value(g.node(i).in[0]);
        for (int64_t j = 0; j < z.shape.numel() && clear; ++j)
          clear = std::fabs(double{z.data[j]}) >= bound;
      }
      if (clear) break;
    }
    return x;
  }

  std::vector<float> run(const RandomNet& n, const std::vector<float>& x, const char* method,
                         std::vector<Setting> settings = {}, const float* baseline = nullptr,
                         const int32_t* columns = nullptr) {
    std::vector<float> a(x.size(), 0.0f);
    if (!error.ok()) return a;
    Request r;
    r.model = &n.model;
    r.x = x.data();
    r.shape = n.shape;
    r.settings = std::move(settings);
    r.baseline = baseline;
    r.target.columns = columns;
    Arena arena;
    const Status s = run_method(method, r, arena, a.data());
    if (!s.ok()) error = s;
    return a;
  }

  EquivalenceRow& row(const char* id, const char* condition, const char* a, const char* b,
                      double threshold, bool control = false) {
    EquivalenceRow r;
    r.identity = id;
    r.condition = condition;
    r.method_a = a;
    r.method_b = b;
    r.threshold = threshold;
    r.control = control;
    rows.push_back(r);
    return rows.back();
  }

  static void add(EquivalenceRow& r, const std::vector<float>& a, const std::vector<float>& b) {
    r.max_abs = std::max(r.max_abs, absolute_difference(a, b));
    r.max_rel = std::max(r.max_rel, relative_difference(a, b));
    ++r.nets;
  }

  // Σ over each sample of a vs the per-sample values `want`; as a relative difference against
  // max|want|.
  static void add_sums(EquivalenceRow& r, const std::vector<float>& attributions, int64_t rows_n,
                       const std::vector<float>& want) {
    const size_t per = attributions.size() / static_cast<size_t>(rows_n);
    std::vector<float> sums(static_cast<size_t>(rows_n), 0.0f);
    for (size_t i = 0; i < sums.size(); ++i) {
      double s = 0.0;
      for (size_t j = 0; j < per; ++j) s += attributions[i * per + j];
      sums[i] = static_cast<float>(s);
    }
    add(r, want, sums);
  }

  // F(x)_c − F(x̄)_c (x̄ null: y_c itself) for each sample's argmax column c at x.
  std::vector<float> output_difference(const RandomNet& n, const std::vector<float>& x,
                                       const float* baseline) {
    std::vector<float> out;
    if (!error.ok()) return out;
    std::vector<int32_t> columns;
    std::vector<float> fx, fb;
    int64_t classes = 0;
    Status s =
        detail::resolve_columns(n.model, x.data(), n.shape, Target{}, &columns, &fx, &classes);
    if (s.ok() && baseline) s = detail::forward_outputs(n.model, baseline, n.shape, &fb, &classes);
    if (!s.ok()) {
      error = s;
      return out;
    }
    for (size_t i = 0; i < columns.size(); ++i) {
      const size_t at = i * static_cast<size_t>(classes) + static_cast<size_t>(columns[i]);
      out.push_back(fx[at] - (baseline ? fb[at] : 0.0f));
    }
    return out;
  }
};

/// rule.<layer>=rule for every linear/conv layer of the net.
std::vector<Setting> all_layers(const RandomNet& n, const char* rule);
/// Nine ReLU nets: 4 MLPs, 4 CNNs (max-then-avg and avg-then-max pools), 1 conv1d net.
std::vector<RandomNet> relu_nets(bool bias, uint64_t seed);

// One function per identity; each appends its rows (and its negative controls) to the table.
void identity1(Table& t);
void identity2(Table& t);
void identity3(Table& t);
void identity4(Table& t);
void identity5(Table& t);
void identity6(Table& t);
void identity7(Table& t);
void identity8(Table& t);
void identity9(Table& t);

}  // namespace salient::explain::equivalence
