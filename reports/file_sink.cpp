#include <cerrno>
#include <cstring>
#include <fstream>
#include <stdexcept>

#include "reports/sink.hpp"

namespace drover {
namespace {

class FileSink final : public Sink {
 public:
  FileSink(std::string path, std::function<std::string(const RunResult&)> render)
      : path_(std::move(path)), render_(std::move(render)) {}

  void write(const RunResult& run) override {
    std::string tmp = path_ + ".tmp";
    {
      std::ofstream out(tmp, std::ios::trunc);
      if (!out) throw std::runtime_error("cannot write " + tmp + ": " + std::strerror(errno));
      out << render_(run);
      if (!out) throw std::runtime_error("cannot write " + tmp + ": " + std::strerror(errno));
    }
    if (std::rename(tmp.c_str(), path_.c_str()) != 0) {
      throw std::runtime_error("cannot write " + path_ + ": " + std::strerror(errno));
    }
  }

 private:
  std::string path_;
  std::function<std::string(const RunResult&)> render_;
};

}  // namespace

SinkPtr make_file_sink(std::string path, std::function<std::string(const RunResult&)> render) {
  return std::make_unique<FileSink>(std::move(path), std::move(render));
}

}  // namespace drover
