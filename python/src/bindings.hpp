// One binding function per domain, each in python/src/bind_<domain>.cpp, all
// called from module.cpp in dependency order (a domain whose functions take or
// return another domain's types comes after it). Adding a domain: write
// bind_<domain>.cpp, add its declaration here and its call in module.cpp
// (tests/python/test_build.py checks that every bind_*.cpp is called).
#pragma once
#include <pybind11/pybind11.h>

namespace biomech::python {

// Returns the Python exception type biomech._core.FileError (a ValueError).
pybind11::handle file_error_type();

}  // namespace biomech::python

void bind_subject(pybind11::module_& m);     // Subject, Sex
void bind_model(pybind11::module_& m);       // Model (read-only), Data, kinematics, muscle paths, loaders
void bind_recruitment(pybind11::module_& m);  // static optimisation (solve_recruitment[_batch])
void bind_strength(pybind11::module_& m);    // force-length, strength curve, MVIC, weakness table, stretches
void bind_seesaw(pybind11::module_& m);      // seesaw (lever model, single-leg stance, weakness), Q-angle
void bind_hdf5(pybind11::module_& m);        // HDF5 results writer (hdf5_results.hpp)
void bind_sweep(pybind11::module_& m);       // sweep_chunk: parallel sweeps (sweep.hpp)
void bind_exercise(pybind11::module_& m);    // exercises: loader, simulate, summarize (exercise.hpp)
void bind_dynamics(pybind11::module_& m);    // Hill muscle, pelvis forward dynamics (hill_muscle.hpp, pelvis_dynamics.hpp)
void bind_signal(pybind11::module_& m);      // Butterworth filters, filtfilt, OpenSim's coordinate low-pass (signal.hpp)
void bind_analyze(pybind11::module_& m);     // analysis of a recorded trial (analyze.hpp)
