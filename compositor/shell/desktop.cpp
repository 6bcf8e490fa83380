#include "compositor/shell/desktop.hpp"

#include <algorithm>

#include "common/log.hpp"
#include "compositor/input/seat.hpp"
#include "compositor/output/dmabuf_feedback.hpp"
#include "compositor/output/output.hpp"
#include "compositor/shell/view.hpp"

namespace sluice {

Desktop::Desktop(wlr_scene_node *view_layer, wlr_output_layout *layout, DmabufFeedback *dmabuf_feedback)
    : view_layer_(view_layer), layout_(layout), dmabuf_feedback_(dmabuf_feedback) {}

Desktop::~Desktop() = default;

wlr_surface *Desktop::focused_surface() const {
    return seat_ != nullptr ? seat_->wlr()->keyboard_state.focused_surface : nullptr;
}

void Desktop::add_view(std::unique_ptr<View> view) { views_.push_back(std::move(view)); }

void Desktop::remove_view(View *view) {
    if (seat_ != nullptr) {
        seat_->forget_view(view);
    }
    views_.remove_if([view](const std::unique_ptr<View> &owned) { return owned.get() == view; });
    update_occlusion();
}

void Desktop::view_unmapped(View *view) {
    if (seat_ != nullptr) {
        seat_->forget_view(view);
    }
    update_occlusion();
    if (seat_ != nullptr && focused_surface() == view->surface()) {
        seat_->focus_surface(nullptr);
        // Focus goes back to the topmost window still on screen.
        for (auto &other : views_) {
            if (other.get() != view && other->mapped()) {
                focus_view(other.get());
                break;
            }
        }
    }
}

void Desktop::output_added(Output *output) { outputs_.push_back(output); }

void Desktop::output_removed(Output *output) {
    for (auto &view : views_) {
        if (view->fullscreen_output() == output->wlr()) {
            set_fullscreen(view.get(), false);
        }
    }
    std::erase(outputs_, output);
}

wlr_output *Desktop::output_of(const View *view) const {
    wlr_box geo = view->geometry();
    wlr_output *output =
        wlr_output_layout_output_at(layout_, view->x() + geo.width / 2.0, view->y() + geo.height / 2.0);
    return output != nullptr ? output : (outputs_.empty() ? nullptr : outputs_.front()->wlr());
}

void Desktop::set_fullscreen(View *view, bool fullscreen, wlr_output *output) {
    if (fullscreen == view->fullscreen()) {
        return;
    }
    if (fullscreen) {
        wlr_output *target = output != nullptr ? output : output_of(view);
        wlr_box *box = target != nullptr ? wlr_output_layout_get_box(layout_, target) : nullptr;
        if (box == nullptr) {
            return;
        }
        if (!view->maximized()) {
            view->remember_restore_box();
        }
        view->enter_fullscreen(target);
        view->request_size(box->width, box->height);
        view->move_to(box->x, box->y);
        LOG_INFO(view, "'%s' fullscreen on %s", view->title().c_str(), target->name);
        focus_view(view);
        if (dmabuf_feedback_) {
            dmabuf_feedback_->fullscreen_changed(view->surface(), view->fullscreen_output(), view->title());
        }
    } else {
        view->leave_fullscreen();
        if (view->maximized()) {
            // Maximized again, as granted anew.
            view->set_maximized(true);
            place_maximized(view, true);
        } else {
            const wlr_box &restore = view->restore_box();
            view->request_size(restore.width, restore.height);
            view->move_to(restore.x, restore.y);
        }
        LOG_INFO(view, "'%s' left fullscreen", view->title().c_str());
        if (dmabuf_feedback_) {
            dmabuf_feedback_->fullscreen_changed(view->surface(), view->fullscreen_output(), view->title());
        }
    }
    update_occlusion();
}

void Desktop::set_maximized(View *view, bool maximized) {
    if (maximized == view->maximized()) {
        return;
    }
    view->set_maximized(maximized);
    if (view->fullscreen()) {
        return; // applied when fullscreen ends
    }
    place_maximized(view, maximized);
}

void Desktop::place_maximized(View *view, bool maximized) {
    if (maximized) {
        wlr_output *target = output_of(view);
        wlr_box *box = target != nullptr ? wlr_output_layout_get_box(layout_, target) : nullptr;
        if (box == nullptr) {
            return;
        }
        view->remember_restore_box();
        view->request_size(box->width, box->height);
        view->move_to(box->x, box->y);
    } else {
        const wlr_box &restore = view->restore_box();
        view->request_size(restore.width, restore.height);
        view->move_to(restore.x, restore.y);
    }
}

void Desktop::update_occlusion() {
    auto area_of = [](const View &view) {
        wlr_box geo = view.geometry();
        return wlr_box{view.x(), view.y(), geo.width, geo.height};
    };
    std::vector<View *> occluded;
    for (Output *output : outputs_) {
        wlr_box box = output->layout_box();
        // The topmost window on this output decides.
        View *top = nullptr;
        for (auto &view : views_) {
            wlr_box area = area_of(*view);
            wlr_box overlap{};
            if (view->mapped() && wlr_box_intersection(&overlap, &area, &box)) {
                top = view.get();
                break;
            }
        }
        bool cover = top != nullptr && top->fullscreen_output() == output->wlr();
        output->set_background_visible(!cover);
        if (!cover) {
            continue;
        }
        for (auto &view : views_) {
            wlr_box area = area_of(*view);
            wlr_box overlap{};
            if (view.get() != top && wlr_box_intersection(&overlap, &area, &box) && overlap.width == area.width &&
                overlap.height == area.height) {
                occluded.push_back(view.get());
            }
        }
    }
    for (auto &view : views_) {
        view->set_occluded(std::find(occluded.begin(), occluded.end(), view.get()) != occluded.end());
    }
}

void Desktop::focus_view(View *view) {
    if (view == nullptr || !view->mapped()) {
        return;
    }
    wlr_surface *previous = focused_surface();
    if (previous == view->surface()) {
        return;
    }
    for (auto &other : views_) {
        if (other.get() != view && other->mapped() && other->surface() == previous) {
            other->set_activated(false);
        }
    }
    // Topmost first: move the view to the front of the list and the scene.
    for (auto it = views_.begin(); it != views_.end(); ++it) {
        if (it->get() == view) {
            views_.splice(views_.begin(), views_, it);
            break;
        }
    }
    wlr_scene_node_raise_to_top(view->node());
    view->set_activated(true);
    if (seat_ != nullptr) {
        seat_->focus_surface(view->surface());
    }
    update_occlusion();
}

void Desktop::cycle_focus() {
    // The bottom-most mapped window comes to the top.
    for (auto it = views_.rbegin(); it != views_.rend(); ++it) {
        if ((*it)->mapped() && it->get() != views_.front().get()) {
            focus_view(it->get());
            return;
        }
    }
}

void Desktop::close_focused_view() {
    wlr_surface *focused = focused_surface();
    for (auto &view : views_) {
        if (view->mapped() && view->surface() == focused) {
            view->close();
            return;
        }
    }
}

View *Desktop::view_at(double lx, double ly, wlr_surface **surface, double *sx, double *sy) {
    *surface = nullptr;
    wlr_scene_node *node = wlr_scene_node_at(view_layer_, lx, ly, sx, sy);
    if (node == nullptr || node->type != WLR_SCENE_NODE_SURFACE) {
        return nullptr;
    }
    *surface = wlr_scene_surface_from_node(node)->surface;
    // Walk up to the node a view put its pointer on.
    while (node != nullptr && node->data == nullptr) {
        node = node->parent;
    }
    return node != nullptr ? static_cast<View *>(node->data) : nullptr;
}

bool Desktop::surface_position(wlr_surface *surface, int &lx, int &ly) const {
    struct Search {
        wlr_surface *wanted;
        int sx = 0, sy = 0;
        bool found = false;
    } search{surface};
    for (const auto &view : views_) {
        if (view->node() == nullptr) {
            continue;
        }
        wlr_scene_node_for_each_surface(
            view->node(),
            [](wlr_surface *candidate, int sx, int sy, void *data) {
                auto *s = static_cast<Search *>(data);
                if (candidate == s->wanted && !s->found) {
                    s->found = true;
                    s->sx = sx;
                    s->sy = sy;
                }
            },
            &search);
        if (search.found) {
            // The iterator's coordinates already include the view node's
            // own position: only its parent's is missing.
            int nx = 0, ny = 0;
            if (view->node()->parent != nullptr) {
                wlr_scene_node_coords(view->node()->parent, &nx, &ny);
            }
            lx = nx + search.sx;
            ly = ny + search.sy;
            return true;
        }
    }
    return false;
}

void Desktop::initial_position(int width, int height, int &x, int &y) const {
    wlr_box box{};
    if (!outputs_.empty()) {
        box = outputs_.front()->layout_box();
    }
    x = box.x + (box.width - width) / 2;
    y = box.y + (box.height - height) / 2;
    // Cascade: a window exactly on top of another would hide it. A cascade
    // that would leave the output starts again from its top-left corner
    // (one step further in each round), so every window stays on screen
    // and keeps getting frames.
    int round = 0;
    bool occupied = true;
    while (occupied && round < 64) {
        occupied = false;
        for (const auto &view : views_) {
            if (view->mapped() && view->x() == x && view->y() == y) {
                x += 32;
                y += 32;
                occupied = true;
                break;
            }
        }
        if (occupied && (x + width > box.x + box.width || y + height > box.y + box.height)) {
            ++round;
            x = box.x + 32 * (round - 1) % std::max(1, box.width - width);
            y = box.y;
        }
    }
}

} // namespace sluice
