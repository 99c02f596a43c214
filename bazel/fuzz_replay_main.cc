// A main() for libFuzzer targets under Bazel's default compiler (no
// -fsanitize=fuzzer): it feeds the empty input and then every file named on
// the command line (directories are read one level deep) to
// LLVMFuzzerTestOneInput, once each, in name order. This turns each fuzz
// target plus its corpus of named bad inputs into a regression test; the
// fuzzing itself runs from the CMake build (scripts/test.sh, clang).
//
//   bazel test //tests/fuzz:traceparent_fuzzer
//
// Exit status 0 when every input returned; a crash or sanitizer report
// fails the test like it fails the fuzzer, and so does an empty corpus (a
// fuzz target with no inputs would pass without testing anything).
#include <dirent.h>
#include <sys/stat.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size);

namespace {

std::vector<std::string> Inputs(const std::string& path) {
  struct stat st;
  if (stat(path.c_str(), &st) != 0) {
    std::fprintf(stderr, "fuzz_replay: cannot stat %s\n", path.c_str());
    std::exit(2);
  }
  if (!S_ISDIR(st.st_mode)) return {path};
  std::vector<std::string> files;
  if (DIR* dir = opendir(path.c_str())) {
    while (dirent* entry = readdir(dir)) {
      std::string name = entry->d_name;
      if (name == "." || name == "..") continue;
      files.push_back(path + "/" + name);
    }
    closedir(dir);
  }
  std::sort(files.begin(), files.end());
  return files;
}

}  // namespace

int main(int argc, char** argv) {
  LLVMFuzzerTestOneInput(nullptr, 0);
  size_t count = 0;
  for (int i = 1; i < argc; ++i) {
    for (const std::string& file : Inputs(argv[i])) {
      std::ifstream in(file, std::ios::binary);
      std::string bytes((std::istreambuf_iterator<char>(in)),
                        std::istreambuf_iterator<char>());
      LLVMFuzzerTestOneInput(reinterpret_cast<const uint8_t*>(bytes.data()),
                             bytes.size());
      ++count;
    }
  }
  if (count == 0) {
    std::fprintf(stderr, "fuzz_replay: no corpus inputs given or found\n");
    return 1;
  }
  std::printf("fuzz_replay: %zu corpus inputs (and the empty input) ran\n",
              count);
  return 0;
}
