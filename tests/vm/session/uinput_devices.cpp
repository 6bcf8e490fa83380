#include "uinput_devices.hpp"

#include <cerrno>
#include <chrono>
#include <cstring>
#include <fstream>
#include <stdexcept>
#include <system_error>
#include <thread>

#include <fcntl.h>
#include <linux/uinput.h>
#include <sys/ioctl.h>
#include <unistd.h>

namespace sluice::test {

namespace {

constexpr const char *uinput_path = "/dev/uinput";
// libudev's database, where udevd records what its rules found.
constexpr const char *udev_data_dir = "/run/udev/data";

[[noreturn]] void fail(const std::string &what) { throw std::runtime_error(what + ": " + std::strerror(errno)); }

void ioctl_or_throw(int fd, unsigned long request, unsigned long arg, const char *what) {
    if (ioctl(fd, request, arg) < 0)
        fail(what);
}

UniqueFd open_uinput() {
    UniqueFd fd(open(uinput_path, O_WRONLY | O_NONBLOCK | O_CLOEXEC));
    if (!fd)
        fail(std::string("open ") + uinput_path);
    return fd;
}

void setup(int fd, const std::string &name, uint16_t product) {
    uinput_setup setup{};
    setup.id.bustype = BUS_VIRTUAL;
    setup.id.vendor = 0x5105; // "sluice"; nothing matches it in libinput's quirks
    setup.id.product = product;
    setup.id.version = 1;
    std::strncpy(setup.name, name.c_str(), UINPUT_MAX_NAME_SIZE - 1);
    if (ioctl(fd, UI_DEV_SETUP, &setup) < 0)
        fail("UI_DEV_SETUP");
}

std::string read_line(const std::filesystem::path &path) {
    std::ifstream in(path);
    std::string line;
    std::getline(in, line);
    return line;
}

} // namespace

bool uinput_available(std::string *why) {
    UniqueFd fd(open(uinput_path, O_WRONLY | O_NONBLOCK | O_CLOEXEC));
    if (!fd && why != nullptr)
        *why = std::string("cannot open ") + uinput_path + ": " + std::strerror(errno);
    return fd.valid();
}

void UinputDevice::create(UniqueFd fd, const std::string &name, std::initializer_list<const char *> udev_properties) {
    fd_ = std::move(fd);
    name_ = name;
    if (ioctl(fd_.get(), UI_DEV_CREATE) < 0)
        fail("UI_DEV_CREATE");

    char sysname[64] = {};
    if (ioctl(fd_.get(), UI_GET_SYSNAME(sizeof(sysname) - 1), sysname) < 0)
        fail("UI_GET_SYSNAME");
    const std::filesystem::path sys = std::filesystem::path("/sys/devices/virtual/input") / sysname;
    // The evdev handler binds in the same call that registered the device,
    // but look a little while in case of a slow sysfs.
    std::filesystem::path event_dir;
    for (int attempt = 0; attempt < 100 && event_dir.empty(); ++attempt) {
        std::error_code ec;
        for (const auto &entry : std::filesystem::directory_iterator(sys, ec)) {
            if (entry.path().filename().string().rfind("event", 0) == 0)
                event_dir = entry.path();
        }
        if (event_dir.empty())
            std::this_thread::sleep_for(std::chrono::milliseconds{10});
    }
    if (event_dir.empty())
        throw std::runtime_error("uinput device " + name + ": no event node under " + sys.string());
    devnode_ = std::filesystem::path("/dev/input") / event_dir.filename();
    const std::string dev = read_line(event_dir / "dev"); // "13:64"

    std::error_code ec;
    std::filesystem::create_directories(udev_data_dir, ec);
    udev_entry_ = std::filesystem::path(udev_data_dir) / ("c" + dev);
    std::ofstream out(udev_entry_);
    // I: (when initialized, in µs) marks the device initialized; E: lines
    // are properties, as udev's 60-input-id rules would set them.
    out << "I:"
        << std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now().time_since_epoch())
               .count()
        << "\nE:ID_INPUT=1\n";
    for (const char *property : udev_properties)
        out << "E:" << property << "\n";
    out << "V:1\n";
    if (!out.flush())
        throw std::runtime_error("cannot write " + udev_entry_.string());
}

