#include "compositor/control/wire.hpp"

#include <cmath>
#include <cstdio>

namespace sluice::control {

std::optional<std::vector<std::string>> split_words(std::string_view line, std::string *error) {
    std::vector<std::string> words;
    size_t i = 0;
    auto fail = [&](const char *why) -> std::optional<std::vector<std::string>> {
        if (error != nullptr) {
            *error = why;
        }
        return std::nullopt;
    };
    while (i < line.size()) {
        if (line[i] == ' ' || line[i] == '\t' || line[i] == '\r') {
            ++i;
            continue;
        }
        std::string word;
        if (line[i] != '"') {
            while (i < line.size() && line[i] != ' ' && line[i] != '\t' && line[i] != '\r') {
                word += line[i++];
            }
            words.push_back(std::move(word));
            continue;
        }
        ++i;
        bool closed = false;
        while (i < line.size()) {
            char c = line[i++];
            if (c == '"') {
                closed = true;
                break;
            }
            if (c != '\\') {
                word += c;
                continue;
            }
            if (i >= line.size()) {
                return fail("a backslash ends the line");
            }
            char e = line[i++];
            switch (e) {
            case '\\': word += '\\'; break;
            case '"': word += '"'; break;
            case 'n': word += '\n'; break;
            case 't': word += '\t'; break;
            default: return fail("unknown escape in a quoted word (only \\\\ \\\" \\n \\t)");
            }
        }
        if (!closed) {
            return fail("a quoted word is not closed");
        }
        words.push_back(std::move(word));
    }
    return words;
}

std::string join_words(const std::vector<std::string> &words) {
    std::string line;
    for (const std::string &word : words) {
        if (!line.empty()) {
            line += ' ';
        }
        bool plain = !word.empty() && word.find_first_of(" \t\r\n\"\\") == std::string::npos;
        if (plain) {
            line += word;
            continue;
        }
        line += '"';
        for (char c : word) {
            switch (c) {
            case '\\': line += "\\\\"; break;
            case '"': line += "\\\""; break;
            case '\n': line += "\\n"; break;
            case '\t': line += "\\t"; break;
            default: line += c; break;
            }
        }
        line += '"';
    }
    return line;
}

std::string json_quote(std::string_view text) {
    std::string out = "\"";
    for (unsigned char c : text) {
        switch (c) {
        case '"': out += "\\\""; break;
        case '\\': out += "\\\\"; break;
        case '\n': out += "\\n"; break;
        case '\r': out += "\\r"; break;
        case '\t': out += "\\t"; break;
        default:
            if (c < 0x20) {
                char buf[8];
                snprintf(buf, sizeof(buf), "\\u%04x", c);
                out += buf;
            } else {
                // UTF-8 passes through: JSON text is UTF-8.
                out += static_cast<char>(c);
            }
        }
    }
    out += '"';
    return out;
}

void JsonObject::key(std::string_view key) {
    if (!body_.empty()) {
        body_ += ',';
    }
    body_ += json_quote(key);
    body_ += ':';
}

JsonObject &JsonObject::add(std::string_view k, std::string_view value) {
    key(k);
    body_ += json_quote(value);
    return *this;
}

JsonObject &JsonObject::add(std::string_view k, bool value) {
    key(k);
    body_ += value ? "true" : "false";
    return *this;
}

JsonObject &JsonObject::add(std::string_view k, int64_t value) {
    key(k);
    body_ += std::to_string(value);
    return *this;
}

JsonObject &JsonObject::add(std::string_view k, uint64_t value) {
    key(k);
    body_ += std::to_string(value);
    return *this;
}

JsonObject &JsonObject::add(std::string_view k, double value) {
    key(k);
    if (!std::isfinite(value)) {
        body_ += "null";
        return *this;
    }
    char buf[32];
    snprintf(buf, sizeof(buf), "%.17g", value);
    body_ += buf;
    return *this;
}

JsonObject &JsonObject::add_raw(std::string_view k, std::string_view json) {
    key(k);
    body_ += json;
    return *this;
}

std::string json_array(const std::vector<std::string> &values) {
    std::string out = "[";
    for (size_t i = 0; i < values.size(); ++i) {
        if (i > 0) {
            out += ',';
        }
        out += values[i];
    }
    out += ']';
    return out;
}

std::string ok_reply(JsonObject fields) {
    JsonObject reply;
    reply.add("ok", true);
    std::string rest = fields.str();
    std::string head = reply.str();
    if (rest.size() <= 2) {
        return head;
    }
    // Splice the fields in after "ok".
    return head.substr(0, head.size() - 1) + "," + rest.substr(1);
}

std::string error_reply(std::string_view message) {
    JsonObject reply;
    reply.add("ok", false).add("error", message);
    return reply.str();
}

// --- reading -----------------------------------------------------------------

const JsonValue::Array *JsonValue::as_array() const {
    const auto *p = std::get_if<std::shared_ptr<Array>>(&value);
    return p != nullptr ? p->get() : nullptr;
}

const JsonValue::Object *JsonValue::as_object() const {
    const auto *p = std::get_if<std::shared_ptr<Object>>(&value);
    return p != nullptr ? p->get() : nullptr;
}

const JsonValue *JsonValue::get(std::string_view key) const {
    const Object *object = as_object();
    if (object == nullptr) {
        return nullptr;
    }
    auto it = object->find(key);
    return it != object->end() ? &it->second : nullptr;
}

namespace {

class Parser {
public:
    explicit Parser(std::string_view text) : text_(text) {}

