#include "compositor/gate/client_hold_counts.hpp"

#include <cassert>

namespace sluice {

bool ClientHoldCounts::try_add(Client client) {
    size_t &held = held_[client];
    if (held >= limit_) {
        if (held == 0) {
            held_.erase(client); // a limit of 0 must not leave an empty entry
        }
        return false;
    }
    ++held;
    return true;
}

void ClientHoldCounts::remove(Client client, size_t count) {
    if (count == 0) {
        return;
    }
    auto it = held_.find(client);
    assert(it != held_.end() && it->second >= count);
    if (it == held_.end()) {
        return;
    }
    it->second -= count < it->second ? count : it->second;
    if (it->second == 0) {
        held_.erase(it);
    }
}

size_t ClientHoldCounts::held(Client client) const {
    auto it = held_.find(client);
    return it != held_.end() ? it->second : 0;
}

} // namespace sluice
