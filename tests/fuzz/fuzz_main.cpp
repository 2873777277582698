// One libFuzzer executable: DROVER_FUZZ_ENTRY names its entry point
// (tests/fuzz/CMakeLists.txt).
#include "tests/fuzz/entry_points.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  return drover::fuzz::DROVER_FUZZ_ENTRY(data, size);
}
