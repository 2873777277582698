// Durations as users write them in scenarios: "250ms", "10s", "2m", "1.5s".
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "harness/core/clock.hpp"

namespace drover {

// Parses a number followed by one unit: ns, us, ms, s, m, h. The number may
// have a fraction ("1.5s"); a sign, a missing unit or trailing text is an
// error (nullopt).
std::optional<Duration> parse_duration(std::string_view text);

// The shortest exact form with one unit, as parse_duration accepts it
// ("1.5s"), among the units the duration is at least one of ("500ms", not
// "0.5s").
std::string format_duration(Duration d);

}  // namespace drover
