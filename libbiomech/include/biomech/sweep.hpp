// Parameter sweeps: evaluate one quantity (a "target") over many parameter
// sets, in parallel C++ threads with one workspace per thread.
//
// A parameter set is one row of a matrix whose columns are named parameters.
// Subject parameters (scale the generic model, scaling.hpp):
//   sex                     0 = male, 1 = female
//   mass_kg, height_m, pelvis_width_m, neck_shaft_angle_deg,
//   gmed_strength_pct       gluteus medius strength, % of the model's (30-100 in studies of weakness)
// Exercise parameters (target "exercise"): band_stiffness_n_per_m (every
//   elastic band of the exercise), cuff_mass_kg (every weight named *cuff*).
// Stance parameters (target "single_leg_stance"): trunk_lean_deg,
//   hand_load_contralateral_kg, hand_load_ipsilateral_kg, cane_force_bw,
//   pelvic_obliquity_deg, belt_load_kg.
// Posture parameters (target "moment_arms"): <coordinate>_deg (or _m for translations).
//
// Targets (outputs and their units from sweep_outputs()):
//   "moment_arms"        hip moment arms (m) of the gluteus medius segments and
//                        TFL of one side about flexion, adduction, rotation;
//   "single_leg_stance"  the seesaw (seesaw.hpp): abductor force, hip contact
//                        force and angle, levers, reserve, feasibility;
//   "exercise"           an exercise's summary (exercise.hpp, summarize()):
//                        gluteus medius %MVIC per segment, TFL, contact force...
//                        one block of outputs per analysed leg, prefixed with
//                        the leg's role when the exercise analyses several.
// New targets register themselves with register_sweep_target().
#pragma once
#include <Eigen/Core>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "biomech/data.hpp"
#include "biomech/model.hpp"
#include "biomech/subject.hpp"

namespace biomech {

using RowMatrixXd = Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;

struct Exercise;

// What to evaluate and with which fixed inputs.
struct SweepSpec {
  std::string target = "single_leg_stance";
  std::vector<std::string> parameters;     // column names of the parameter matrix
  // The subject the swept subject parameters modify; empty = the model's own
  // subject (model.subject). With a base subject every row scales the model;
  // without one, and with no subject parameter swept or fixed in `options`, the
  // model is used as given (no scaling).
  std::optional<Subject> base_subject;
  char side = 'r';                         // stance side / side of the moment arms
  std::map<std::string, double> options;   // target options by name (SI/deg as the name says), e.g. stance
                                           // "swing_hip_flexion_deg"; unknown names are errors
  std::shared_ptr<const Exercise> exercise;  // target "exercise"
};

// One output column.
struct SweepOutput {
  std::string name;
  std::string units;
};

// A parameter the sweep knows: its units and its physically sensible range.
struct SweepParameterInfo {
  std::string name;
  std::string units;
  double min, max;
  std::string help;
};

// Every known parameter (posture parameters are per model: <coordinate>_deg).
const std::vector<SweepParameterInfo>& sweep_parameter_info();
// Registered target names.
std::vector<std::string> sweep_targets();

// A prepared target: checked against the generic model once, then evaluated per
// row. evaluate() is const and thread-safe given one Workspace per thread.
class SweepTarget {
 public:
  // Per-thread scratch of evaluate(): one Data, remade only when a model of another
  // shape comes (a Data depends on the model's sizes, not on its scaled geometry).
  struct Workspace {
    virtual ~Workspace() = default;
    Data& data_for(const Model& model);

   private:
    std::unique_ptr<Data> data_;
  };
  virtual ~SweepTarget() = default;
  virtual std::vector<SweepOutput> outputs() const = 0;
  virtual std::unique_ptr<Workspace> make_workspace() const { return std::make_unique<Workspace>(); }
  // `model` is the generic model scaled to this row's subject; `params` the row.
  virtual void evaluate(const Model& model, const double* params, double* out, Workspace& ws) const = 0;
};
using SweepTargetFactory = std::function<std::unique_ptr<SweepTarget>(const Model& generic, const SweepSpec&)>;
// Adds a target (replaces one of the same name). Returns true (for static registration).
bool register_sweep_target(const std::string& name, SweepTargetFactory factory);

// The outputs (names and units) `spec` produces. Throws InvalidArgument for an
// unknown target or parameter, or a parameter the target cannot use.
std::vector<SweepOutput> sweep_outputs(const Model& generic, const SweepSpec& spec);

// Evaluates every row of `params` (n x spec.parameters.size()) into `out`
// (n x outputs), with `n_threads` std::threads (0 = hardware concurrency), one
// scaled Model and workspace per thread at a time (rows are handed out one by
// one). Results do not depend on n_threads.
// Throws InvalidArgument for bad sizes, an unknown parameter or a value out of
// its range, naming the row and the parameter; the first error of any thread is rethrown.
void sweep_chunk(const Model& generic, const SweepSpec& spec, const Eigen::Ref<const RowMatrixXd>& params,
                 Eigen::Ref<RowMatrixXd> out, int n_threads = 1);

// Subject of one row: the base subject with the row's (and the options') subject parameters applied.
Subject sweep_subject(const Model& generic, const SweepSpec& spec, const double* params);

}  // namespace biomech