    std::optional<JsonValue> parse_document(std::string *error) {
        auto value = parse_value(0);
        skip_space();
        if (value && pos_ != text_.size()) {
            error_ = "trailing characters after the JSON value";
            value.reset();
        }
        if (!value && error != nullptr) {
            *error = error_ + " at offset " + std::to_string(pos_);
        }
        return value;
    }

private:
    // Takes `c` if it comes next.
    bool eat(char c) {
        if (pos_ < text_.size() && text_[pos_] == c) {
            ++pos_;
            return true;
        }
        return false;
    }

    void skip_space() {
        while (pos_ < text_.size() &&
               (text_[pos_] == ' ' || text_[pos_] == '\n' || text_[pos_] == '\r' || text_[pos_] == '\t')) {
            ++pos_;
        }
    }

    bool literal(std::string_view word) {
        if (text_.substr(pos_, word.size()) == word) {
            pos_ += word.size();
            return true;
        }
        return false;
    }

    std::optional<JsonValue> fail(const char *why) {
        error_ = why;
        return std::nullopt;
    }

    std::optional<JsonValue> parse_value(int depth) {
        if (depth > 64) {
            return fail("nested too deeply");
        }
        skip_space();
        if (pos_ >= text_.size()) {
            return fail("unexpected end");
        }
        char c = text_[pos_];
        if (c == '{') {
            return parse_object(depth);
        }
        if (c == '[') {
            return parse_array(depth);
        }
        if (c == '"') {
            auto s = parse_string();
            if (!s) {
                return std::nullopt;
            }
            return JsonValue{std::move(*s)};
        }
        if (literal("true")) {
            return JsonValue{true};
        }
        if (literal("false")) {
            return JsonValue{false};
        }
        if (literal("null")) {
            return JsonValue{nullptr};
        }
        return parse_number();
    }

    std::optional<JsonValue> parse_number() {
        size_t start = pos_;
        while (pos_ < text_.size() && std::string_view("+-0123456789.eE").find(text_[pos_]) != std::string_view::npos) {
            ++pos_;
        }
        if (start == pos_) {
            return fail("unexpected character");
        }
        std::string number(text_.substr(start, pos_ - start));
        char *end = nullptr;
        double value = strtod(number.c_str(), &end);
        if (end != number.c_str() + number.size()) {
            return fail("malformed number");
        }
        return JsonValue{value};
    }

    static void append_utf8(std::string &out, uint32_t cp) {
        if (cp < 0x80) {
            out += static_cast<char>(cp);
        } else if (cp < 0x800) {
            out += static_cast<char>(0xc0 | (cp >> 6));
            out += static_cast<char>(0x80 | (cp & 0x3f));
        } else if (cp < 0x10000) {
            out += static_cast<char>(0xe0 | (cp >> 12));
            out += static_cast<char>(0x80 | ((cp >> 6) & 0x3f));
            out += static_cast<char>(0x80 | (cp & 0x3f));
        } else {
            out += static_cast<char>(0xf0 | (cp >> 18));
            out += static_cast<char>(0x80 | ((cp >> 12) & 0x3f));
            out += static_cast<char>(0x80 | ((cp >> 6) & 0x3f));
            out += static_cast<char>(0x80 | (cp & 0x3f));
        }
    }

