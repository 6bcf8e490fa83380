// The workloads. Each fills in one JSON record and returns the process's
// exit status (0 measured or skipped, 1 could not measure).
#pragma once

#include <functional>
#include <memory>
#include <span>
#include <vector>

#include "connection.hpp"
#include "json.hpp"
#include "options.hpp"
#include "window.hpp"

namespace bench {

int run_pacing(const Options &options, Json &record);
int run_load(const Options &options, Json &record);
int run_startup(const Options &options, Json &record);
int run_stall(const Options &options, Json &record);
int run_fence_to_screen(const Options &options, Json &record);

// Shared by the workloads (workload_pacing.cpp).

// The output's current mode as the compositor announced it.
Json output_json(const Connection &connection);
// Which optional globals the compositor offers, by the names the records use.
Json globals_json(const Connection &connection);
// Connects to `socket` and records the output and the globals in `record`;
// on failure records the error there and returns null.
std::unique_ptr<Connection> open_described(const std::string &socket, Json &record);
// The refresh period the compositor announced, or 60 Hz when it did not.
int64_t nominal_refresh_ns(const Connection &connection);

// Pumps the connections, ticking every window, until deadline_ns (on the
// first connection's clock) or until done() holds. Returns false if a
// connection failed; error then says which and why.
bool pump_until(std::span<Connection *const> connections, std::span<Window *const> windows, int64_t deadline_ns,
                const std::function<bool()> &done, const std::function<void()> &each, std::string &error);

// Output frames seen in [from, to]: distinct presentation timestamps over
// all windows; without presentation feedback, the most frame callbacks any
// one window received.
uint64_t count_output_frames(std::span<Window *const> windows, int64_t from, int64_t to, bool presentation);

// "presentation": "offered" / "not offered" / "offered, but no feedback
// received" for a record.
const char *presentation_status(const Connection &connection, bool feedback_seen);

} // namespace bench
