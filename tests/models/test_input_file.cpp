// Every input is read through read_input_file: what is not a readable regular file is a
// located error, never an internal one or a read that blocks.
#include "dpcast/models/input_file.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "dpcast/models/error.hpp"
#include "dpcast/models/scenario.hpp"
#include "temp_dir.hpp"

namespace {
using dpcast::models::read_input_file;
namespace fs = std::filesystem;

std::string error_of(const std::string& path, const std::string& what = "file") {
  try {
    (void)read_input_file(path, what);
  } catch (const dpcast::Error& e) {
    return e.what();
  }
  ADD_FAILURE() << "no dpcast::Error for " << path;
  return "";
}

TEST(InputFile, ReadsARegularFileAndALinkToOne) {
  const dpcast::test_support::TempDir dir{"dpcast-input"};
  const std::string file = dir.write("a.yaml", "name: a\n");
  EXPECT_EQ(read_input_file(file), "name: a\n");
  fs::create_symlink(file, dir.path() / "link.yaml");
  EXPECT_EQ(read_input_file((dir.path() / "link.yaml").string()), "name: a\n");
}

TEST(InputFile, RefusesWhatIsNotARegularFile) {
  const dpcast::test_support::TempDir dir{"dpcast-input"};
  const std::string folder = dir.path().string();
  EXPECT_EQ(error_of(folder, "scenario file"), folder + ": is a directory, not a scenario file");
  EXPECT_EQ(error_of("/dev/null", "profile"),
            "/dev/null: not a regular file (a device, FIFO or socket), not a profile");
  EXPECT_EQ(error_of(folder + "/missing.yaml"), folder + "/missing.yaml: cannot open file");
  // A link to itself: the system's reason, not an internal error.
  const std::string loop = (dir.path() / "loop.yaml").string();
  fs::create_symlink(loop, loop);
  EXPECT_EQ(error_of(loop), loop + ": cannot open file: Too many levels of symbolic links");
}

// Files are read up to a size: 16 MiB for what a user writes (a scenario, a model file, a
// profile, a log), 1 GiB for run records; beyond it, an error before anything is read.
TEST(InputFile, RefusesAFileBeyondItsSize) {
  const dpcast::test_support::TempDir dir{"dpcast-input"};
  const std::string big = (dir.path() / "big.yaml").string();
  const std::string at_limit = (dir.path() / "at-limit.yaml").string();
  for (const auto& [file, size] : {std::pair{big, (16U << 20) + 1}, std::pair{at_limit, 16U << 20}}) {
    { std::ofstream(file) << "x"; }
    fs::resize_file(file, size);  // sparse: no 16 MiB written
  }
  EXPECT_EQ(error_of(big, "scenario file"),
            big + ": 16777217 bytes, more than the 16 MiB a scenario file may hold (the limit)");
  EXPECT_EQ(read_input_file(at_limit).size(), 16U << 20);
  EXPECT_EQ(read_input_file(big, "run record file", dpcast::models::kMaxRecordFileBytes).size(), (16U << 20) + 1);
  fs::resize_file(big, 40U << 20);
  EXPECT_EQ(error_of(big, "profile"), big + ": 41943040 bytes, more than the 16 MiB a profile may hold (the limit)");
}

// A model file that is a loop of links is an error that names it (it was an internal error
// from std::filesystem).
TEST(InputFile, AModelFileThatIsALinkLoopIsNamed) {
  const dpcast::test_support::TempDir dir{"dpcast-input"};
  const std::string loop = (dir.path() / "loop.yaml").string();
  fs::create_symlink(loop, loop);
  try {
    (void)dpcast::models::parse_scenarios("model: {file: " + loop + "}\ncluster: {node: dgx-h100, nodes: 1}\n",
                                          "s.yaml");
    FAIL() << "accepted";
  } catch (const dpcast::Error& e) {
    EXPECT_EQ(std::string(e.what()), loop + ": cannot open file: Too many levels of symbolic links");
  }
}

}  // namespace
