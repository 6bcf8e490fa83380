// sluicectl against a `sluice --test-server`, each command checked by its
// effect on real clients: the test's own (tests/lib) and Debian's
// weston-simple-shm. Screenshots are decoded and their pixels compared;
// keys, clicks and touches are checked where the client receives them; the
// frame clock is checked through frame callbacks.
#include <chrono>
#include <csignal>
#include <thread>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include <linux/input-event-codes.h>

#include "fixture.hpp"
#include "frame.hpp"
#include "input.hpp"
#include "compositor/control/png.hpp"
#include "compositor/control/wire.hpp"

namespace sluice::test {
namespace {

using namespace std::chrono_literals;
using control::JsonValue;

constexpr int32_t out_w = 640;
constexpr int32_t out_h = 480;

std::filesystem::path sluicectl_binary() {
    const char *bin = std::getenv("SLUICECTL_BIN");
    if (bin == nullptr)
        throw std::runtime_error("SLUICECTL_BIN is not set (run through meson test)");
    return bin;
}

struct CtlResult {
    int status = -1;               // wait status
    std::string out;               // stdout
    std::string err;               // stderr
    std::optional<JsonValue> json; // stdout parsed, when it is JSON

    [[nodiscard]] int exit_code() const { return WIFEXITED(status) ? WEXITSTATUS(status) : -1; }
    [[nodiscard]] std::string describe() const {
        return "sluicectl " + describe_status(status) + "\nstdout: " + out + "\nstderr: " + err;
    }
    [[nodiscard]] const JsonValue *get(std::string_view key) const { return json ? json->get(key) : nullptr; }
};

double number(const JsonValue *value) {
    return value != nullptr && value->as_number() != nullptr ? *value->as_number() : -1e9;
}

std::string text(const JsonValue *value) {
    return value != nullptr && value->as_string() != nullptr ? *value->as_string() : "<none>";
}

bool flag(const JsonValue *value) { return value != nullptr && value->as_bool() != nullptr && *value->as_bool(); }

class ControlTest : public SluiceTest {
protected:
    [[nodiscard]] ServerOptions server_options() const override {
        ServerOptions options;
        options.mode = "640x480@60";
        options.extra_args = {"--test-server"};
        return options;
    }

    // Starts sluicectl with `args`; the caller waits.
    ChildProcess start_ctl(const std::vector<std::string> &args, const std::string &tag) {
        std::vector<std::string> argv = {sluicectl_binary().string()};
        argv.insert(argv.end(), args.begin(), args.end());
        ProcessSpec spec;
        spec.argv = argv;
        spec.env = server().client_env();
        spec.stdout_path = scratch_file(tag + ".out");
        spec.stderr_path = scratch_file(tag + ".err");
        return ChildProcess(spec);
    }

    CtlResult finish_ctl(ChildProcess &child, const std::string &tag, std::chrono::milliseconds timeout = 15s) {
        CtlResult result;
        const auto status = child.wait(timeout);
        if (!status) {
            child.stop(SIGKILL, 1s);
            ADD_FAILURE() << "sluicectl (" << tag << ") did not finish in time";
            return result;
        }
        result.status = *status;
        result.out = read_text_file(scratch_file(tag + ".out"));
        result.err = read_text_file(scratch_file(tag + ".err"));
        result.json = control::parse_json(result.out, nullptr);
        return result;
    }

    CtlResult ctl(const std::vector<std::string> &args) {
        const std::string tag = "ctl-" + std::to_string(++calls_);
        ChildProcess child = start_ctl(args, tag);
        return finish_ctl(child, tag);
    }

    // A toplevel of one colour, mapped; the client stays connected.
    struct Window {
        std::unique_ptr<Client> client;
        std::unique_ptr<ShmBuffer> buffer;
        std::unique_ptr<Toplevel> toplevel;
    };
    Window map_window(const std::string &title, const std::string &app_id, int32_t w, int32_t h, uint32_t colour) {
        Window window;
        window.client = connect();
        window.buffer = std::make_unique<ShmBuffer>(window.client->shm(), w, h);
        window.buffer->fill(colour);
        Toplevel::Options options;
        options.title = title;
        options.app_id = app_id;
        window.toplevel = std::make_unique<Toplevel>(*window.client, options);
        EXPECT_TRUE(window.toplevel->map(*window.buffer)) << window.client->describe_error();
        EXPECT_TRUE(window.client->roundtrip());
        return window;
    }

    control::RgbaImage screenshot(const std::vector<std::string> &where) {
        const auto file = scratch_file("shot-" + std::to_string(++calls_) + ".png");
        std::vector<std::string> args = {"screenshot", file.string()};
        args.insert(args.end(), where.begin(), where.end());
        const CtlResult r = ctl(args);
        EXPECT_EQ(r.exit_code(), 0) << r.describe();
        std::ifstream in(file, std::ios::binary);
        std::vector<uint8_t> bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
        std::string error;
        auto image = control::decode_png(bytes, &error);
        EXPECT_TRUE(image.has_value()) << "the screenshot is no PNG we can read: " << error;
        return image.value_or(control::RgbaImage{});
    }

