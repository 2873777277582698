#include "harness/core/data_source.hpp"

#include <algorithm>

#include "harness/core/client_random.hpp"

namespace drover {

DataSource::DataSource(std::string name, std::shared_ptr<const DataTable> table, Order order)
    : name_(std::move(name)), table_(std::move(table)), order_(order) {}

std::optional<std::size_t> DataSource::take(std::uint64_t client, std::uint64_t seq,
                                            std::uint64_t& random_state) const {
  std::uint64_t rows = table_->rows();
  switch (order_) {
    case Order::kRoundRobin:
      return static_cast<std::size_t>((client % rows + seq % rows) % rows);
    case Order::kRandom:
      return static_cast<std::size_t>(next_below(random_state, rows));
    case Order::kOnce: {
      // Relaxed: the counter orders nothing else; each value is handed out
      // once. Past the end it keeps counting, which 2^64 requests never wrap.
      std::uint64_t row = next_once_.fetch_add(1, std::memory_order_relaxed);
      if (row >= rows) return std::nullopt;
      return static_cast<std::size_t>(row);
    }
  }
  return std::nullopt;
}

bool DataSource::ran_out() const {
  return next_once_.load(std::memory_order_relaxed) > table_->rows();
}

std::uint64_t DataSource::taken() const {
  return std::min<std::uint64_t>(next_once_.load(std::memory_order_relaxed), table_->rows());
}

DataSourcePtr find_data(const DataCatalog& catalog, std::string_view name) {
  for (const DataSourcePtr& source : catalog)
    if (source->name() == name) return source;
  return nullptr;
}

}  // namespace drover
