// The life of a server process between start-up and exit, shared by redline-sample-server and redline-proxy:
// SIGTERM/SIGINT are caught before any thread starts, the server is started and its READY line printed on
// stdout, the first signal starts the graceful shutdown and later ones are logged and ignored (the drain
// deadline bounds the shutdown).
//
// Threading: call from main; the callbacks run on the calling thread.
#pragma once

#include <functional>
#include <string>

namespace redline::sample {

struct ServerLifecycle {
    std::function<void()> start;              // throws to abort start-up
    std::function<std::string()> ready_line;  // printed once started
    std::function<bool()> shutdown;           // true when the drain finished in time
};

/// Returns the process exit code: 0 after a shutdown, 1 when start() threw (logged as critical).
int run_until_signal(const ServerLifecycle& server);

}  // namespace redline::sample
