// How a control request is answered. Most commands answer at once, with the
// reply's JSON. A command that has to wait for something (a window to map,
// frames to be drawn) hands back a Pending instead: it keeps the Reply and
// calls it, once, when what it waits for has happened or its time is up.
// The connection owns the Pending; dropping it (the peer went away, sluice
// is exiting) cancels the wait, and its Reply is then never called.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <variant>
#include <vector>

namespace sluice::control {

// Takes the reply's JSON. May be called from anywhere, the Pending's own
// callbacks included: the connection destroys the Pending later, never
// inside the call.
using Reply = std::function<void(std::string json)>;

class Pending {
public:
    virtual ~Pending() = default;
};

using Outcome = std::variant<std::string, std::unique_ptr<Pending>>;

// What answers requests: their words, and the Reply a waiting command keeps.
using RequestHandler = std::function<Outcome(const std::vector<std::string> &words, Reply reply)>;

} // namespace sluice::control
