// "data": the files {data:...} placeholders take values from. Each is read
// here, once, when the scenario is, so that a missing, empty or malformed
// file, or a placeholder naming a column it lacks, is an input error at its
// JSON pointer before anything starts.
#include <algorithm>

#include "harness/core/payload_template.hpp"
#include "harness/scenario/parse_sections.hpp"

namespace drover::scenario_json {
namespace {

bool valid_file_name(std::string_view name) {
  return !name.empty() && name.size() <= 255 && name.find_first_of(":{}") == std::string::npos &&
         name.find('\0') == std::string::npos;
}

DataSource::Order order_named(const std::string& name) {
  if (name == "random") return DataSource::Order::kRandom;
  if (name == "once") return DataSource::Order::kOnce;
  return DataSource::Order::kRoundRobin;
}

std::optional<DataFileSpec> parse_file(const std::string& name, const Json& value,
                                       const std::string& at, ParseContext& ctx) {
  Problems& problems = ctx.problems;
  ObjectReader r(problems, value, at, format::data_file().known_keys());
  if (!valid_file_name(name)) {
    problems.at(at,
                "must be a file's path, without \":\", \"{\" or \"}\" (they end a placeholder)");
    return std::nullopt;
  }
  if (!r.ok()) return std::nullopt;
  DataFileSpec file;
  file.name = name;
  file.path = (ctx.folder / name).lexically_normal().string();
  if (auto order = r.choice("order", Need::kOptional, {"round_robin", "random", "once"})) {
    file.order = order_named(*order);
  }
  std::optional<std::string> given = r.choice("format", Need::kOptional, {"csv", "lines"});
  bool csv = given ? *given == "csv" : name.ends_with(".csv");
  file.format = csv ? DataTable::Format::kCsv : DataTable::Format::kLines;
  Expected<DataTable> table = DataTable::read(file.path, file.format);
  if (!table) {
    problems.at(at, table.error());
    return std::nullopt;
  }
  file.table = std::make_shared<const DataTable>(std::move(*table));
  return file;
}

// Whether text names a file of "data" that could not be read: its template
// cannot be checked, and the file's own error says what is wrong.
bool names_unread_file(std::string_view text, const ParseContext& ctx) {
  for (const std::string& name : ctx.data_names) {
    if (find_data(ctx.data, name)) continue;
    std::string placeholder = "{data:" + name;
    for (std::size_t at = text.find(placeholder); at != std::string_view::npos;
         at = text.find(placeholder, at + 1)) {
      char after = at + placeholder.size() < text.size() ? text[at + placeholder.size()] : '\0';
      if (after == ':' || after == '}') return true;
    }
  }
  return false;
}

void check_template(const std::string& text, const std::string& at, const ParseContext& ctx) {
  if (text.find("{data:") == std::string::npos || names_unread_file(text, ctx)) return;
  // The form was checked where the op was read; only the binding is left.
  Expected<PayloadTemplate> bound = PayloadTemplate::compile(text, &ctx.data);
  if (!bound && PayloadTemplate::compile(text)) ctx.problems.at(at, bound.error());
}

// Whether op's templates name data files.
bool uses_data(const OpSpec& op) {
  return op.send.find("{data:") != std::string::npos ||
         (op.expect.kind == Expectation::Kind::kEquals &&
          op.expect.text.find("{data:") != std::string::npos);
}

// An http op's templates: its path, its headers and its body.
void check_http_templates(const HttpRequestSpec& http, const std::string& at,
                          const ParseContext& ctx) {
  check_template(http.path, child(at, "path"), ctx);
  for (const auto& [name, value] : http.headers)
    check_template(value, child(child(at, "headers"), name), ctx);
  if (!http.body_from_file) check_template(http.body, child(at, "body"), ctx);
}

}  // namespace

void check_data_placeholders(const std::vector<FleetSpec>& fleets, const ParseContext& ctx) {
  if (!ctx.data_known) return;
  for (std::size_t i = 0; i < fleets.size(); ++i) {
    const FleetSpec& fleet = fleets[i];
    for (std::size_t j = 0; j < fleet.ops.size(); ++j) {
      const OpSpec& op = fleet.ops[j];
      // "op", or the j-th of "ops" (a list of one reads as "op" here).
      std::string at = fleet.is_mix() ? child(child(child("/fleets", i), "ops"), j)
                                      : child(child("/fleets", i), "op");
      check_template(op.send, child(at, "send"), ctx);
      if (op.expect.kind == Expectation::Kind::kEquals) {
        check_template(op.expect.text, child(child(at, "expect"), "equals"), ctx);
      }
      check_http_templates(op.http, at, ctx);
    }
    if (!fleet.hosts.empty() && std::any_of(fleet.ops.begin(), fleet.ops.end(), uses_data)) {
      ctx.problems.at(child(child("/fleets", i), "hosts"),
                      "not with {data:...} placeholders: agents on hosts get no data files "
                      "(run this fleet on this machine)");
    }
  }
}

std::vector<DataFileSpec> parse_data(const Json& value, ParseContext& ctx) {
  std::vector<DataFileSpec> files;
  if (!value.is_object()) {
    ctx.problems.at("/data", R"(must be an object: {"users.csv": {"order": "round_robin"}})");
    ctx.data_known = false;
    return files;
  }
  for (const auto& [name, spec] : value.items()) {
    ctx.data_names.push_back(name);
    std::optional<DataFileSpec> file = parse_file(name, spec, child("/data", name), ctx);
    if (!file) continue;
    ctx.data.push_back(std::make_shared<DataSource>(file->name, file->table, file->order));
    files.push_back(std::move(*file));
  }
  return files;
}

}  // namespace drover::scenario_json
