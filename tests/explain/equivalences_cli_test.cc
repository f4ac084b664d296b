// `salient equivalences [--seed S] [--json]` (SPEC §5, §8): exit 0 with every identity's row,
// JSON with the row keys, --help, and bad usage.
#include <gtest/gtest.h>

#ifdef SALIENT_CLI

#include "support/cli_process.h"

namespace salient::testing_cli {
namespace {

TEST(EquivalencesCli, PrintsTheTableAndExitsZero) {
  const Process p = run_cli("equivalences --seed 2");
  EXPECT_EQ(p.status, 0) << p.output;
  for (const char* part : {"identity", "max abs", "max rel", "holds", "lrp-epsilon", "input-x-gradient", "deeplift",
                           "integrated-gradients", "guided-backprop", "deconvnet", "1 control", "3 control", "4 control",
                           "observed order", "all identities hold"})
    EXPECT_TRUE(contains(p.output, part)) << part << "\n" << p.output;
  for (const char* id : {"\n1 ", "\n2 ", "\n3 ", "\n4 (ReLU)", "\n4 (tanh)", "\n5 ", "\n6 ", "\n7 "})
    EXPECT_TRUE(contains(p.output, id)) << id;
  EXPECT_FALSE(contains(p.output, "UNEXPECTED")) << p.output;
}

TEST(EquivalencesCli, Json) {
  const Process p = run_cli("equivalences --json");
  EXPECT_EQ(p.status, 0) << p.output;
  ASSERT_FALSE(p.output.empty());
  EXPECT_EQ(p.output.front(), '{');
  EXPECT_TRUE(contains(p.output, "]}"));
  for (const char* key : {"\"seed\": 0", "\"ok\": true", "\"rows\": [", "\"identity\": \"1\"", "\"condition\":",
                          "\"method_a\":", "\"method_b\":", "\"nets\":", "\"max_abs\":", "\"max_rel\":", "\"threshold\":",
                          "\"control\": true", "\"holds\": true", "\"as_expected\": true", "\"note\":"})
    EXPECT_TRUE(contains(p.output, key)) << key;
  EXPECT_FALSE(contains(p.output, "\"as_expected\": false"));
}

TEST(EquivalencesCli, HelpAndUsage) {
  const Process help = run_cli("equivalences --help");
  EXPECT_EQ(help.status, 0);
  EXPECT_TRUE(contains(help.output, "salient equivalences [--seed S] [--json]"));
  EXPECT_TRUE(contains(help.output, "--seed"));
  EXPECT_TRUE(contains(help.output, "--json"));
  EXPECT_EQ(run_cli("equivalences --seed x").status, 2);
  EXPECT_EQ(run_cli("equivalences --bogus").status, 2);
  EXPECT_TRUE(contains(run_cli("--help").output, "equivalences"));
}

}  // namespace
}  // namespace salient::testing_cli

#endif  // SALIENT_CLI
