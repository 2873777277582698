// Command lines for a remote POSIX shell. sshd runs an exec request through
// the user's login shell, so each argument must reach it quoted: no
// argument may become shell syntax (";", "$(...)", "*", spaces).
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace drover {

// 'arg' with every embedded ' written as '\'' ; "" becomes ''.
std::string shell_quote(std::string_view arg);

// The arguments quoted and joined by spaces: one simple command.
std::string shell_command(const std::vector<std::string>& argv);

}  // namespace drover
