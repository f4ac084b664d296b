// The library behind `salient equivalences` (SPEC §8): every identity row holds, every negative
// control differs, on two seeds; identities 1-9 all have rows, and each has a control except 2.
#include <gtest/gtest.h>

#include <cstdio>
#include <set>
#include <string>

#include "salient/explain/equivalences.h"

namespace salient::explain {
namespace {

TEST(EquivalenceTable, EveryIdentityHoldsAndEveryControlDiffers) {
  for (uint64_t seed : {0u, 3u}) {
    Result<std::vector<EquivalenceRow>> rows = equivalence_table(seed);
    ASSERT_TRUE(rows.ok()) << rows.status().message();
    std::set<char> identities, controls;
    for (const EquivalenceRow& r : *rows) {
      EXPECT_TRUE(r.as_expected()) << "seed " << seed << ": " << r.identity << " " << r.method_a << " vs " << r.method_b
                                   << " (" << r.condition << "): rel " << r.max_rel << ", threshold " << r.threshold;
      EXPECT_GT(r.nets, 0) << r.identity;
      (r.control ? controls : identities).insert(r.identity[0]);
      std::printf("[seed %llu] %-10s %-30s %-30s rel %.2e %s\n", static_cast<unsigned long long>(seed), r.identity.c_str(),
                  r.method_a.c_str(), r.method_b.c_str(), r.max_rel, r.note.c_str());
    }
    EXPECT_EQ(identities, (std::set<char>{'1', '2', '3', '4', '5', '6', '7', '8', '9'}));
    EXPECT_EQ(controls, (std::set<char>{'1', '3', '4', '5', '6', '7', '8', '9'}));
    EXPECT_TRUE(all_as_expected(*rows));
  }
}

TEST(EquivalenceTable, AllAsExpectedFailsOnABrokenRow) {
  EquivalenceRow identity;
  identity.max_rel = 1.0;
  identity.threshold = 1e-4;
  EXPECT_FALSE(all_as_expected({identity}));
  EquivalenceRow control = identity;
  control.control = true;
  EXPECT_TRUE(all_as_expected({control}));
  control.max_rel = 0.0;
  EXPECT_FALSE(all_as_expected({control}));
}

}  // namespace
}  // namespace salient::explain
