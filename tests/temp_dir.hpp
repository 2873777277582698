// Kept so that tests that include this path still build: the helper is
// tests/support/temp_dir.hpp, which new code includes.
#pragma once

#include "tests/support/temp_dir.hpp"

namespace drover::test_files {
using TempDir = test::TempDir;
}  // namespace drover::test_files
