// A data file of the scenario's "data" section, read, with how its rows are
// handed out to requests:
//   round_robin  client c's operation n takes row (c + n) mod rows: in a
//                closed model each client walks the rows in order from its
//                own start, and the fleet's clients spread over the file
//   random       a row drawn from the client's random stream (so a run with
//                the same seed takes the same rows)
//   once         each row at most once in the whole run, across fleets and
//                threads, in file order; take() says when none is left
//
// Thread-safe: take() may be called from any thread (a "once" file's
// cursor is one atomic counter); the table is immutable.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "harness/core/data_table.hpp"

namespace drover {

class DataSource {
 public:
  enum class Order : std::uint8_t { kRoundRobin, kRandom, kOnce };

  // name is the file as the scenario names it ("users.csv").
  DataSource(std::string name, std::shared_ptr<const DataTable> table, Order order);

  // The row for one request, or nullopt when a "once" file has no row left.
  // Draws from random_state only for "random".
  std::optional<std::size_t> take(std::uint64_t client, std::uint64_t seq,
                                  std::uint64_t& random_state) const;

  // Rows taken from a "once" file so far (at most its rows).
  std::uint64_t taken() const;
  // Whether a request found no row left in a "once" file.
  bool ran_out() const;

  const std::string& name() const { return name_; }
  const DataTable& table() const { return *table_; }
  Order order() const { return order_; }

 private:
  std::string name_;
  std::shared_ptr<const DataTable> table_;
  Order order_;
  mutable std::atomic<std::uint64_t> next_once_{0};
};

using DataSourcePtr = std::shared_ptr<DataSource>;

// The data files of a run, by the name the scenario gives them.
using DataCatalog = std::vector<DataSourcePtr>;
// The file named `name`, or null.
DataSourcePtr find_data(const DataCatalog& catalog, std::string_view name);

}  // namespace drover
