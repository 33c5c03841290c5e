// Replays fuzz inputs through a target's LLVMFuzzerTestOneInput without libFuzzer, so the normal test suite
// (any compiler, any preset) runs every seed and every saved crasher as a regression test.
//
//   fuzz_replay_<target> PATH...   each PATH is a file or a directory (its regular files, sorted by name);
//                                   a PATH that does not exist is skipped. Fails when nothing was replayed.
//
// A crashing input crashes this program (abort, sanitizer report); the name of each input is printed first
// when REDLINE_FUZZ_VERBOSE is set, and the last input's name is always known from the summary otherwise.
#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size);

namespace fs = std::filesystem;

int main(int argc, char** argv) {
    std::vector<fs::path> files;
    for (int i = 1; i < argc; ++i) {
        const fs::path p(argv[i]);
        std::error_code ec;
        if (fs::is_regular_file(p, ec)) {
            files.push_back(p);
        } else if (fs::is_directory(p, ec)) {
            std::vector<fs::path> in_dir;
            for (const auto& e : fs::directory_iterator(p, ec))
                if (e.is_regular_file(ec)) in_dir.push_back(e.path());
            std::sort(in_dir.begin(), in_dir.end());
            files.insert(files.end(), in_dir.begin(), in_dir.end());
        }
    }
    const bool verbose = std::getenv("REDLINE_FUZZ_VERBOSE") != nullptr;
    std::size_t bytes = 0;
    for (const auto& f : files) {
        if (verbose) std::fprintf(stderr, "replay %s\n", f.c_str());
        std::ifstream in(f, std::ios::binary);
        const std::string data((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
        if (!in.good() && !in.eof()) {
            std::fprintf(stderr, "cannot read %s\n", f.c_str());
            return 1;
        }
        bytes += data.size();
        LLVMFuzzerTestOneInput(reinterpret_cast<const std::uint8_t*>(data.data()), data.size());
    }
    std::fprintf(stderr, "%s: replayed %zu inputs (%zu bytes)\n", fs::path(argv[0]).filename().c_str(),
                 files.size(), bytes);
    return files.empty() ? 1 : 0;
}