    int calls_ = 0;
};

size_t count_argb(const control::RgbaImage &image, const Rect &area, uint32_t argb) {
    size_t n = 0;
    for (int32_t y = std::max(area.y, 0); y < std::min(area.y + area.height, image.height); ++y) {
        for (int32_t x = std::max(area.x, 0); x < std::min(area.x + area.width, image.width); ++x) {
            n += image.argb(x, y) == argb ? 1 : 0;
        }
    }
    return n;
}

// --- errors and help -----------------------------------------------------------

TEST_F(ControlTest, HelpListsTheCommands) {
    const CtlResult r = ctl({"--help"});
    EXPECT_EQ(r.exit_code(), 0) << r.describe();
    for (const char *command : {"windows", "screenshot", "wait-window", "key", "type", "click", "tap", "clock", "sync"})
        EXPECT_NE(r.out.find(command), std::string::npos) << command << " missing from --help:\n" << r.out;
}

TEST_F(ControlTest, BadCommandsFailWithAReason) {
    const CtlResult unknown = ctl({"frobnicate"});
    EXPECT_EQ(unknown.exit_code(), 1) << unknown.describe();
    EXPECT_NE(unknown.err.find("unknown command 'frobnicate'"), std::string::npos) << unknown.describe();

    const CtlResult bad_key = ctl({"key", "NoSuchKeyName"});
    EXPECT_EQ(bad_key.exit_code(), 1) << bad_key.describe();
    EXPECT_NE(bad_key.err.find("unknown key name"), std::string::npos) << bad_key.describe();

    const CtlResult bad_window = ctl({"screenshot", scratch_file("x.png").string(), "window", "title=nobody"});
    EXPECT_EQ(bad_window.exit_code(), 1) << bad_window.describe();
    EXPECT_NE(bad_window.err.find("no mapped window with title 'nobody'"), std::string::npos) << bad_window.describe();

    const CtlResult step_running = ctl({"clock", "step"});
    EXPECT_EQ(step_running.exit_code(), 1) << step_running.describe();
    EXPECT_NE(step_running.err.find("pause it first"), std::string::npos) << step_running.describe();

    const CtlResult no_command = ctl({});
    EXPECT_EQ(no_command.exit_code(), 2) << no_command.describe();

    const CtlResult nowhere = ctl({"--socket", (server().runtime_dir() / "nothing-here").string(), "ping"});
    EXPECT_EQ(nowhere.exit_code(), 3) << nowhere.describe();
    EXPECT_NE(nowhere.err.find("cannot connect"), std::string::npos) << nowhere.describe();

    // sluice is still fine after all that.
    const CtlResult ping = ctl({"ping"});
    EXPECT_EQ(ping.exit_code(), 0) << ping.describe();
}

// --- listing -------------------------------------------------------------------

TEST_F(ControlTest, ListsClientsSurfacesAndWindows) {
    Window a = map_window("first window", "org.sluice.first", 200, 100, 0xff2060c0);
    Window b = map_window("second window", "org.sluice.second", 120, 80, 0xffc06020);

    const CtlResult clients = ctl({"clients"});
    ASSERT_EQ(clients.exit_code(), 0) << clients.describe();
    const JsonValue::Array *client_list = clients.get("clients") ? clients.get("clients")->as_array() : nullptr;
    ASSERT_NE(client_list, nullptr) << clients.out;
    EXPECT_EQ(client_list->size(), 2u) << clients.out;
    for (const JsonValue &c : *client_list)
        EXPECT_EQ(number(c.get("pid")), getpid()) << clients.out;

    const CtlResult windows = ctl({"windows"});
    ASSERT_EQ(windows.exit_code(), 0) << windows.describe();
    const JsonValue::Array *list = windows.get("windows") ? windows.get("windows")->as_array() : nullptr;
    ASSERT_NE(list, nullptr) << windows.out;
    ASSERT_EQ(list->size(), 2u) << windows.out;
    // Topmost (the newer, focused one) first; placement is deterministic:
    // centred on the output.
    const JsonValue &top = (*list)[0];
    EXPECT_EQ(text(top.get("title")), "second window");
    EXPECT_EQ(text(top.get("app_id")), "org.sluice.second");
    EXPECT_EQ(number(top.get("pid")), getpid());
    const Rect expected_b = centered(out_w, out_h, 120, 80);
    EXPECT_EQ(number(top.get("x")), expected_b.x);
    EXPECT_EQ(number(top.get("y")), expected_b.y);
    EXPECT_EQ(number(top.get("width")), 120);
    EXPECT_EQ(number(top.get("height")), 80);
    EXPECT_TRUE(flag(top.get("focused"))) << windows.out;
    const JsonValue &below = (*list)[1];
    EXPECT_EQ(text(below.get("title")), "first window");
    EXPECT_FALSE(flag(below.get("focused"))) << windows.out;
    EXPECT_EQ(number(below.get("x")), centered(out_w, out_h, 200, 100).x);

    const CtlResult surfaces = ctl({"surfaces"});
    ASSERT_EQ(surfaces.exit_code(), 0) << surfaces.describe();
    const JsonValue::Array *surface_list = surfaces.get("surfaces") ? surfaces.get("surfaces")->as_array() : nullptr;
    ASSERT_NE(surface_list, nullptr) << surfaces.out;
    bool found = false;
    for (const JsonValue &s : *surface_list) {
        if (text(s.get("id")) == text(top.get("id"))) {
            found = true;
            EXPECT_EQ(text(s.get("role")), "xdg_toplevel");
            EXPECT_EQ(number(s.get("x")), expected_b.x) << surfaces.out;
            EXPECT_EQ(number(s.get("y")), expected_b.y) << surfaces.out;
            EXPECT_EQ(number(s.get("held_commits")), 0);
        }
    }
    EXPECT_TRUE(found) << "window " << text(top.get("id")) << " not among the surfaces: " << surfaces.out;

    const CtlResult outputs = ctl({"outputs"});
    ASSERT_EQ(outputs.exit_code(), 0) << outputs.describe();
    const JsonValue::Array *output_list = outputs.get("outputs") ? outputs.get("outputs")->as_array() : nullptr;
    ASSERT_TRUE(output_list != nullptr && output_list->size() == 1) << outputs.out;
    EXPECT_EQ(number((*output_list)[0].get("width")), out_w);
    EXPECT_EQ(number((*output_list)[0].get("refresh_mhz")), 60000);
}

// --- waiting -------------------------------------------------------------------

TEST_F(ControlTest, WaitWindowAnswersWhenTheWindowMaps) {
    // Asked first, answered when the window comes: the wait is in sluice.
    ChildProcess waiter = start_ctl({"wait-window", "app-id=org.sluice.late", "10000"}, "wait");
    std::this_thread::sleep_for(300ms);
    ASSERT_TRUE(waiter.running()) << "wait-window answered before there was a window";
    // sluice keeps serving while one waits.
    const CtlResult ping = ctl({"ping"});
    EXPECT_EQ(ping.exit_code(), 0) << ping.describe();

    Window late = map_window("late", "org.sluice.late", 100, 100, 0xff00ff00);
    const CtlResult r = finish_ctl(waiter, "wait");
    ASSERT_EQ(r.exit_code(), 0) << r.describe();
    const JsonValue *window = r.get("window");
    ASSERT_NE(window, nullptr) << r.out;
    EXPECT_EQ(text(window->get("title")), "late");
    EXPECT_TRUE(flag(window->get("mapped")));
}

TEST_F(ControlTest, WaitWindowAnswersWhenAWindowIsRenamed) {
    // No commit follows the new title: the request itself is the news.
    Window window = map_window("before", "org.sluice.renamed", 50, 50, 0xff0000ff);
    ChildProcess waiter = start_ctl({"wait-window", "title=after", "10000"}, "renamed");
    std::this_thread::sleep_for(300ms);
    ASSERT_TRUE(waiter.running()) << "wait-window answered before the window had its name";
    const auto renamed = std::chrono::steady_clock::now();
    window.toplevel->set_title("after");
    ASSERT_TRUE(window.client->roundtrip());
    const CtlResult r = finish_ctl(waiter, "renamed");
    ASSERT_EQ(r.exit_code(), 0) << r.describe();
    EXPECT_EQ(text(r.get("window") ? r.get("window")->get("title") : nullptr), "after") << r.out;
    EXPECT_LT(std::chrono::steady_clock::now() - renamed, 5s);
}

TEST_F(ControlTest, WaitWindowTimesOut) {
    const auto start = std::chrono::steady_clock::now();
    const CtlResult r = ctl({"wait-window", "title=never", "300"});
    const auto took = std::chrono::steady_clock::now() - start;
    EXPECT_EQ(r.exit_code(), 4) << r.describe();
    EXPECT_NE(r.err.find("timed out after 300 ms"), std::string::npos) << r.describe();
    EXPECT_GE(took, 300ms);
}

// --- screenshots -----------------------------------------------------------------

TEST_F(ControlTest, ScreenshotsHoldTheClientsPixels) {
    constexpr uint32_t colour = 0xff3070d0;
    Window window = map_window("painted", "org.sluice.painted", 160, 90, colour);
    const Rect where = centered(out_w, out_h, 160, 90);

    const control::RgbaImage output = screenshot({});
    ASSERT_EQ(output.width, out_w);
    ASSERT_EQ(output.height, out_h);
    EXPECT_EQ(count_argb(output, where, colour), 160u * 90u);
    const size_t background = count_argb(output, {0, 0, out_w, out_h}, background_argb);
    EXPECT_EQ(background, static_cast<size_t>(out_w * out_h - 160 * 90));

    const control::RgbaImage named = screenshot({"output", "HEADLESS-1"});
    EXPECT_EQ(named.width, out_w);

    const control::RgbaImage alone = screenshot({"window", "title=painted"});
    ASSERT_EQ(alone.width, 160);
    ASSERT_EQ(alone.height, 90);
    EXPECT_EQ(count_argb(alone, {0, 0, 160, 90}, colour), 160u * 90u);
}

TEST_F(ControlTest, ScreenshotOfWestonSimpleShm) {
    const auto simple_shm = find_in_path("weston-simple-shm");
    if (!simple_shm)
        GTEST_SKIP() << "weston-simple-shm is not installed (Debian package weston)";
    ChildProcess client = server().spawn_client({simple_shm->string()}, scratch_file("simple-shm.log"));
    const CtlResult waited = ctl({"wait-window", "title=simple-shm", "10000"});
    ASSERT_EQ(waited.exit_code(), 0) << waited.describe() << read_text_file(scratch_file("simple-shm.log"));
    // simple-shm draws a 20 px white border around its pattern.
    const control::RgbaImage image = screenshot({"window", "app-id=org.freedesktop.weston.simple-shm"});
    ASSERT_EQ(image.width, 250);
    ASSERT_EQ(image.height, 250);
    EXPECT_EQ(count_argb(image, {0, 0, 250, 20}, 0xffffffff), 250u * 20u);
    EXPECT_EQ(count_argb(image, {0, 230, 250, 20}, 0xffffffff), 250u * 20u);
    EXPECT_LT(count_argb(image, {20, 20, 210, 210}, 0xffffffff), 210u * 210u / 20u)
        << "the inside should be simple-shm's pattern";
    client.stop(SIGINT, 5s);
}

// --- input ---------------------------------------------------------------------

TEST_F(ControlTest, KeysAndTextReachTheFocusedClient) {
    // The keyboard is bound before the window maps: focus enters it then.
    Window window;
    window.client = connect();
    SeatObserver seat(*window.client);
    ASSERT_TRUE(seat.wait_for_keyboard()) << "the test server's seat has no keyboard";
    window.buffer = std::make_unique<ShmBuffer>(window.client->shm(), 100, 100);
    window.buffer->fill(0xffffffff);
    window.toplevel = std::make_unique<Toplevel>(*window.client);
    ASSERT_TRUE(window.toplevel->map(*window.buffer)) << window.client->describe_error();
    ASSERT_TRUE(window.client->dispatch_until([&] { return seat.keyboard_focus() == window.toplevel->surface(); }))
        << "the new window did not get keyboard focus";

    CtlResult r = ctl({"key", "a", "ctrl+c", "Return"});
    ASSERT_EQ(r.exit_code(), 0) << r.describe();
    const std::vector<uint32_t> keys = {KEY_A, KEY_LEFTCTRL, KEY_C, KEY_ENTER};
    EXPECT_TRUE(window.client->dispatch_until([&] { return seat.keys_pressed().size() >= keys.size(); }));
    EXPECT_EQ(seat.keys_pressed(), keys);

    r = ctl({"type", "Hi 2"});
    ASSERT_EQ(r.exit_code(), 0) << r.describe();
    // An upper-case letter is typed with Shift held, as a person would.
    const std::vector<uint32_t> typed = {KEY_A, KEY_LEFTCTRL, KEY_C,     KEY_ENTER, KEY_LEFTSHIFT,
                                         KEY_H, KEY_I,        KEY_SPACE, KEY_2};
    EXPECT_TRUE(window.client->dispatch_until([&] { return seat.keys_pressed().size() >= typed.size(); }));
    EXPECT_EQ(seat.keys_pressed(), typed);
}

TEST_F(ControlTest, ClicksFocusAndReachTheWindowUnderThem) {
    Window left = map_window("left", "org.sluice.left", 100, 100, 0xffff0000);
    Window right = map_window("right", "org.sluice.right", 100, 100, 0xff0000ff);
    // The second window cascades 32 px down and right of the first.
    SeatObserver seat(*left.client);
    ASSERT_TRUE(seat.wait_for_pointer());
    ASSERT_TRUE(seat.wait_for_keyboard());

    // A point of `left` that `right` does not cover.
    const Rect l = centered(out_w, out_h, 100, 100);
    CtlResult r = ctl({"click", std::to_string(l.x + 5), std::to_string(l.y + 5)});
    ASSERT_EQ(r.exit_code(), 0) << r.describe();
    EXPECT_TRUE(left.client->dispatch_until([&] { return !seat.buttons_pressed().empty(); }));
    EXPECT_EQ(seat.buttons_pressed(), std::vector<uint32_t>{BTN_LEFT});
    EXPECT_EQ(seat.pointer_focus(), left.toplevel->surface());
    // Click to focus: the left window comes up and has the keyboard.
    EXPECT_TRUE(left.client->dispatch_until([&] { return seat.keyboard_focus() == left.toplevel->surface(); }));
    const CtlResult windows = ctl({"windows"});
    const JsonValue::Array *list = windows.get("windows") ? windows.get("windows")->as_array() : nullptr;
    ASSERT_TRUE(list != nullptr && !list->empty()) << windows.out;
    EXPECT_EQ(text((*list)[0].get("title")), "left") << windows.out;

    // Window-relative, with another button.
    r = ctl({"click", "title=left", "10", "10", "right"});
    ASSERT_EQ(r.exit_code(), 0) << r.describe();
    EXPECT_EQ(number(r.get("x")), l.x + 10);
    EXPECT_TRUE(left.client->dispatch_until([&] { return seat.buttons_pressed().size() >= 2; }));
    EXPECT_EQ(seat.buttons_pressed(), (std::vector<uint32_t>{BTN_LEFT, BTN_RIGHT}));
}

// wl_touch events, as the client gets them.
struct TouchLog {
    Proxy<wl_seat> seat;
    wl_touch *touch = nullptr;
    std::vector<std::string> events;
    uint32_t caps = 0;

