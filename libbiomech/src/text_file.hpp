// Reading the text of an input file (model, exercise, .osim, postures) before
// it is parsed: a regular file (not a directory or a device such as /dev/zero),
// at most kMaxTextFileBytes long, valid UTF-8. Every failure names the file,
// and an invalid byte its line and column (internal to libbiomech).
#pragma once
#include <cstddef>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <string_view>

#include "biomech/errors.hpp"

namespace biomech {

// Offset of the first byte that is not part of valid UTF-8 (overlong forms,
// surrogates and code points above U+10FFFF are invalid), or npos.
inline std::size_t invalid_utf8_offset(std::string_view s) {
  std::size_t i = 0;
  const auto byte = [&](std::size_t k) { return static_cast<unsigned char>(s[k]); };
  while (i < s.size()) {
    const unsigned c = byte(i);
    std::size_t n = 0;
    unsigned lo = 0x80, hi = 0xBF;  // allowed range of the second byte
    if (c < 0x80) {
      ++i;
      continue;
    } else if (c >= 0xC2 && c <= 0xDF) {
      n = 1;
    } else if (c >= 0xE0 && c <= 0xEF) {
      n = 2;
      if (c == 0xE0) lo = 0xA0;  // overlong
      if (c == 0xED) hi = 0x9F;  // surrogates
    } else if (c >= 0xF0 && c <= 0xF4) {
      n = 3;
      if (c == 0xF0) lo = 0x90;  // overlong
      if (c == 0xF4) hi = 0x8F;  // above U+10FFFF
    } else {
      return i;
    }
    if (i + n >= s.size()) return i;  // truncated sequence
    for (std::size_t k = 1; k <= n; ++k) {
      const unsigned b = byte(i + k);
      if (k == 1 ? (b < lo || b > hi) : (b < 0x80 || b > 0xBF)) return i;
    }
    i += n + 1;
  }
  return std::string_view::npos;
}

// Throws FileError(file, line, "<file>", "invalid UTF-8 at line L, column C (byte 0xNN)") when
// `text` is not valid UTF-8.
inline void check_utf8(const std::string& file, std::string_view text) {
  const std::size_t at = invalid_utf8_offset(text);
  if (at == std::string_view::npos) return;
  int line = 1;
  std::size_t line_start = 0;
  for (std::size_t k = 0; k < at; ++k)
    if (text[k] == '\n') ++line, line_start = k + 1;
  char byte[8];
  std::snprintf(byte, sizeof byte, "0x%02x", static_cast<unsigned char>(text[at]));
  throw FileError(file, line, "<file>",
                  "invalid UTF-8 at line " + std::to_string(line) + ", column " + std::to_string(at - line_start + 1) +
                      " (byte " + byte + ")");
}

// The whole text of `path` (`what` names the kind of file in messages: "model file").
// FileNotFound when it does not exist; FileError when it is not a regular file, is
// larger than kMaxTextFileBytes, cannot be read or is not valid UTF-8.
inline std::string read_text_file(const std::string& path, const std::string& what) {
  namespace fs = std::filesystem;
  std::error_code ec;
  const fs::file_status st = fs::status(path, ec);
  if (ec == std::errc::filename_too_long) throw FileError(path.substr(0, 300), 0, "<file>", "file name too long");
  if (!fs::exists(st)) throw FileNotFound(what + " not found: " + path);
  if (!fs::is_regular_file(st)) throw FileError(path, 0, "<file>", "expected a regular " + what + ", got a directory or device");
  const auto size = fs::file_size(path, ec);
  if (ec) throw FileError(path, 0, "<file>", "cannot read it: " + ec.message());
  if (size > kMaxTextFileBytes)
    throw FileError(path, 0, "<file>", "expected a " + what + " of at most " + std::to_string(kMaxTextFileBytes) +
                                           " bytes, got " + std::to_string(size));
  std::ifstream in(path, std::ios::binary);
  if (!in) throw FileError(path, 0, "<file>", "cannot open it");
  std::ostringstream ss;
  ss << in.rdbuf();
  std::string text = ss.str();
  check_utf8(path, text);
  return text;
}

}  // namespace biomech
