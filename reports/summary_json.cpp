// summary.json, written and read back through its schema's serializers
// (reports/summary_schema.hpp).
#include <fstream>

#include "reports/sink.hpp"
#include "reports/summary_schema.hpp"

namespace drover {

// Text that is not UTF-8 (a wrong reply can hold any bytes) is written with
// U+FFFD in its place rather than failing the whole file.
std::string render_summary_json(const RunResult& run) {
  return nlohmann::ordered_json(run).dump(2, ' ', false,
                                          nlohmann::ordered_json::error_handler_t::replace);
}

Expected<RunResult> read_summary_json(const std::string& path) {
  std::ifstream in(path);
  if (!in) return unexpected("cannot read " + path);
  try {
    return nlohmann::json::parse(in).get<RunResult>();
  } catch (const std::exception& e) {
    return unexpected(path + ": not a drover summary (" + e.what() + ")");
  }
}

SinkPtr make_summary_json_sink(std::string path) {
  return make_file_sink(std::move(path),
                        [](const RunResult& run) { return render_summary_json(run) + '\n'; });
}

}  // namespace drover
