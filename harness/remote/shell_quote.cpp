#include "harness/remote/shell_quote.hpp"

namespace drover {

std::string shell_quote(std::string_view arg) {
  std::string quoted = "'";
  for (char c : arg) {
    if (c == '\'') {
      quoted += "'\\''";  // close the quote, an escaped quote, reopen
    } else {
      quoted += c;
    }
  }
  quoted += '\'';
  return quoted;
}

std::string shell_command(const std::vector<std::string>& argv) {
  std::string command;
  for (const auto& arg : argv) {
    if (!command.empty()) command += ' ';
    command += shell_quote(arg);
  }
  return command;
}

}  // namespace drover
