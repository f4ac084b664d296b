// `salient data`, run as a process: the files it writes (names, dtypes, shapes, the same arrays as
// the library's), its summary line, --help, and its error exits (1: the request fails, 2: usage).
#include <gtest/gtest.h>

#ifdef SALIENT_CLI  // defined for salient_tests when the tools are built

#include <sys/stat.h>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include "data/data_test_util.h"
#include "salient/io/file.h"
#include "salient/io/npy.h"
#include "support/cli_process.h"

namespace salient::data {
namespace {

using testing_cli::contains;
using testing_cli::Process;

Process run_data_cli(const std::string& args) { return testing_cli::run_cli("data " + args); }

bool exists(const std::string& path) {
  struct stat st;
  return stat(path.c_str(), &st) == 0;
}
std::string out_dir(const char* name) { return testing_cli::temp_path(std::string("data_cli_") + name); }

// The file's dtype as written: the header's 'descr'.
std::string stored_dtype(const std::string& path) {
  Result<std::vector<unsigned char>> bytes = io::read_file_bytes(path.c_str());
  if (!bytes.ok()) return "unreadable";
  const std::string text(bytes->begin(), bytes->begin() + std::min<size_t>(bytes->size(), 128));
  const size_t at = text.find("'descr': '");
  return at == std::string::npos ? "none" : text.substr(at + 10, 3);
}

void expect_file_equals(const std::string& path, const io::Array& expected) {
  EXPECT_EQ(stored_dtype(path), "<f4") << path;
  Result<io::Array> a = io::read_npy(path.c_str());
  ASSERT_TRUE(a.ok()) << path << ": " << a.status().message();
  EXPECT_EQ(a->shape, expected.shape) << path;
  EXPECT_TRUE(a->data == expected.data) << path << ": not the library's array";
}

TEST(DataCli, HelpListsTheSets) {
  Process r = run_data_cli("--help");
  EXPECT_EQ(r.status, 0);
  EXPECT_TRUE(contains(r.output, "usage: salient data NAME")) << r.output;
  for (const DatasetInfo& info : dataset_infos()) EXPECT_TRUE(contains(r.output, info.name)) << info.name;
  EXPECT_TRUE(contains(r.output, "--seed"));
}

TEST(DataCli, WritesEverySetAsTheLibraryMakesIt) {
  struct Case {
    const char* name;
    const char* args;
    int64_t n, length;
  };
  const Case cases[] = {{"digits", "", 0, 0},
                        {"hmm", "--n 20 --length 30", 20, 30},
                        {"rare-feature", "", 0, 0},
                        {"rare-time", "--n 12", 12, 0},
                        {"switch-feature", "--n 15 --length 40", 15, 40}};
  for (const Case& c : cases) {
    const std::string dir = out_dir(c.name);
    Process r = run_data_cli(std::string(c.name) + " " + c.args + " --seed 3 --quiet --out " + dir);
    ASSERT_EQ(r.status, 0) << c.name << ": " << r.output;
    const Dataset expected = testing::make(c.name, c.n, 3, c.length);
    expect_file_equals(dir + "/x.npy", expected.x);
    expect_file_equals(dir + "/y.npy", expected.y);
    if (expected.saliency) {
      expect_file_equals(dir + "/saliency.npy", *expected.saliency);
    } else {
      EXPECT_FALSE(exists(dir + "/saliency.npy")) << c.name;
    }
    EXPECT_TRUE(contains(r.output, std::string(c.name) + ": x [")) << r.output;
  }
}

TEST(DataCli, DefaultHmmSummaryShowsTheSplit) {
  const std::string dir = out_dir("hmm_default") + "/nested/dir";  // created as needed
  Process r = run_data_cli("hmm --out " + dir);
  ASSERT_EQ(r.status, 0) << r.output;
  EXPECT_TRUE(contains(r.output, "hmm: x [1000, 200, 3], y [1000, 200], saliency [1000, 200, 3]")) << r.output;
  EXPECT_TRUE(contains(r.output, "train 800")) << r.output;
  EXPECT_TRUE(contains(r.output, "test 200")) << r.output;
  Result<io::Array> s = io::read_npy((dir + "/saliency.npy").c_str());
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(s->shape, (Shape{1000, 200, 3}));

  // Writing digits into the same directory removes hmm's saliency.npy: digits has no ground
  // truth, and a stale file would pass for it.
  Process digits = run_data_cli("digits --n 10 --out " + dir);
  ASSERT_EQ(digits.status, 0) << digits.output;
  EXPECT_FALSE(exists(dir + "/saliency.npy"));
  EXPECT_TRUE(contains(digits.output, "train 8")) << digits.output;
}

TEST(DataCli, ErrorExits) {
  const std::string dir = out_dir("errors");
  Process unknown = run_data_cli("mnist --out " + dir);
  EXPECT_EQ(unknown.status, 1);
  EXPECT_TRUE(contains(unknown.output, "salient data: unknown dataset 'mnist'")) << unknown.output;
  EXPECT_TRUE(contains(unknown.output, "digits, hmm, rare-feature, rare-time, switch-feature")) << unknown.output;

  Process too_many = run_data_cli("digits --n 5000 --out " + dir);
  EXPECT_EQ(too_many.status, 1);
  EXPECT_TRUE(contains(too_many.output, "1797")) << too_many.output;
  Process short_rare = run_data_cli("rare-time --length 3 --out " + dir);
  EXPECT_EQ(short_rare.status, 1);
  EXPECT_TRUE(contains(short_rare.output, "length must be in")) << short_rare.output;

  for (const char* bad : {"--n abc", "--n 0", "--n -5", "--n 12x", "--seed -1", "--length 2.5"}) {
    Process r = run_data_cli(std::string("hmm ") + bad + " --out " + dir);
    EXPECT_EQ(r.status, 2) << bad << ": " << r.output;
    EXPECT_TRUE(contains(r.output, "salient data: ")) << r.output;
  }
  EXPECT_EQ(run_data_cli("hmm").status, 2);                       // no --out
  EXPECT_EQ(run_data_cli("--out " + dir).status, 2);              // no NAME
  EXPECT_EQ(run_data_cli("hmm digits --out " + dir).status, 2);   // two names
  EXPECT_EQ(run_data_cli("hmm --colour red --out " + dir).status, 2);

  // An output path under a regular file cannot be created.
  const std::string file = out_dir("a_file");
  ASSERT_TRUE(io::write_file_bytes(file.c_str(), "x", 1).ok());
  Process blocked = run_data_cli("digits --n 5 --out " + file + "/sub");
  EXPECT_EQ(blocked.status, 1);
  EXPECT_TRUE(contains(blocked.output, "salient data: ")) << blocked.output;
}

}  // namespace
}  // namespace salient::data

#endif  // SALIENT_CLI