    explicit TouchLog(Client &client) : seat(bind_seat(client)) {
        static const wl_seat_listener seat_listener = {
            .capabilities = [](void *data, wl_seat *, uint32_t caps) { static_cast<TouchLog *>(data)->caps = caps; },
            .name = [](void *, wl_seat *, const char *) {},
        };
        wl_seat_add_listener(seat.get(), &seat_listener, this);
    }
    ~TouchLog() {
        if (touch != nullptr)
            wl_touch_release(touch);
    }
    bool bind(Client &client) {
        if (!client.dispatch_until([this] { return (caps & WL_SEAT_CAPABILITY_TOUCH) != 0; }))
            return false;
        static const wl_touch_listener listener = {
            .down =
                [](void *data, wl_touch *, uint32_t, uint32_t, wl_surface *, int32_t id, wl_fixed_t x, wl_fixed_t y) {
                    static_cast<TouchLog *>(data)->events.push_back("down " + std::to_string(id) + " " +
                                                                    std::to_string(wl_fixed_to_int(x)) + "," +
                                                                    std::to_string(wl_fixed_to_int(y)));
                },
            .up = [](void *data, wl_touch *, uint32_t, uint32_t,
                     int32_t id) { static_cast<TouchLog *>(data)->events.push_back("up " + std::to_string(id)); },
            .motion =
                [](void *data, wl_touch *, uint32_t, int32_t id, wl_fixed_t x, wl_fixed_t y) {
                    static_cast<TouchLog *>(data)->events.push_back("motion " + std::to_string(id) + " " +
                                                                    std::to_string(wl_fixed_to_int(x)) + "," +
                                                                    std::to_string(wl_fixed_to_int(y)));
                },
            .frame = [](void *, wl_touch *) {},
            .cancel = [](void *, wl_touch *) {},
            .shape = [](void *, wl_touch *, int32_t, wl_fixed_t, wl_fixed_t) {},
            .orientation = [](void *, wl_touch *, int32_t, wl_fixed_t) {},
        };
        touch = wl_seat_get_touch(seat.get());
        wl_touch_add_listener(touch, &listener, this);
        return client.roundtrip();
    }
};

TEST_F(ControlTest, TouchesReachTheWindowInSurfaceCoordinates) {
    Window window = map_window("touchy", "org.sluice.touchy", 200, 200, 0xff808080);
    TouchLog log(*window.client);
    ASSERT_TRUE(log.bind(*window.client)) << "the test server's seat has no touch";
    const Rect w = centered(out_w, out_h, 200, 200);

    ASSERT_EQ(ctl({"tap", std::to_string(w.x + 50), std::to_string(w.y + 60)}).exit_code(), 0);
    ASSERT_EQ(ctl({"touch-down", "3", "title=touchy", "10", "20"}).exit_code(), 0);
    ASSERT_EQ(ctl({"touch-move", "3", "title=touchy", "30", "40"}).exit_code(), 0);
    ASSERT_EQ(ctl({"touch-up", "3"}).exit_code(), 0);
    const std::vector<std::string> expected = {"down 1000 50,60", "up 1000", "down 3 10,20", "motion 3 30,40", "up 3"};
    EXPECT_TRUE(window.client->dispatch_until([&] { return log.events.size() >= expected.size(); }));
    EXPECT_EQ(log.events, expected);
}

// wl_pointer axis events, as the client gets them.
struct AxisLog {
    Proxy<wl_seat> seat;
    wl_pointer *pointer = nullptr;
    double vertical = 0;
    int frames = 0;

