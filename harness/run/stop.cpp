// How every run ends, whether its phases all ran or one failed: the
// targets stopped, and the result handed back.
#include "harness/checks/verdict.hpp"
#include "harness/run/run.hpp"

namespace drover {

void Run::fail(const std::string& message) {
  failed_ = true;
  result_.errors.push_back(message);
  judge_run(result_);
}

RunResult Run::stop() {
  if (!failed_ && options_.on_figures) {
    // Before the targets stop, so a scraper sees the final figures with the
    // targets as the load left them.
    result_.targets = before_stop_;
    result_.warnings = warnings_.kept();
    options_.on_figures(result_);
  }
  supervisor_.stop_all();
  result_.targets = supervisor_.results();
  result_.warnings = warnings_.kept();
  return std::move(result_);
}

}  // namespace drover
