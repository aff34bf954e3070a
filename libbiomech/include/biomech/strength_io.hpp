// Postures files (models/postures.yaml): the static hip and knee postures of
// stretch_table (strength.hpp). Part of biomech::io (strength_io.cpp, yaml-cpp).
#pragma once
#include <string>
#include <vector>

#include "biomech/strength.hpp"

namespace biomech {

// Reads a postures file (schema in docs/emg_estimate.md). Throws FileNotFound /
// FileError(file, line, field, ...).
std::vector<Posture> load_postures(const std::string& path);
// The shipped postures file: postures.yaml beside the default model file.
std::string default_postures_path();

}  // namespace biomech
