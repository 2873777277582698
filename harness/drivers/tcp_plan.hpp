// What every TCP client of a fleet sends, expects and waits for; built once
// per fleet by make_tcp_driver, immutable, shared by the fleet's threads.
#pragma once

#include "harness/core/asio.hpp"
#include "harness/core/clock.hpp"
#include "harness/core/payload_template.hpp"
#include "harness/scenario/scenario.hpp"

namespace drover {

struct TcpPlan {
  PayloadTemplate payload;
  Expectation expectation;
  FramingSpec framing;
  Duration timeout;
  asio::ip::tcp::endpoint target;
  std::size_t clients_per_connection = 1;  // batches (tcp_arrivals.hpp)
  DataCatalog data;                        // the files the templates' {data:...} placeholders name
};

}  // namespace drover
