// How many commits each client has held at the gate. Every held commit
// waits on a fence and costs sluice a file descriptor or two, so a client
// may hold only so many: past that it is trying to exhaust sluice, and the
// gate disconnects it.
#pragma once

#include <cstddef>
#include <unordered_map>

namespace sluice {

// More commits than this held for one client is a client trying to exhaust
// sluice.
inline constexpr size_t max_held_commits_per_client = 256;

class ClientHoldCounts {
public:
    // A client as the gate knows it (its wl_client); never dereferenced.
    using Client = const void *;

    explicit ClientHoldCounts(size_t limit = max_held_commits_per_client) : limit_(limit) {}

    ClientHoldCounts(const ClientHoldCounts &) = delete;
    ClientHoldCounts &operator=(const ClientHoldCounts &) = delete;

    // Counts one more held commit for `client`; false, and nothing counted,
    // when it already holds `limit()`.
    [[nodiscard]] bool try_add(Client client);
    // `count` of the client's held commits are no longer held.
    void remove(Client client, size_t count = 1);

    [[nodiscard]] size_t held(Client client) const;
    // Clients holding at least one commit.
    [[nodiscard]] size_t clients() const { return held_.size(); }
    [[nodiscard]] size_t limit() const { return limit_; }

private:
    size_t limit_;
    // Only clients that hold something have an entry.
    std::unordered_map<Client, size_t> held_;
};

} // namespace sluice
