// Test helper: a small, strict JSON parser (RFC 8259 grammar) for checking
// the JSON lines the logging code writes. ParseJsonObject accepts exactly one
// object with nothing after it (but white space) and returns its top-level
// members: strings decoded (escapes and \u surrogate pairs to UTF-8),
// numbers and literals as their source text. Nested values are validated
// and kept as their source text. Rejects invalid UTF-8 and raw control
// characters inside strings, as JSON requires.

#ifndef TRACEPROP_TESTS_TESTING_JSON_CHECKER_H_
#define TRACEPROP_TESTS_TESTING_JSON_CHECKER_H_

#include <cstdint>
#include <map>
#include <optional>
#include <string>

#include "absl/strings/string_view.h"

namespace traceprop {
namespace testing_json {

class Parser {
 public:
  explicit Parser(absl::string_view in) : s_(in) {}

  std::optional<std::map<std::string, std::string>> TopObject() {
    std::map<std::string, std::string> out;
    Ws();
    if (!Eat('{')) return std::nullopt;
    Ws();
    if (!Eat('}')) {
      while (true) {
        Ws();
        std::string key;
        if (!String(&key)) return std::nullopt;
        Ws();
        if (!Eat(':')) return std::nullopt;
        Ws();
        std::string value;
        if (Peek() == '"') {
          if (!String(&value)) return std::nullopt;
        } else {
          const size_t start = i_;
          if (!Value()) return std::nullopt;
          value = std::string(s_.substr(start, i_ - start));
        }
        if (out.count(key) != 0) return std::nullopt;  // duplicate key
        out[key] = value;
        Ws();
        if (Eat(',')) continue;
        if (Eat('}')) break;
        return std::nullopt;
      }
    }
    Ws();
    if (i_ != s_.size()) return std::nullopt;
    return out;
  }

