#include "json.hpp"

#include <cmath>
#include <cstdio>

namespace bench {

Json &Json::set(const std::string &key, Json value) {
    if (!std::holds_alternative<Object>(value_)) {
        value_ = Object{};
    }
    auto &object = std::get<Object>(value_);
    for (auto &[name, existing] : object) {
        if (name == key) {
            existing = std::move(value);
            return *this;
        }
    }
    object.emplace_back(key, std::move(value));
    return *this;
}

Json &Json::push(Json value) {
    if (!std::holds_alternative<Array>(value_)) {
        value_ = Array{};
    }
    std::get<Array>(value_).push_back(std::move(value));
    return *this;
}

std::string Json::dump() const {
    std::string out;
    write(out);
    return out;
}

namespace {

void write_string(std::string &out, const std::string &s) {
    out += '"';
    for (unsigned char c : s) {
        switch (c) {
        case '"': out += "\\\""; break;
        case '\\': out += "\\\\"; break;
        case '\n': out += "\\n"; break;
        case '\t': out += "\\t"; break;
        case '\r': out += "\\r"; break;
        default:
            if (c < 0x20) {
                char buf[8];
                snprintf(buf, sizeof buf, "\\u%04x", c);
                out += buf;
            } else {
                out += char(c);
            }
        }
    }
    out += '"';
}

} // namespace

void Json::write(std::string &out) const {
    if (std::holds_alternative<std::nullptr_t>(value_)) {
        out += "null";
    } else if (auto *b = std::get_if<bool>(&value_)) {
        out += *b ? "true" : "false";
    } else if (auto *i = std::get_if<int64_t>(&value_)) {
        out += std::to_string(*i);
    } else if (auto *d = std::get_if<double>(&value_)) {
        if (!std::isfinite(*d)) {
            out += "null";
        } else {
            char buf[32];
            // Four decimals of a millisecond is 100 ns: finer than any clock
            // these measurements can trust.
            snprintf(buf, sizeof buf, "%.4f", *d);
            std::string text = buf;
            while (text.back() == '0') {
                text.pop_back();
            }
            if (text.back() == '.') {
                text.pop_back();
            }
            out += text;
        }
    } else if (auto *s = std::get_if<std::string>(&value_)) {
        write_string(out, *s);
    } else if (auto *a = std::get_if<Array>(&value_)) {
        out += '[';
        for (size_t n = 0; n < a->size(); ++n) {
            if (n > 0) {
                out += ',';
            }
            (*a)[n].write(out);
        }
        out += ']';
    } else if (auto *o = std::get_if<Object>(&value_)) {
        out += '{';
        for (size_t n = 0; n < o->size(); ++n) {
            if (n > 0) {
                out += ',';
            }
            write_string(out, (*o)[n].first);
            out += ':';
            (*o)[n].second.write(out);
        }
        out += '}';
    }
}

} // namespace bench