    std::optional<uint32_t> hex4() {
        if (pos_ + 4 > text_.size()) {
            return std::nullopt;
        }
        uint32_t v = 0;
        for (int i = 0; i < 4; ++i) {
            char h = text_[pos_++];
            v <<= 4;
            if (h >= '0' && h <= '9') {
                v |= static_cast<uint32_t>(h - '0');
            } else if (h >= 'a' && h <= 'f') {
                v |= static_cast<uint32_t>(h - 'a' + 10);
            } else if (h >= 'A' && h <= 'F') {
                v |= static_cast<uint32_t>(h - 'A' + 10);
            } else {
                return std::nullopt;
            }
        }
        return v;
    }

    std::optional<std::string> parse_string() {
        ++pos_; // opening quote
        std::string out;
        while (pos_ < text_.size()) {
            char c = text_[pos_++];
            if (c == '"') {
                return out;
            }
            if (c != '\\') {
                out += c;
                continue;
            }
            if (pos_ >= text_.size()) {
                break;
            }
            char e = text_[pos_++];
            switch (e) {
            case '"': out += '"'; break;
            case '\\': out += '\\'; break;
            case '/': out += '/'; break;
            case 'b': out += '\b'; break;
            case 'f': out += '\f'; break;
            case 'n': out += '\n'; break;
            case 'r': out += '\r'; break;
            case 't': out += '\t'; break;
            case 'u': {
                auto cp = hex4();
                if (!cp) {
                    error_ = "bad \\u escape";
                    return std::nullopt;
                }
                if (*cp >= 0xd800 && *cp < 0xdc00 && literal("\\u")) {
                    auto low = hex4();
                    if (!low || *low < 0xdc00 || *low >= 0xe000) {
                        error_ = "bad surrogate pair";
                        return std::nullopt;
                    }
                    *cp = 0x10000 + ((*cp - 0xd800) << 10) + (*low - 0xdc00);
                }
                append_utf8(out, *cp);
                break;
            }
            default: error_ = "bad escape"; return std::nullopt;
            }
        }
        error_ = "unterminated string";
        return std::nullopt;
    }

    std::optional<JsonValue> parse_array(int depth) {
        ++pos_;
        auto array = std::make_shared<JsonValue::Array>();
        skip_space();
        if (eat(']')) {
            return JsonValue{array};
        }
        for (;;) {
            auto v = parse_value(depth + 1);
            if (!v) {
                return std::nullopt;
            }
            array->push_back(std::move(*v));
            skip_space();
            if (eat(',')) {
                continue;
            }
            if (eat(']')) {
                return JsonValue{array};
            }
            return fail("expected , or ] in an array");
        }
    }

    std::optional<JsonValue> parse_object(int depth) {
        ++pos_;
        auto object = std::make_shared<JsonValue::Object>();
        skip_space();
        if (eat('}')) {
            return JsonValue{object};
        }
        for (;;) {
            skip_space();
            if (pos_ >= text_.size() || text_[pos_] != '"') {
                return fail("expected a string key");
            }
            auto key = parse_string();
            if (!key) {
                return std::nullopt;
            }
            skip_space();
            if (!eat(':')) {
                return fail("expected : after a key");
            }
            auto v = parse_value(depth + 1);
            if (!v) {
                return std::nullopt;
            }
            (*object)[std::move(*key)] = std::move(*v);
            skip_space();
            if (eat(',')) {
                continue;
            }
            if (eat('}')) {
                return JsonValue{object};
            }
            return fail("expected , or } in an object");
        }
    }

