// Random identifiers from the kernel CSPRNG (getrandom): tokens, agent ids, run ids. One copy for all.
// Thread-safe.
#pragma once

#include <cstddef>
#include <string>

namespace redline {

/// 2*bytes lowercase hex characters from getrandom(2). Throws std::runtime_error when the CSPRNG fails.
std::string random_hex(std::size_t bytes);

}  // namespace redline
