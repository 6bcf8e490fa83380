#include "animator.hpp"

#include <deque>
#include <memory>
#include <stdexcept>
#include <utility>

#include <time.h>

#include "client.hpp"
#include "frame.hpp"
#include "shm.hpp"
#include "xdg.hpp"

namespace sluice::test {

uint64_t monotonic_ns() {
    timespec ts{};
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return static_cast<uint64_t>(ts.tv_sec) * 1000000000ull + static_cast<uint64_t>(ts.tv_nsec);
}

Animator::Animator(std::filesystem::path socket, Options options) : options_(options) {
    thread_ = std::thread([this, socket = std::move(socket)] { run(socket); });
    std::unique_lock lock(mutex_);
    const bool ready =
        changed_.wait_for(lock, options_.start_timeout, [this] { return started_ || !failure_.empty(); });
    std::string why =
        !ready ? "its first frame was not presented within " + std::to_string(options_.start_timeout.count()) + " ms"
               : failure_;
    lock.unlock();
    if (!why.empty()) {
        stop_ = true;
        thread_.join();
        throw std::runtime_error("the animating client did not start: " + why);
    }
}

Animator::~Animator() {
    stop_ = true;
    if (thread_.joinable())
        thread_.join();
}

std::vector<AnimatorFrame> Animator::frames() const {
    std::lock_guard lock(mutex_);
    return frames_;
}

uint64_t Animator::latest_seq() const {
    std::lock_guard lock(mutex_);
    return latest_seq_;
}

std::optional<uint64_t> Animator::wait_for_seq_above(uint64_t seq, std::chrono::milliseconds timeout) const {
    std::unique_lock lock(mutex_);
    if (!changed_.wait_for(lock, timeout, [&] { return latest_seq_ > seq || !failure_.empty(); }) || !failure_.empty())
        return std::nullopt;
    return latest_seq_;
}

std::string Animator::failure() const {
    std::lock_guard lock(mutex_);
    return failure_;
}

void Animator::fail(std::string why) {
    {
        std::lock_guard lock(mutex_);
        failure_ = std::move(why);
    }
    changed_.notify_all();
}

void Animator::run(const std::filesystem::path &socket) {
    try {
        Client client(socket.string());
        if (client.presentation() == nullptr)
            throw std::runtime_error("the compositor offers no wp_presentation");
        Toplevel window(client);
        // Four buffers: the compositor may hold two (shown, and the one
        // being replaced) and a frame must never wait for a release.
        std::vector<std::unique_ptr<ShmBuffer>> buffers;
        for (int i = 0; i < 4; ++i)
            buffers.push_back(std::make_unique<ShmBuffer>(client.shm(), options_.width, options_.height));

        bool due = true;
        std::unique_ptr<FrameCallback> frame;
        std::deque<std::pair<uint64_t, std::unique_ptr<PresentationFeedback>>> pending;
        uint64_t next = 0;
        if (!window.wait_for_configure(1, options_.start_timeout))
            throw std::runtime_error("no configure: " + client.describe_error());

        while (!stop_.load()) {
            if (due) {
                ShmBuffer *free = nullptr;
                for (auto &buffer : buffers) {
                    if (!buffer->busy()) {
                        free = buffer.get();
                        break;
                    }
                }
                if (free != nullptr) {
                    free->fill(colour(next));
                    frame = std::make_unique<FrameCallback>(window.surface(), [this, &due](uint32_t) {
                        due = true;
                        ++callbacks_;
                    });
                    pending.emplace_back(
                        next, std::make_unique<PresentationFeedback>(client.presentation(), window.surface()));
                    window.commit_buffer(*free);
                    client.flush();
                    ++next;
                    due = false;
                }
            }
            // Short waits, so that stop() is noticed promptly.
            client.dispatch_once(std::chrono::milliseconds{20});
            if (client.error() != 0)
                throw std::runtime_error("connection failed: " + client.describe_error());

            const uint64_t now = monotonic_ns();
            bool any = false;
            std::lock_guard lock(mutex_);
            while (!pending.empty() && pending.front().second->resolved()) {
                const auto &[commit, feedback] = pending.front();
                AnimatorFrame record;
                record.commit = commit;
                record.received_ns = now;
                record.presented = feedback->state() == PresentationFeedback::State::presented;
                if (record.presented) {
                    const Presented &p = feedback->presented();
                    record.seq = p.seq;
                    record.presented_ns = p.nanoseconds();
                    record.refresh_ns = p.refresh_ns;
                    latest_seq_ = std::max(latest_seq_, p.seq);
                    started_ = true;
                }
                frames_.push_back(record);
                pending.pop_front();
                any = true;
            }
            if (any)
                changed_.notify_all();
        }
    } catch (const std::exception &e) {
        fail(e.what());
    }
}

} // namespace sluice::test
