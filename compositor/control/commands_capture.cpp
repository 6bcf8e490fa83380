// screenshot: an output or a window, as PNG. The capture draws and reads
// back at once (screenshot.hpp), so the reply never waits.
#include "compositor/control/command_handlers.hpp"
#include "compositor/control/png.hpp"
#include "compositor/control/screenshot.hpp"
#include "compositor/control/window_facts.hpp"
#include "compositor/control/wire.hpp"
#include "compositor/core/server.hpp"
#include "compositor/output/output.hpp"

namespace sluice::control::commands {

namespace {

// The output named so, or the first for "".
Output *find_output(Server &server, const std::string &name) {
    for (const auto &output : server.outputs()) {
        if (name.empty() || name == output->wlr()->name) {
            return output.get();
        }
    }
    return nullptr;
}

std::string output_names(Server &server) {
    std::string names;
    for (const auto &output : server.outputs()) {
        names += names.empty() ? "" : ", ";
        names += output->wlr()->name;
    }
    return names.empty() ? "none" : names;
}

} // namespace

std::string screenshot(CommandContext &context, const Args &args) {
    Server &server = context.server;
    std::string error;
    std::optional<RgbaImage> image;
    if (args.empty() || (args[0] == "output" && args.size() <= 2)) {
        std::string name = args.size() == 2 ? args[1] : "";
        Output *output = find_output(server, name);
        if (output == nullptr) {
            return error_reply(name.empty() ? "there is no output"
                                            : "no output named '" + name + "' (outputs: " + output_names(server) + ")");
        }
        image = capture_output(server, *output, error);
    } else if (args[0] == "window" && args.size() == 2) {
        View *view = selected_view(server, context.clients, args[1], error);
        if (view == nullptr) {
            return error_reply(error);
        }
        image = capture_view(server, *view, error);
    } else {
        return error_reply("usage: screenshot [output NAME | window WINDOW]");
    }
    if (!image) {
        return error_reply("screenshot failed: " + error);
    }
    std::vector<uint8_t> png = encode_png(*image);
    if (png.empty()) {
        return error_reply("screenshot failed: cannot compress the image");
    }
    JsonObject o;
    o.add("width", image->width).add("height", image->height).add("png", base64_encode(png));
    return ok_reply(o);
}

} // namespace sluice::control::commands
