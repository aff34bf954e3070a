// Built against the installed tree by the `cmake_consumer` ctest.
#include <cstdio>
#include <cstring>

#include "biomech/errors.hpp"
#include "biomech/model.hpp"
#include "biomech/version.hpp"

int main() {
  // The version compiled into the library matches the installed header.
  if (std::strcmp(biomech::version_string(), BIOMECH_VERSION_STRING) != 0) {
    std::fprintf(stderr, "version mismatch: %s vs %s\n", biomech::version_string(), BIOMECH_VERSION_STRING);
    return 1;
  }
  try {
    throw biomech::InvalidArgument("expected x, got y");
  } catch (const std::invalid_argument& e) {
    std::printf("biomech %s: %s\n", biomech::version_string(), e.what());
  }
  return 0;
}
