// Forward dynamics of the pelvis over the stance femur in single-leg stance:
// pelvic drop under abductor weakness (Trendelenburg), trunk-lean
// compensation, and the hip hitch exercise as a motion. One header per concept:
//
//   pelvis_plant.hpp       the reduced frontal-plane model built from a Model
//                          (masses, axes, muscle tables)
//   passive_joint.hpp      passive hip and lumbar moments (Anderson 1999; the plant's hip tissue: Ober test)
//   pelvis_controller.hpp  feedback / prescribed drive, effort -> excitations,
//                          trunk-lean compensation
//   pelvis_statics.hpp     static equilibrium, compensating lean
//   pelvis_simulation.hpp  options, results, simulate, simulate_hip_hitch
//                          (Odeint integration, neural delay, drop event)
//
// The equations of motion they share are internal (src/pelvis_system.hpp).
#pragma once
#include "biomech/passive_joint.hpp"
#include "biomech/pelvis_controller.hpp"
#include "biomech/pelvis_plant.hpp"
#include "biomech/pelvis_simulation.hpp"
#include "biomech/pelvis_statics.hpp"
