// Marking descriptors close-on-exec, by each path a kernel may leave: the
// one-by-one fallbacks are what runs where close_range cannot mark.
#include "harness/process/descriptors.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <vector>

namespace drover::descriptors_test {
namespace {

// Descriptors opened without O_CLOEXEC, closed when the test ends.
class OpenDescriptors {
 public:
  OpenDescriptors() {
    for (int i = 0; i < 3; ++i) {
      int fds[2];
      if (::pipe(fds) == 0) fds_.insert(fds_.end(), {fds[0], fds[1]});
    }
    // One far above the others, where a scan of the low numbers alone would miss it.
    if (!fds_.empty()) {
      int high = ::fcntl(fds_[0], F_DUPFD, 900);
      if (high >= 0) fds_.push_back(high);
    }
  }
  ~OpenDescriptors() {
    for (int fd : fds_) ::close(fd);
  }
  const std::vector<int>& fds() const { return fds_; }

  // The descriptors without FD_CLOEXEC.
  std::vector<int> unmarked() const {
    std::vector<int> left;
    for (int fd : fds_) {
      if ((::fcntl(fd, F_GETFD) & FD_CLOEXEC) == 0) left.push_back(fd);
    }
    return left;
  }

 private:
  std::vector<int> fds_;
};

TEST(Descriptors, OpenDescriptorsStartUnmarked) {
  OpenDescriptors open;
  ASSERT_EQ(open.fds().size(), 7u);
  EXPECT_EQ(open.unmarked(), open.fds()) << "nothing to test: they are marked already";
}

TEST(Descriptors, TheListedFallbackMarksEveryOpenDescriptor) {
  OpenDescriptors open;
  ASSERT_EQ(open.unmarked().size(), 7u);
  mark_cloexec_one_by_one(3);
  EXPECT_EQ(open.unmarked(), std::vector<int>{});
}

TEST(Descriptors, WithoutProcTheLimitFallbackMarksEveryOpenDescriptor) {
  OpenDescriptors open;
  ASSERT_EQ(open.unmarked().size(), 7u);
  mark_cloexec_one_by_one(3, "/nonexistent/fd");
  EXPECT_EQ(open.unmarked(), std::vector<int>{});
}

TEST(Descriptors, DescriptorsBelowFirstAreLeftAlone) {
  OpenDescriptors open;
  int first = open.fds().back();  // the high one
  mark_cloexec_one_by_one(first);
  EXPECT_EQ(open.unmarked().size(), 6u);
}

TEST(Descriptors, CloseRangeOrItsFallbackMarksEveryOpenDescriptor) {
  OpenDescriptors open;
  mark_cloexec_from(3);
  EXPECT_EQ(open.unmarked(), std::vector<int>{});
}

}  // namespace
}  // namespace drover::descriptors_test
