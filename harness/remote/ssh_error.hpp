// The one exception the SSH layer throws. A HostError, so the runner maps it
// to exit code 3 (infrastructure failure) like any other host failure.
#pragma once

#include "harness/process/host.hpp"

namespace drover {

// Every message names the host ("ssh h1 (drover@10.0.0.2:22): ...") and
// never contains a secret (password, passphrase, key material).
class SshError : public HostError {
 public:
  using HostError::HostError;
};

}  // namespace drover