 private:
  char Peek() const { return i_ < s_.size() ? s_[i_] : '\0'; }
  bool Eat(char c) {
    if (Peek() != c || i_ >= s_.size()) return false;
    ++i_;
    return true;
  }
  void Ws() {
    while (i_ < s_.size() && (s_[i_] == ' ' || s_[i_] == '\t' ||
                              s_[i_] == '\n' || s_[i_] == '\r')) {
      ++i_;
    }
  }
  bool Literal(absl::string_view word) {
    if (s_.substr(i_, word.size()) != word) return false;
    i_ += word.size();
    return true;
  }
  bool Value() {
    const char c = Peek();
    if (c == '"') {
      std::string ignored;
      return String(&ignored);
    }
    if (c == '{') {
      ++i_;
      Ws();
      if (Eat('}')) return true;
      while (true) {
        Ws();
        std::string key;
        if (!String(&key)) return false;
        Ws();
        if (!Eat(':')) return false;
        Ws();
        if (!Value()) return false;
        Ws();
        if (Eat(',')) continue;
        return Eat('}');
      }
    }
    if (c == '[') {
      ++i_;
      Ws();
      if (Eat(']')) return true;
      while (true) {
        Ws();
        if (!Value()) return false;
        Ws();
        if (Eat(',')) continue;
        return Eat(']');
      }
    }
    if (c == 't') return Literal("true");
    if (c == 'f') return Literal("false");
    if (c == 'n') return Literal("null");
    return Number();
  }
  static bool Digit(char c) { return c >= '0' && c <= '9'; }
  bool Number() {
    Eat('-');
    if (Eat('0')) {
    } else if (Digit(Peek()) && Peek() != '0') {
      while (Digit(Peek())) ++i_;
    } else {
      return false;
    }
    if (Eat('.')) {
      if (!Digit(Peek())) return false;
      while (Digit(Peek())) ++i_;
    }
    if (Peek() == 'e' || Peek() == 'E') {
      ++i_;
      if (Peek() == '+' || Peek() == '-') ++i_;
      if (!Digit(Peek())) return false;
      while (Digit(Peek())) ++i_;
    }
    return true;
  }
  bool Hex4(uint32_t* v) {
    if (s_.size() - i_ < 4) return false;
    *v = 0;
    for (int k = 0; k < 4; ++k) {
      const char c = s_[i_++];
      *v <<= 4;
      if (c >= '0' && c <= '9') {
        *v |= c - '0';
      } else if (c >= 'a' && c <= 'f') {
        *v |= c - 'a' + 10;
      } else if (c >= 'A' && c <= 'F') {
        *v |= c - 'A' + 10;
      } else {
        return false;
      }
    }
    return true;
  }
  static void PutUtf8(uint32_t cp, std::string* out) {
    if (cp < 0x80) {
      *out += static_cast<char>(cp);
    } else if (cp < 0x800) {
      *out += static_cast<char>(0xc0 | (cp >> 6));
      *out += static_cast<char>(0x80 | (cp & 0x3f));
    } else if (cp < 0x10000) {
      *out += static_cast<char>(0xe0 | (cp >> 12));
      *out += static_cast<char>(0x80 | ((cp >> 6) & 0x3f));
      *out += static_cast<char>(0x80 | (cp & 0x3f));
    } else {
      *out += static_cast<char>(0xf0 | (cp >> 18));
      *out += static_cast<char>(0x80 | ((cp >> 12) & 0x3f));
      *out += static_cast<char>(0x80 | ((cp >> 6) & 0x3f));
      *out += static_cast<char>(0x80 | (cp & 0x3f));
    }
  }
  // Validates one UTF-8 sequence starting at i_ and copies it. Decodes the
  // code point from the bit patterns of RFC 3629 §3 and then checks it
  // (shortest form, not a surrogate, at most U+10FFFF) — on purpose not the
  // implementation's table of allowed second bytes, so that a mistake in
  // one is not repeated in the other.
  bool Utf8(std::string* out) {
    const auto c = static_cast<unsigned char>(s_[i_]);
    size_t len;
    uint32_t cp;
    if ((c & 0xe0) == 0xc0) {
      len = 2;
      cp = c & 0x1f;
    } else if ((c & 0xf0) == 0xe0) {
      len = 3;
      cp = c & 0x0f;
    } else if ((c & 0xf8) == 0xf0) {
      len = 4;
      cp = c & 0x07;
    } else {
      return false;  // a continuation byte, or 0xf8-0xff
    }
    if (s_.size() - i_ < len) return false;
    for (size_t k = 1; k < len; ++k) {
      const auto b = static_cast<unsigned char>(s_[i_ + k]);
      if ((b & 0xc0) != 0x80) return false;
      cp = (cp << 6) | (b & 0x3f);
    }
    constexpr uint32_t kShortest[] = {0, 0, 0x80, 0x800, 0x10000};
    if (cp < kShortest[len]) return false;  // overlong
    if (cp >= 0xd800 && cp <= 0xdfff) return false;
    if (cp > 0x10ffff) return false;
    out->append(s_.data() + i_, len);
    i_ += len;
    return true;
  }
  bool String(std::string* out) {
    if (!Eat('"')) return false;
    while (true) {
      if (i_ >= s_.size()) return false;
      const auto c = static_cast<unsigned char>(s_[i_]);
      if (c == '"') {
        ++i_;
        return true;
      }
      if (c < 0x20) return false;
      if (c >= 0x80) {
        if (!Utf8(out)) return false;
        continue;
      }
      ++i_;
      if (c != '\\') {
        *out += static_cast<char>(c);
        continue;
      }
      if (i_ >= s_.size()) return false;
      const char e = s_[i_++];
      switch (e) {
        case '"':
          *out += '"';
          break;
        case '\\':
          *out += '\\';
          break;
        case '/':
          *out += '/';
          break;
        case 'b':
          *out += '\b';
          break;
        case 'f':
          *out += '\f';
          break;
        case 'n':
          *out += '\n';
          break;
        case 'r':
          *out += '\r';
          break;
        case 't':
          *out += '\t';
          break;
        case 'u': {
          uint32_t cp;
          if (!Hex4(&cp)) return false;
          if (cp >= 0xd800 && cp <= 0xdbff) {
            uint32_t lo;
            if (!Literal("\\u") || !Hex4(&lo) || lo < 0xdc00 || lo > 0xdfff) {
              return false;
            }
            cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
          } else if (cp >= 0xdc00 && cp <= 0xdfff) {
            return false;
          }
          PutUtf8(cp, out);
          break;
        }
        default:
          return false;
      }
    }
  }

  absl::string_view s_;
  size_t i_ = 0;
};

// ParseJsonObject: see the file comment.
inline std::optional<std::map<std::string, std::string>> ParseJsonObject(
    absl::string_view line) {
  return Parser(line).TopObject();
}

}  // namespace testing_json
}  // namespace traceprop

#endif  // TRACEPROP_TESTS_TESTING_JSON_CHECKER_H_
