// parse_scenario on arbitrary bytes: every bad input must come back as
// InputErrors, never as a crash or an exception.
#include <string>
#include <string_view>
#include <vector>

#include "harness/scenario/parse.hpp"
#include "tests/fuzz/entry_points.hpp"

namespace drover::fuzz {
namespace {

void parse_and_check(std::string_view text, const std::vector<std::string>& overrides) {
  const ParsedScenario parsed = parse_scenario(text, "fuzz.json", overrides);
  if (parsed) return;
  DROVER_FUZZ_CHECK(!parsed.error().empty());
  for (const InputError& error : parsed.error()) DROVER_FUZZ_CHECK(!error.message.empty());
}

}  // namespace

int scenario(const std::uint8_t* data, std::size_t size) {
  parse_and_check(std::string_view(reinterpret_cast<const char*>(data), size), {});
  return 0;
}

int scenario_overrides(const std::uint8_t* data, std::size_t size) {
  std::string_view rest(reinterpret_cast<const char*>(data), size);
  std::size_t nul = rest.find('\0');
  const std::string_view text = rest.substr(0, nul);
  std::vector<std::string> overrides;
  while (nul != std::string_view::npos && overrides.size() < 4) {
    rest.remove_prefix(nul + 1);
    nul = rest.find('\0');
    overrides.emplace_back(rest.substr(0, nul));
  }
  parse_and_check(text, overrides);
  return 0;
}

}  // namespace drover::fuzz
