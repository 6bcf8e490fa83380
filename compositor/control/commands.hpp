// The control commands: each request (a list of words) becomes a reply, at
// once or, for the commands that wait (wait-window, clock step), later
// through the request's Reply (see reply.hpp). The commands themselves live
// in commands_<topic>.cpp; this is their table.
#pragma once

#include <string>
#include <vector>

#include "compositor/control/command_handlers.hpp"
#include "compositor/control/reply.hpp"

namespace sluice::control {

class Commands {
public:
    Commands(Server &server, ClientDirectory &clients, VirtualInput &input) : context_{server, clients, input} {}

    Commands(const Commands &) = delete;
    Commands &operator=(const Commands &) = delete;

    [[nodiscard]] Outcome run(const std::vector<std::string> &words, Reply reply);

private:
    CommandContext context_;
};

} // namespace sluice::control
