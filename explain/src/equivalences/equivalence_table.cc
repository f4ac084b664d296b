// The table of SPEC §8: every identity's rows in order.
#include "table.h"

namespace salient::explain {

Result<std::vector<EquivalenceRow>> equivalence_table(uint64_t seed) {
  equivalence::Table t{seed, Status{}, {}};
  t.rows.reserve(256);  // rows are filled through references while later ones are added
  equivalence::identity1(t);
  equivalence::identity2(t);
  equivalence::identity3(t);
  equivalence::identity4(t);
  equivalence::identity5(t);
  equivalence::identity6(t);
  equivalence::identity7(t);
  equivalence::identity8(t);
  equivalence::identity9(t);
  if (!t.error.ok()) return t.error;
  return std::move(t.rows);
}

}  // namespace salient::explain
