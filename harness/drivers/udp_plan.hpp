// What every UDP client of a fleet sends, expects and waits for; built once
// per fleet by make_udp_driver, immutable, shared by the fleet's threads.
#pragma once

#include <cstddef>

#include "harness/core/asio.hpp"
#include "harness/core/clock.hpp"
#include "harness/core/payload_template.hpp"
#include "harness/scenario/scenario.hpp"

namespace drover {

struct UdpPlan {
  PayloadTemplate payload;
  Expectation expectation;
  Duration timeout;
  asio::ip::udp::endpoint target;
  std::size_t receive_size;  // room for any fair reply, and a little more
  DataCatalog data;          // the files the templates' {data:...} placeholders name
};

}  // namespace drover