    std::string_view text_;
    size_t pos_ = 0;
    std::string error_;
};

constexpr char base64_alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

} // namespace

std::optional<JsonValue> parse_json(std::string_view text, std::string *error) {
    return Parser(text).parse_document(error);
}

std::string base64_encode(const std::vector<uint8_t> &bytes) {
    std::string out;
    out.reserve((bytes.size() + 2) / 3 * 4);
    size_t i = 0;
    for (; i + 3 <= bytes.size(); i += 3) {
        uint32_t v = (uint32_t{bytes[i]} << 16) | (uint32_t{bytes[i + 1]} << 8) | bytes[i + 2];
        out += base64_alphabet[(v >> 18) & 63];
        out += base64_alphabet[(v >> 12) & 63];
        out += base64_alphabet[(v >> 6) & 63];
        out += base64_alphabet[v & 63];
    }
    size_t rest = bytes.size() - i;
    if (rest > 0) {
        uint32_t v = uint32_t{bytes[i]} << 16;
        if (rest == 2) {
            v |= uint32_t{bytes[i + 1]} << 8;
        }
        out += base64_alphabet[(v >> 18) & 63];
        out += base64_alphabet[(v >> 12) & 63];
        out += rest == 2 ? base64_alphabet[(v >> 6) & 63] : '=';
        out += '=';
    }
    return out;
}

std::optional<std::vector<uint8_t>> base64_decode(std::string_view text) {
    if (text.size() % 4 != 0) {
        return std::nullopt;
    }
    auto value = [](char c) -> int {
        if (c >= 'A' && c <= 'Z')
            return c - 'A';
        if (c >= 'a' && c <= 'z')
            return c - 'a' + 26;
        if (c >= '0' && c <= '9')
            return c - '0' + 52;
        if (c == '+')
            return 62;
        if (c == '/')
            return 63;
        return -1;
    };
    std::vector<uint8_t> out;
    out.reserve(text.size() / 4 * 3);
    for (size_t i = 0; i < text.size(); i += 4) {
        int pad = 0;
        uint32_t v = 0;
        for (size_t j = 0; j < 4; ++j) {
            char c = text[i + j];
            int d = 0;
            if (c == '=' && i + 4 == text.size() && j >= 2) {
                ++pad;
            } else if (pad > 0 || (d = value(c)) < 0) {
                return std::nullopt;
            }
            v = (v << 6) | static_cast<uint32_t>(d);
        }
        out.push_back(static_cast<uint8_t>(v >> 16));
        if (pad < 2) {
            out.push_back(static_cast<uint8_t>(v >> 8));
        }
        if (pad < 1) {
            out.push_back(static_cast<uint8_t>(v));
        }
    }
    return out;
}

const char *command_summary() {
    return "  ping                          is sluice there\n"
           "  clients                       connected clients: id, pid, command\n"
           "  surfaces                      every wl_surface: id, role, size, position, held commits\n"
           "  windows                       windows, topmost first: id, title, app_id, pid, x, y,\n"
           "                                width, height, mapped, focused\n"
           "  outputs                       outputs: name, position, size, refresh, clock state\n"
           "  screenshot [output NAME | window WINDOW]\n"
           "                                PNG of an output (default the first) or a window\n"
           "  wait-window WINDOW [TIMEOUT_MS]\n"
           "                                reply when such a window is mapped (default 5000 ms)\n"
           "  focus WINDOW                  give a window keyboard focus and raise it\n"
           "  key COMBO...                  press and release keys: Return, a, ctrl+c, shift+Tab\n"
           "  type TEXT                     type text with the keymap\n"
           "  motion [WINDOW] [X Y]         move the pointer (layout, or window-relative)\n"
           "  click [WINDOW] [X Y] [BUTTON] click (left, right, middle or a code) where given,\n"
           "                                else where the pointer is\n"
           "  button BUTTON press|release   one button event where the pointer is\n"
           "  scroll STEPS [horizontal]     wheel clicks, negative up/left\n"
           "  tap [WINDOW] [X Y]            touch down and up\n"
           "  touch-down ID [WINDOW] [X Y]  touch point ID goes down\n"
           "  touch-move ID [WINDOW] [X Y]  ...moves\n"
           "  touch-up ID                   ...lifts\n"
           "  clock [pause|resume|step [N]] frame clock state; pause: no frames, no frame\n"
           "                                callbacks; step: exactly N frames, reply after them\n"
           "  sync                          commit gate: totals and held commits per surface\n"
           "  log [LEVEL | CATEGORY=LEVEL...]\n"
           "                                set log levels now (e.g. log sync=debug); with none,\n"
           "                                the levels as they are\n"
           "  quit [CODE]                   make sluice exit\n"
           "WINDOW is title=TITLE, app-id=APP_ID, id=ID (from windows) or focused.\n";
}

} // namespace sluice::control
