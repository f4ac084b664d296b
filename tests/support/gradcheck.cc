#include "support/gradcheck.h"

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <utility>

#include "salient/arena.h"
#include "salient/rules.h"

namespace salient::gradcheck {
namespace {

using refops::Array;

constexpr int kMaxReported = 6;  // mismatches listed per failure message

double max_abs(const std::vector<double>& v) {
  double m = 0.0;
  for (double e : v) m = std::fabs(e) > m ? std::fabs(e) : m;
  return m;
}

// L = Σ_i c_i·y_i in double.
double objective(const Array& y, const std::vector<double>& c) {
  double s = 0.0;
  for (size_t i = 0; i < c.size(); ++i) s += c[i] * y.data[i];
  return s;
}

std::string dims_str(const std::vector<int64_t>& d) {
  std::string s = "[";
  for (size_t i = 0; i < d.size(); ++i) s += (i ? ", " : "") + std::to_string(d[i]);
  return s + "]";
}

// Compares `got` with `want` elementwise under tol·(1 + max|want|); appends mismatches to `msg`.
// Returns the worst |got − want| / bound (NaN counts as infinitely bad).
double compare(const char* what, const std::string& name, const float* got,
               const std::vector<double>& want, double tol, int* failures, std::string* msg) {
  const double bound = tol * (1.0 + max_abs(want));
  double worst = 0.0;
  for (size_t i = 0; i < want.size(); ++i) {
    const double err = std::fabs(static_cast<double>(got[i]) - want[i]);
    const double ratio = std::isfinite(err) ? err / bound : HUGE_VAL;
    worst = ratio > worst ? ratio : worst;
    if (!(err <= bound)) {
      if (*failures < kMaxReported) {
        char line[256];
        std::snprintf(line, sizeof line, "\n  %s of '%s' [%zu]: engine %.9g, reference %.9g, |diff| %.3g > %.3g",
                      what, name.c_str(), i, static_cast<double>(got[i]), want[i], err, bound);
        *msg += line;
      }
      ++*failures;
    }
  }
  return worst;
}

}  // namespace

::testing::AssertionResult Check(const std::vector<Input>& inputs, const BuildFn& build,
                                 const ReferenceFn& reference, const Options& options,
                                 Stats* stats) {
  if (inputs.empty()) return ::testing::AssertionFailure() << "gradcheck needs at least one input";

  // ---- engine: forward, then backward from L = Σ c·y ------------------------------------------
  Arena arena;
  GraphOptions graph_options = options.graph;
  graph_options.record = true;
  Graph g(arena, graph_options);
  auto takes_grad = [&options](const std::string& name) {
    for (const std::string& n : options.no_grad)
      if (n == name) return false;
    return true;
  };
  for (const std::string& n : options.no_grad) {
    bool found = false;
    for (const Input& in : inputs) found = found || in.name == n;
    if (!found) return ::testing::AssertionFailure() << "no_grad names no input: '" << n << "'";
  }
  std::vector<Tensor> tensors;
  for (const Input& in : inputs) {
    if (static_cast<int64_t>(in.data.size()) != in.shape.numel())
      return ::testing::AssertionFailure()
             << "input '" << in.name << "' has " << in.data.size() << " values for shape "
             << ShapeStr(in.shape).c_str();
    tensors.push_back(g.input(in.data.data(), in.shape, /*requires_grad=*/takes_grad(in.name)));
  }
  const Tensor y = build(g, tensors);
  if (!g.ok() || !y.valid())
    return ::testing::AssertionFailure() << "building the graph failed: " << g.status().message();

  std::vector<Array> xs;
  for (const Input& in : inputs) xs.push_back(ToArray(in.data.data(), in.shape));
  const Array ref_y = reference(xs);
  if (Dims(y.shape) != ref_y.shape)
    return ::testing::AssertionFailure() << "output shape " << ShapeStr(y.shape).c_str()
                                         << " differs from the reference "
                                         << dims_str(ref_y.shape);

  // Copy the output now: it must not change during backward (values are immutable).
  const std::vector<float> y_forward(y.data, y.data + y.numel());

  Rng rng(options.upstream_seed);
  std::vector<float> c(static_cast<size_t>(y.numel()));
  for (float& v : c) v = rng.uniform(-1.0f, 1.0f);
  const std::vector<double> c_double(c.begin(), c.end());

  const Status st = g.backward(y, c.data(), gradient_rules());
  if (!st.ok()) return ::testing::AssertionFailure() << "backward failed: " << st.message();

  std::string msg;
  int failures = 0;
  Stats s;
  s.forward_ratio = compare("forward", "output", y_forward.data(), ref_y.data, options.tolerance,
                            &failures, &msg);
  if (std::memcmp(y_forward.data(), y.data, y_forward.size() * sizeof(float)) != 0) {
    msg += "\n  the output value changed during backward";
    ++failures;
  }

  // ---- reference: central differences of L for every element of every input --------------------
  const double h = options.step;
  for (size_t k = 0; k < inputs.size(); ++k) {
    const float* analytic = g.grad(tensors[k]);
    if (!takes_grad(inputs[k].name)) {
      if (analytic) {
        msg += "\n  input '" + inputs[k].name + "' takes no gradient but received one";
        ++failures;
      }
      continue;
    }
    if (!analytic) {
      msg += "\n  no gradient reached input '" + inputs[k].name + "'";
      ++failures;
      continue;
    }
    std::vector<double> numeric(static_cast<size_t>(xs[k].numel()));
    std::vector<Array> xp = xs;
    for (size_t j = 0; j < numeric.size(); ++j) {
      const double x0 = xs[k].data[j];
      xp[k].data[j] = x0 + h;
      const double plus = objective(reference(xp), c_double);
      xp[k].data[j] = x0 - h;
      const double minus = objective(reference(xp), c_double);
      xp[k].data[j] = x0;
      numeric[j] = (plus - minus) / (2.0 * h);
    }
    const double r = compare("gradient", inputs[k].name, analytic, numeric, options.tolerance,
                             &failures, &msg);
    s.gradient_ratio = r > s.gradient_ratio ? r : s.gradient_ratio;
  }

  if (stats) *stats = s;
  if (std::getenv("SALIENT_GRADCHECK_VERBOSE"))
    std::printf("[gradcheck] %s.%s: worst error / bound: forward %.3g, gradient %.3g\n",
                ::testing::UnitTest::GetInstance()->current_test_info()->test_suite_name(),
                ::testing::UnitTest::GetInstance()->current_test_info()->name(), s.forward_ratio,
                s.gradient_ratio);
  if (failures)
    return ::testing::AssertionFailure() << failures << " mismatch(es), tolerance "
                                         << options.tolerance << "·(1 + max|reference|):" << msg;
  return ::testing::AssertionSuccess();
}

refops::Array ToArray(const float* data, const Shape& shape) {
  return Array(Dims(shape), std::vector<double>(data, data + shape.numel()));
}

std::vector<int64_t> Dims(const Shape& shape) {
  return std::vector<int64_t>(shape.dims, shape.dims + shape.rank);
}

std::vector<float> Uniform(Rng& rng, int64_t n, float lo, float hi) {
  std::vector<float> v(static_cast<size_t>(n));
  for (float& e : v) e = rng.uniform(lo, hi);
  return v;
}

std::vector<float> AwayFromZero(Rng& rng, int64_t n, float min_abs, float max_abs) {
  std::vector<float> v(static_cast<size_t>(n));
  for (float& e : v) {
    const float magnitude = rng.uniform(min_abs, max_abs);
    e = (rng.next_u64() & 1) ? magnitude : -magnitude;
  }
  return v;
}

std::vector<float> DistinctShuffled(Rng& rng, int64_t n, float spacing) {
  std::vector<float> v(static_cast<size_t>(n));
  for (int64_t k = 0; k < n; ++k)
    v[static_cast<size_t>(k)] = static_cast<float>(static_cast<double>(k - n / 2) * spacing);
  // Fisher-Yates with the seeded generator (reproducible on every platform).
  for (int64_t i = n - 1; i > 0; --i) {
    const int64_t j = static_cast<int64_t>(rng.below(static_cast<uint64_t>(i + 1)));
    std::swap(v[static_cast<size_t>(i)], v[static_cast<size_t>(j)]);
  }
  return v;
}

}  // namespace salient::gradcheck