UinputDevice::~UinputDevice() {
    if (fd_)
        ioctl(fd_.get(), UI_DEV_DESTROY);
    if (!udev_entry_.empty()) {
        std::error_code ec;
        std::filesystem::remove(udev_entry_, ec);
    }
}

void UinputDevice::emit(uint16_t type, uint16_t code, int32_t value) {
    input_event event{};
    event.type = type;
    event.code = code;
    event.value = value;
    if (write(fd_.get(), &event, sizeof(event)) != static_cast<ssize_t>(sizeof(event)))
        fail("write to uinput (" + name_ + ")");
}

void UinputDevice::sync() { emit(EV_SYN, SYN_REPORT, 0); }

void UinputDevice::key_frame(uint16_t code, bool down) {
    emit(EV_KEY, code, down ? 1 : 0);
    sync();
}

UinputKeyboard::UinputKeyboard(const std::string &name) {
    UniqueFd fd = open_uinput();
    ioctl_or_throw(fd.get(), UI_SET_EVBIT, EV_KEY, "UI_SET_EVBIT EV_KEY");
    for (int key = KEY_ESC; key <= KEY_MICMUTE; ++key)
        ioctl_or_throw(fd.get(), UI_SET_KEYBIT, static_cast<unsigned long>(key), "UI_SET_KEYBIT");
    setup(fd.get(), name, 1);
    create(std::move(fd), name, {"ID_INPUT_KEY=1", "ID_INPUT_KEYBOARD=1"});
}

UinputKeyboard::~UinputKeyboard() = default;

void UinputKeyboard::press(uint16_t key) { key_frame(key, true); }

void UinputKeyboard::release(uint16_t key) { key_frame(key, false); }

void UinputKeyboard::tap(uint16_t key, std::initializer_list<uint16_t> modifiers) {
    for (uint16_t modifier : modifiers)
        press(modifier);
    press(key);
    release(key);
    for (auto it = std::rbegin(modifiers); it != std::rend(modifiers); ++it)
        release(*it);
}

UinputPointer::UinputPointer(int32_t width, int32_t height, const std::string &name) : width_(width), height_(height) {
    UniqueFd fd = open_uinput();
    ioctl_or_throw(fd.get(), UI_SET_EVBIT, EV_KEY, "UI_SET_EVBIT EV_KEY");
    for (int button : {BTN_LEFT, BTN_RIGHT, BTN_MIDDLE})
        ioctl_or_throw(fd.get(), UI_SET_KEYBIT, static_cast<unsigned long>(button), "UI_SET_KEYBIT");
    ioctl_or_throw(fd.get(), UI_SET_EVBIT, EV_ABS, "UI_SET_EVBIT EV_ABS");
    for (auto [axis, size] : {std::pair{ABS_X, width}, std::pair{ABS_Y, height}}) {
        ioctl_or_throw(fd.get(), UI_SET_ABSBIT, static_cast<unsigned long>(axis), "UI_SET_ABSBIT");
        uinput_abs_setup abs{};
        abs.code = static_cast<uint16_t>(axis);
        abs.absinfo.minimum = 0;
        abs.absinfo.maximum = size - 1;
        if (ioctl(fd.get(), UI_ABS_SETUP, &abs) < 0)
            fail("UI_ABS_SETUP");
    }
    setup(fd.get(), name, 2);
    create(std::move(fd), name, {"ID_INPUT_MOUSE=1"});
}

UinputPointer::~UinputPointer() = default;

void UinputPointer::move_to(int32_t x, int32_t y) {
    emit(EV_ABS, ABS_X, x);
    emit(EV_ABS, ABS_Y, y);
    sync();
}

void UinputPointer::press(uint16_t button) { key_frame(button, true); }

void UinputPointer::release(uint16_t button) { key_frame(button, false); }

void UinputPointer::click(uint16_t button) {
    press(button);
    release(button);
}

} // namespace sluice::test
