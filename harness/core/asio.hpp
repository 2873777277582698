// The one way drover includes Boost.Asio.
//
// Boost 1.74's asio/awaitable.hpp uses std::exchange without including
// <utility>, which g++ 12 rejects; every file includes Asio through here.
#pragma once

#include <utility>

#include <boost/asio.hpp>

namespace drover {
namespace asio = boost::asio;
}  // namespace drover
