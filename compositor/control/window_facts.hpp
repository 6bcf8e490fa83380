// What sluice knows about windows and surfaces, as sluicectl names and
// reports them: CLIENT.OBJECT ids, titles and app ids, the window a
// selector means, and every wl_surface of every client.
#pragma once

#include <functional>
#include <string>

#include "compositor/control/client_directory.hpp"
#include "compositor/control/command_args.hpp"
#include "wlroots/wlr.hpp"

namespace sluice {
class Server;
class View;
} // namespace sluice

namespace sluice::control {

struct WindowFacts {
    std::string title;
    std::string app_id; // an X11 window's class
};

[[nodiscard]] WindowFacts facts_of(const View &view);
// CLIENT.OBJECT, or "" for a surface without a resource.
[[nodiscard]] std::string surface_id(const ClientDirectory &clients, wlr_surface *surface);
[[nodiscard]] wlr_surface *focused_surface(Server &server);
// One entry of `windows` (and of wait-window's reply).
[[nodiscard]] std::string window_json(Server &server, const ClientDirectory &clients, const View &view);

// The topmost mapped window the selector names, or null.
[[nodiscard]] View *find_view(Server &server, const ClientDirectory &clients, const Selector &selector);
// The topmost mapped window `word` (a selector) names; null with the
// reason in `error` when the word is no selector or no window matches.
[[nodiscard]] View *selected_view(Server &server, const ClientDirectory &clients, const std::string &word,
                                  std::string &error);

// Every wl_surface of every client, with its client.
void for_each_surface(const ClientDirectory &clients,
                      const std::function<void(const ClientDirectory::Client &, wlr_surface *)> &visit);

} // namespace sluice::control