    explicit AxisLog(Client &client) : seat(bind_seat(client)) {
        static const wl_pointer_listener listener = {
            .enter = [](void *, wl_pointer *, uint32_t, wl_surface *, wl_fixed_t, wl_fixed_t) {},
            .leave = [](void *, wl_pointer *, uint32_t, wl_surface *) {},
            .motion = [](void *, wl_pointer *, uint32_t, wl_fixed_t, wl_fixed_t) {},
            .button = [](void *, wl_pointer *, uint32_t, uint32_t, uint32_t, uint32_t) {},
            .axis =
                [](void *data, wl_pointer *, uint32_t, uint32_t axis, wl_fixed_t value) {
                    if (axis == WL_POINTER_AXIS_VERTICAL_SCROLL)
                        static_cast<AxisLog *>(data)->vertical += wl_fixed_to_double(value);
                },
            .frame = [](void *data, wl_pointer *) { ++static_cast<AxisLog *>(data)->frames; },
            .axis_source = [](void *, wl_pointer *, uint32_t) {},
            .axis_stop = [](void *, wl_pointer *, uint32_t, uint32_t) {},
            .axis_discrete = [](void *, wl_pointer *, uint32_t, int32_t) {},
        };
        pointer = wl_seat_get_pointer(seat.get());
        wl_pointer_add_listener(pointer, &listener, this);
    }
    ~AxisLog() { wl_pointer_release(pointer); }
};

TEST_F(ControlTest, MotionButtonsScrollAndFocus) {
    Window left = map_window("left", "org.sluice.left", 100, 100, 0xffff0000);
    Window right = map_window("right", "org.sluice.right", 100, 100, 0xff0000ff);
    SeatObserver seat(*left.client);
    ASSERT_TRUE(seat.wait_for_pointer());
    ASSERT_TRUE(seat.wait_for_keyboard());
    AxisLog axis(*left.client);
    ASSERT_TRUE(left.client->roundtrip());

    // Pointer focus follows motion, window-relative here.
    CtlResult r = ctl({"motion", "title=left", "5", "5"});
    ASSERT_EQ(r.exit_code(), 0) << r.describe();
    const Rect l = centered(out_w, out_h, 100, 100);
    EXPECT_EQ(number(r.get("x")), l.x + 5);
    EXPECT_TRUE(left.client->dispatch_until([&] { return seat.pointer_focus() == left.toplevel->surface(); }))
        << "motion did not bring the pointer into the window";

    ASSERT_EQ(ctl({"button", "middle", "press"}).exit_code(), 0);
    ASSERT_EQ(ctl({"button", "middle", "release"}).exit_code(), 0);
    EXPECT_TRUE(left.client->dispatch_until([&] { return !seat.buttons_pressed().empty(); }));
    EXPECT_EQ(seat.buttons_pressed(), std::vector<uint32_t>{BTN_MIDDLE});

    ASSERT_EQ(ctl({"scroll", "2"}).exit_code(), 0);
    EXPECT_TRUE(left.client->dispatch_until([&] { return axis.vertical > 0; }));
    EXPECT_EQ(axis.vertical, 30.0) << "two wheel clicks are 30 units";

    // focus: the keyboard goes to the named window without any click.
    r = ctl({"focus", "title=right"});
    ASSERT_EQ(r.exit_code(), 0) << r.describe();
    r = ctl({"focus", "title=left"});
    ASSERT_EQ(r.exit_code(), 0) << r.describe();
    EXPECT_TRUE(left.client->dispatch_until([&] { return seat.keyboard_focus() == left.toplevel->surface(); }));
    const CtlResult windows = ctl({"windows"});
    const JsonValue::Array *list = windows.get("windows") ? windows.get("windows")->as_array() : nullptr;
    ASSERT_TRUE(list != nullptr && list->size() == 2) << windows.out;
    EXPECT_EQ(text((*list)[0].get("title")), "left");
    EXPECT_TRUE(flag((*list)[0].get("focused")));
}

TEST_F(ControlTest, HelpCommandAndQuit) {
    const CtlResult help = ctl({"help"});
    ASSERT_EQ(help.exit_code(), 0) << help.describe();
    EXPECT_NE(text(help.get("commands")).find("wait-window"), std::string::npos) << help.out;

    const CtlResult quit = ctl({"quit"});
    EXPECT_EQ(quit.exit_code(), 0) << quit.describe();
    const auto deadline = std::chrono::steady_clock::now() + 5s;
    while (server().running() && std::chrono::steady_clock::now() < deadline)
        std::this_thread::sleep_for(20ms);
    EXPECT_FALSE(server().running()) << "sluice did not quit";
}

// --- the frame clock -------------------------------------------------------------

TEST_F(ControlTest, PausedClockHoldsFrameCallbacksAndStepReleasesOne) {
    Window window = map_window("clocked", "org.sluice.clocked", 64, 64, 0xff102030);
    const CtlResult paused = ctl({"clock", "pause"});
    ASSERT_EQ(paused.exit_code(), 0) << paused.describe();
    EXPECT_TRUE(flag(paused.get("paused"))) << paused.out;

    wl_surface *surface = window.toplevel->surface();
    auto first = std::make_unique<FrameCallback>(surface);
    wl_surface_commit(surface);
    window.client->flush();
    // Four frame periods and more: nothing while paused.
    EXPECT_FALSE(window.client->dispatch_until([&] { return first->done(); }, 300ms))
        << "a frame callback came while the clock was paused";

    const CtlResult step = ctl({"clock", "step"});
    ASSERT_EQ(step.exit_code(), 0) << step.describe();
    EXPECT_TRUE(window.client->dispatch_until([&] { return first->done(); }, 2s))
        << "clock step did not release the frame callback";

    // One step is one frame: the next callback waits for the next step.
    auto second = std::make_unique<FrameCallback>(surface);
    wl_surface_commit(surface);
    window.client->flush();
    EXPECT_FALSE(window.client->dispatch_until([&] { return second->done(); }, 300ms))
        << "one step let more than one frame through";

    const JsonValue::Array *outputs = step.get("outputs") ? step.get("outputs")->as_array() : nullptr;
    ASSERT_TRUE(outputs != nullptr && outputs->size() == 1) << step.out;
    const double frames_after_step = number((*outputs)[0].get("frames"));
    const CtlResult three = ctl({"clock", "step", "3"});
    ASSERT_EQ(three.exit_code(), 0) << three.describe();
    outputs = three.get("outputs") ? three.get("outputs")->as_array() : nullptr;
    ASSERT_TRUE(outputs != nullptr && outputs->size() == 1) << three.out;
    EXPECT_EQ(number((*outputs)[0].get("frames")), frames_after_step + 3) << three.out;
    EXPECT_TRUE(window.client->dispatch_until([&] { return second->done(); }, 2s));

    const CtlResult resumed = ctl({"clock", "resume"});
    ASSERT_EQ(resumed.exit_code(), 0) << resumed.describe();
    auto third = std::make_unique<FrameCallback>(surface);
    wl_surface_commit(surface);
    window.client->flush();
    EXPECT_TRUE(window.client->dispatch_until([&] { return third->done(); }, 2s))
        << "no frame callback after clock resume";
}

// --- sync state ------------------------------------------------------------------

TEST_F(ControlTest, SyncReportsTheGateAndEverySurface) {
    Window window = map_window("synced", "org.sluice.synced", 32, 32, 0xff000000);
    const CtlResult windows = ctl({"windows"});
    const JsonValue::Array *list = windows.get("windows") ? windows.get("windows")->as_array() : nullptr;
    ASSERT_TRUE(list != nullptr && list->size() == 1) << windows.out;
    const std::string id = text((*list)[0].get("id"));

    const CtlResult r = ctl({"sync"});
    ASSERT_EQ(r.exit_code(), 0) << r.describe();
    // At least the configure commit and the buffer commit went through it.
    EXPECT_GE(number(r.get("commits")), 2) << r.out;
    EXPECT_EQ(number(r.get("held")), number(r.get("released"))) << "nothing may still be held: " << r.out;
    const JsonValue::Array *surfaces = r.get("surfaces") ? r.get("surfaces")->as_array() : nullptr;
    ASSERT_NE(surfaces, nullptr) << r.out;
    bool found = false;
    for (const JsonValue &s : *surfaces) {
        if (text(s.get("id")) == id) {
            found = true;
            EXPECT_EQ(number(s.get("held_commits")), 0) << r.out;
        }
    }
    EXPECT_TRUE(found) << r.out;
}

TEST_F(ControlTest, SurfacesReportTheTearingHintOfTheLastCommit) {
    Window window = map_window("tearing", "org.sluice.tearing", 32, 32, 0xff000000);
    wl_surface *surface = window.toplevel->surface();
    auto hint_of_window = [&]() -> std::string {
        const CtlResult windows = ctl({"windows"});
        const JsonValue::Array *list = windows.get("windows") ? windows.get("windows")->as_array() : nullptr;
        if (list == nullptr || list->size() != 1)
            return "no window: " + windows.out;
        const std::string window_id = text((*list)[0].get("id"));
        const CtlResult r = ctl({"surfaces"});
        const JsonValue::Array *surfaces = r.get("surfaces") ? r.get("surfaces")->as_array() : nullptr;
        for (const JsonValue &s : surfaces != nullptr ? *surfaces : JsonValue::Array{}) {
            if (text(s.get("id")) == window_id)
                return text(s.get("presentation_hint"));
        }
        return "window not among the surfaces: " + r.out;
    };
    EXPECT_EQ(hint_of_window(), "vsync") << "the default hint";

    auto manager = window.client->bind<wp_tearing_control_manager_v1>(&wp_tearing_control_manager_v1_interface, 1);
    ASSERT_NE(manager.get(), nullptr) << "no wp_tearing_control_manager_v1 global";
    Proxy<wp_tearing_control_v1> control(wp_tearing_control_manager_v1_get_tearing_control(manager.get(), surface));
    wp_tearing_control_v1_set_presentation_hint(control.get(), WP_TEARING_CONTROL_V1_PRESENTATION_HINT_ASYNC);
    ASSERT_TRUE(window.client->roundtrip());
    EXPECT_EQ(hint_of_window(), "vsync") << "double-buffered: nothing before the commit";
    wl_surface_commit(surface);
    ASSERT_TRUE(window.client->roundtrip());
    EXPECT_EQ(hint_of_window(), "async");

    // Destroying the object reverts to vsync with the next commit.
    control.reset();
    ASSERT_TRUE(window.client->roundtrip());
    EXPECT_EQ(hint_of_window(), "async");
    wl_surface_commit(surface);
    ASSERT_TRUE(window.client->roundtrip());
    EXPECT_EQ(hint_of_window(), "vsync");
    EXPECT_FALSE(window.client->protocol_error().has_value());
}

// --- log levels ------------------------------------------------------------------

size_t count_of(const std::string &haystack, const std::string &needle) {
    size_t n = 0;
    for (size_t at = haystack.find(needle); at != std::string::npos; at = haystack.find(needle, at + 1))
        ++n;
    return n;
}

TEST_F(ControlTest, LogLevelsChangeAtRunTime) {
    const CtlResult help = ctl({"--help"});
    EXPECT_NE(help.out.find("log [LEVEL | CATEGORY=LEVEL...]"), std::string::npos) << help.out;

    const CtlResult before = ctl({"log"});
    ASSERT_EQ(before.exit_code(), 0) << before.describe();
    EXPECT_EQ(text(before.get("levels")), "info") << before.out;

    const CtlResult set = ctl({"log", "sync=debug"});
    ASSERT_EQ(set.exit_code(), 0) << set.describe();
    EXPECT_EQ(text(set.get("levels")), "info,sync=debug") << set.out;
    const CtlResult after = ctl({"log"});
    EXPECT_EQ(text(after.get("levels")), "info,sync=debug") << after.out;

    // A bad category is refused with the known ones, and changes nothing,
    // not even the good words beside it.
    const CtlResult bad = ctl({"log", "debug", "nosuch=debug"});
    EXPECT_EQ(bad.exit_code(), 1) << bad.describe();
    EXPECT_NE(bad.err.find("unknown log category 'nosuch'"), std::string::npos) << bad.describe();
    for (const char *known : {"core", "control", "sync", "wlroots"})
        EXPECT_NE(bad.err.find(known), std::string::npos) << known << " not named: " << bad.describe();
    EXPECT_EQ(text(ctl({"log"}).get("levels")), "info,sync=debug");

    // The levels take effect in sluice's log: the control category's debug
    // lines name every request...
    const std::string quiet = "[DEBUG] [control]";
    EXPECT_EQ(count_of(server().log(), quiet), 0u) << server().log();
    ASSERT_EQ(ctl({"log", "control=debug"}).exit_code(), 0);
    ASSERT_EQ(ctl({"ping"}).exit_code(), 0);
    EXPECT_NE(server().log().find("[DEBUG] [control] request: ping"), std::string::npos) << server().log();
    ASSERT_EQ(ctl({"log", "control=info"}).exit_code(), 0);
    const size_t lines = count_of(server().log(), quiet);
    ASSERT_EQ(ctl({"ping"}).exit_code(), 0);
    EXPECT_EQ(count_of(server().log(), quiet), lines) << "control=info still logs requests: " << server().log();

    // ...and wlroots follows its category: it reports a new surface at debug.
    const std::string wlroots_debug = "[DEBUG] [wlroots]";
    EXPECT_EQ(count_of(server().log(), wlroots_debug), 0u) << server().log();
    ASSERT_EQ(ctl({"log", "wlroots=debug"}).exit_code(), 0);
    Window window = map_window("logged", "org.sluice.logged", 32, 32, 0xff000000);
    EXPECT_NE(server().log().find("[DEBUG] [wlroots] [types/wlr_surface.c"), std::string::npos) << server().log();
}

// --- exit when empty ---------------------------------------------------------------

class ExitWhenEmptyTest : public ControlTest {
protected:
    [[nodiscard]] ServerOptions server_options() const override {
        ServerOptions options = ControlTest::server_options();
        options.extra_args.push_back("--exit-when-empty");
        return options;
    }
    void TearDown() override {
        // sluice is gone by design; the fixture's SIGTERM finds nothing.
        SluiceTest::TearDown();
    }
};

TEST_F(ExitWhenEmptyTest, ExitsCleanlyWhenTheLastClientLeaves) {
    // No client yet: sluice waits for one.
    std::this_thread::sleep_for(300ms);
    ASSERT_TRUE(server().running()) << "sluice exited before any client came\n" << server().log();
    {
        auto first = connect();
        auto second = connect();
        ASSERT_TRUE(first->roundtrip());
        ASSERT_TRUE(second->roundtrip());
        first.reset();
        std::this_thread::sleep_for(300ms);
        ASSERT_TRUE(server().running()) << "sluice exited while a client was still there";
    }
    const auto deadline = std::chrono::steady_clock::now() + 5s;
    while (server().running() && std::chrono::steady_clock::now() < deadline)
        std::this_thread::sleep_for(20ms);
    ASSERT_FALSE(server().running()) << "sluice still runs after the last client left";
    bool timed_out = false;
    const int status = server().stop(1s, &timed_out);
    EXPECT_TRUE(exited_cleanly(status)) << describe_status(status);
}

} // namespace
} // namespace sluice::test
