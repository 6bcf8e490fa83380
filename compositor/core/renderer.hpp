// The renderer sluice composites with, chosen from --renderer, its
// render-done fences and the allocator output buffers come from.
#pragma once

#include <memory>

#include "compositor/core/options.hpp"
#include "wlroots/wlr.hpp"

namespace sluice::render {
class RenderFences;
}

namespace sluice {

class Renderer {
public:
    // Null (the reason logged) when the choice cannot work on `backend`.
    static std::unique_ptr<Renderer> create(wlr_backend *backend, RendererChoice choice);
    // The allocator, then the renderer: its buffers were made for it.
    ~Renderer();

    Renderer(const Renderer &) = delete;
    Renderer &operator=(const Renderer &) = delete;

    wlr_renderer *wlr() const { return renderer_; }
    wlr_allocator *allocator() const { return allocator_; }
    // How a composited frame's end is known (null: pixman, done on return).
    const render::RenderFences *fences() const { return fences_.get(); }

private:
    Renderer() = default;

    wlr_renderer *renderer_ = nullptr;
    std::unique_ptr<render::RenderFences> fences_;
    wlr_allocator *allocator_ = nullptr;
};

} // namespace sluice
