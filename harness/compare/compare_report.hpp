// What `drover compare` writes: the console table, compare.json, junit.xml
// (one test case per judged fleet/op/metric) and compare.html (the table,
// and each op's latency by percentile, both runs overlaid). Pure functions
// of the comparison, except write_compare_outputs.
#pragma once

#include <string>

#include "harness/compare/bootstrap.hpp"
#include "harness/compare/run_sample.hpp"
#include "harness/core/expected.hpp"

namespace drover {

struct CompareInputs {
  const Sample& base;
  const Sample& now;
  const CompareOptions& options;
  const CompareResult& result;
};

// A figure as the table shows it: "1.25ms", "1.20k/s", "0.10%".
std::string format_figure(Metric m, double value);
// A change and its interval: "+12.3% [+8.1%, +16.0%]" or "+0.20pp [...]".
std::string format_change(const MetricComparison& m);

std::string compare_console(const CompareInputs& in);
std::string compare_json(const CompareInputs& in);
std::string compare_junit(const CompareInputs& in);
std::string compare_html(const CompareInputs& in);

// compare.json, junit.xml and compare.html into dir (created if need be).
Expected<void> write_compare_outputs(const std::string& dir, const CompareInputs& in);

}  // namespace drover
