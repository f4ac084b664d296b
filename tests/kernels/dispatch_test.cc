// Kernel dispatch: the ISA ladder, the cap (SALIENT_MAX_ISA and set_max_isa), and the per-ISA
// tables (every slot filled; the scalar table is the reference; a cap picks its own table).
#include <gtest/gtest.h>

#include <cstdlib>
#include <cstring>

#include "salient/isa.h"
#include "salient/kernels.h"

namespace salient {
namespace {

// Restores the cap a test changes.
class CapGuard {
 public:
  CapGuard() : saved_(max_isa()) {}
  ~CapGuard() { set_max_isa(saved_); }

 private:
  Isa saved_;
};

TEST(Dispatch, IsaNamesRoundTrip) {
  for (Isa isa : kAllIsas) {
    Isa parsed = Isa::kScalar;
    ASSERT_TRUE(parse_isa(isa_name(isa), &parsed)) << isa_name(isa);
    EXPECT_EQ(parsed, isa);
  }
  Isa untouched = Isa::kAvx2;
  EXPECT_FALSE(parse_isa("sse9", &untouched));
  EXPECT_FALSE(parse_isa("", &untouched));
  EXPECT_EQ(untouched, Isa::kAvx2);
}

TEST(Dispatch, LaddersOrderTheLevels) {
  EXPECT_TRUE(isa_within(Isa::kScalar, Isa::kScalar));
  EXPECT_TRUE(isa_within(Isa::kScalar, Isa::kNeon));
  EXPECT_TRUE(isa_within(Isa::kAvx2, Isa::kAvx512));
  EXPECT_FALSE(isa_within(Isa::kAvx512, Isa::kAvx2));
  EXPECT_FALSE(isa_within(Isa::kAvx2, Isa::kScalar));
  EXPECT_FALSE(isa_within(Isa::kNeon, Isa::kAvx512));
  EXPECT_FALSE(isa_within(Isa::kAvx2, Isa::kNeon));
}

// The scalar table is always there and is the reference, slot for slot.
TEST(Dispatch, ScalarTableIsTheReference) {
  const KernelTable* t = kernels_for(Isa::kScalar);
  ASSERT_NE(t, nullptr);
  EXPECT_STREQ(t->isa, "scalar");
  EXPECT_EQ(std::memcmp(reinterpret_cast<const char*>(t) + sizeof t->isa,
                        reinterpret_cast<const char*>(&reference_kernels()) + sizeof t->isa,
                        sizeof(KernelTable) - sizeof t->isa),
            0);
}

// Every table this CPU runs names its ISA and fills every slot (the reference fills the gaps).
TEST(Dispatch, EveryRunnableTableIsComplete) {
  for (Isa isa : kAllIsas) {
    const KernelTable* t = kernels_for(isa);
    if (!isa_within(isa, cpu_isa())) {
      EXPECT_EQ(t, nullptr) << isa_name(isa);
      continue;
    }
    ASSERT_NE(t, nullptr) << isa_name(isa);
    EXPECT_STREQ(t->isa, isa_name(isa));
    void* const* slots =
        reinterpret_cast<void* const*>(reinterpret_cast<const char*>(t) + sizeof t->isa);
    const size_t count = (sizeof(KernelTable) - sizeof t->isa) / sizeof(void*);
    for (size_t i = 0; i < count; ++i)
      EXPECT_NE(slots[i], nullptr) << isa_name(isa) << " slot " << i;
  }
}

TEST(Dispatch, SetMaxIsaCapsTheEngineTable) {
  CapGuard guard;
  for (Isa isa : kAllIsas) {
    if (!isa_within(isa, cpu_isa())) continue;
    set_max_isa(isa);
    EXPECT_EQ(active_isa(), isa);
    EXPECT_EQ(&kernels(), kernels_for(isa));
    EXPECT_STREQ(kernels().isa, isa_name(isa));
  }
  set_max_isa(Isa::kAvx512);  // above the CPU on a smaller x86: the CPU's best
  if (isa_within(cpu_isa(), Isa::kAvx512)) {
    EXPECT_EQ(active_isa(), cpu_isa());
  }
}

TEST(Dispatch, SimdVariantsReplaceTheReferenceGemm) {
  for (Isa isa : {Isa::kAvx2, Isa::kAvx512}) {
    const KernelTable* t = kernels_for(isa);
    if (!t) continue;
    EXPECT_NE(t->sgemm, reference_kernels().sgemm) << isa_name(isa);
    EXPECT_NE(t->sgemm_fused, reference_kernels().sgemm_fused) << isa_name(isa);
  }
}

// CI runs this binary under SALIENT_MAX_ISA=scalar, =avx2 and =avx512: the engine's table must
// then be the capped one; without the variable (or with an unreadable one) the cap is the CPU's
// best ISA (no test above leaves the cap changed).
TEST(Dispatch, EnvironmentCapIsHonoured) {
  const char* env = std::getenv("SALIENT_MAX_ISA");
  Isa cap = Isa::kScalar;
  if (env == nullptr || !parse_isa(env, &cap)) cap = cpu_isa();
  EXPECT_EQ(max_isa(), cap);
  const Isa want = isa_within(cap, cpu_isa()) ? cap : cpu_isa();
  EXPECT_STREQ(kernels().isa, isa_name(want));
}

}  // namespace
}  // namespace salient
