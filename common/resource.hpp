// Creating a protocol object for a client request: out of memory is the
// client's no_memory error, posted here once rather than by every caller.
#pragma once

#include <cstdint>

#include <wayland-server-core.h>

namespace sluice {

// Null (with no_memory posted to `client`) when libwayland cannot make it.
[[nodiscard]] inline wl_resource *create_resource(wl_client *client, const wl_interface *interface, int version,
                                                  uint32_t id) {
    wl_resource *resource = wl_resource_create(client, interface, version, id);
    if (resource == nullptr) {
        wl_client_post_no_memory(client);
    }
    return resource;
}

// A new object made by a request on `parent`, at the parent's version.
[[nodiscard]] inline wl_resource *create_resource(wl_client *client, const wl_interface *interface, wl_resource *parent,
                                                  uint32_t id) {
    return create_resource(client, interface, wl_resource_get_version(parent), id);
}

} // namespace sluice
