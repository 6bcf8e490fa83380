// One wlr_output: its mode, its place in the layout, its background, and
// its frame clock driving the scene.
#pragma once

#include <cstdint>

#include "listener.hpp"
#include "wlroots/wlr.hpp"

namespace sluice {

class Server;

class Output {
public:
    Output(Server &server, wlr_output *output);
    ~Output();

    Output(const Output &) = delete;
    Output &operator=(const Output &) = delete;

    wlr_output *wlr() const { return output_; }
    // The output's rectangle in layout coordinates.
    wlr_box layout_box() const;
    // Called when the layout moved or resized this output.
    void update_background();

private:
    bool enable();
    void on_frame();
    void on_present(wlr_output_event_present *event);

    Server &server_;
    wlr_output *output_;
    wlr_scene_rect *background_ = nullptr;
    uint64_t presented_count_ = 0;
    // The buffer of the last commit, while on_frame() commits.
    wlr_buffer *committed_buffer_ = nullptr;

    Listener frame_;
    Listener commit_;
    Listener present_;
    Listener destroy_;
};

} // namespace sluice
