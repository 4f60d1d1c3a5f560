// Writing results: only regular files (or new paths) are written, through links to regular
// files, atomically; standard output's failures are errors; -o '' is refused.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>
#include <streambuf>
#include <string>

#include "dpcast/models/atomic_file.hpp"
#include "dpcast/models/error.hpp"
#include "temp_dir.hpp"

namespace dpcast::models {
namespace {
namespace fs = std::filesystem;

std::string read(const fs::path& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

std::string error_of(const std::string& path, const std::string& text = "x\n") {
  try {
    write_output(path, text);
  } catch (const dpcast::Error& e) {
    return e.what();
  }
  return "no error";
}

// A stream buffer that fails every write, as /dev/full does.
struct FullDevice : std::streambuf {
  int overflow(int) override { return traits_type::eof(); }
  std::streamsize xsputn(const char*, std::streamsize) override { return 0; }
};

}  // namespace

TEST(AtomicFile, WritesNewAndRegularFilesAndThroughLinksToThem) {
  test_support::TempDir dir("atomic-file");
  const fs::path file = dir.path() / "out.txt";
  write_output(file.string(), "one\n");
  EXPECT_EQ(read(file), "one\n");
  write_output(file.string(), "two\n");  // a regular file: replaced
  EXPECT_EQ(read(file), "two\n");
  const fs::path link = dir.path() / "link.txt";
  fs::create_symlink(file, link);
  write_output(link.string(), "three\n");
  EXPECT_TRUE(fs::is_symlink(link)) << "the link stays a link";
  EXPECT_EQ(read(file), "three\n");
  for (const auto& entry : fs::directory_iterator(dir.path()))  // no temporary left behind
    EXPECT_EQ(entry.path().filename().string().rfind('.', 0), std::string::npos) << entry.path();
}

TEST(AtomicFile, RefusesDevicesFoldersAndNoName) {
  test_support::TempDir dir("atomic-file");
  EXPECT_EQ(error_of("/dev/null"),
            "/dev/null: not a regular file (a device, FIFO or socket); results are written to regular files only");
  EXPECT_TRUE(fs::is_character_file("/dev/null")) << "the device is still a device";
  EXPECT_EQ(error_of(dir.path().string()), dir.path().string() + ": is a folder; give a file name");
  const fs::path link = dir.path() / "to-null";
  fs::create_symlink("/dev/null", link);
  EXPECT_EQ(error_of(link.string()), link.string() +
                                         ": not a regular file (a device, FIFO or socket); results are written to "
                                         "regular files only");
  EXPECT_EQ(error_of(""), "-o: expected a file name, or - for standard output");
  EXPECT_THROW(check_output_path("/dev/zero"), dpcast::Error);
  EXPECT_NO_THROW(check_output_path("-"));
  EXPECT_NO_THROW(check_output_path((dir.path() / "new.json").string()));
}

TEST(AtomicFile, StandardOutputThatCannotBeWrittenIsAnError) {
  std::ostringstream captured;
  std::streambuf* saved = std::cout.rdbuf(captured.rdbuf());
  write_output("-", "to stdout\n");
  EXPECT_EQ(captured.str(), "to stdout\n");
  FullDevice full;
  std::cout.rdbuf(&full);
  std::string message;
  try {
    write_stdout("lost\n");
  } catch (const dpcast::Error& e) {
    message = e.what();
  }
  std::cout.rdbuf(saved);
  EXPECT_EQ(message.rfind("standard output: cannot write: ", 0), 0u) << message;
  EXPECT_TRUE(std::cout.good()) << "the stream is usable again";
}

}  // namespace dpcast::models
