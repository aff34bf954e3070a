// Parameter sweeps (see sweep.hpp): the thread pool over a chunk, parameter
// handling and the moment-arm and single-leg-stance targets.
#include "biomech/sweep.hpp"

#include <algorithm>
#include <atomic>
#include <cmath>
#include <exception>
#include <mutex>
#include <set>
#include <thread>

#include "biomech/data.hpp"
#include "biomech/errors.hpp"
#include "biomech/exercise.hpp"
#include "biomech/muscle_path.hpp"
#include "biomech/scaling.hpp"
#include "biomech/seesaw.hpp"
#include "internal.hpp"

namespace biomech {

using internal::fmt;

Data& SweepTarget::Workspace::data_for(const Model& model) {
  if (!data_ || !fits(model, *data_)) data_ = std::make_unique<Data>(model);
  return *data_;
}

namespace {

using internal::kDeg;

// Sweep parameters of the subject: the numeric fields of Subject (Subject::fields()),
// its sex (0 = male, 1 = female) and gluteus medius strength in % of the model's.
constexpr const char* kGmedStrength = "gmed_strength_pct";

bool is_subject_parameter(const std::string& name) {
  if (name == "sex" || name == kGmedStrength) return true;
  for (const FieldInfo& f : numeric_fields<Subject>())
    if (f.name == name) return true;
  return false;
}

// Exercise parameters that change every load of a kind.
constexpr const char* kBandStiffness = "band_stiffness_n_per_m";
constexpr const char* kCuffMass = "cuff_mass_kg";

// Units of a sweep column: the field's unit, "1" for flags and dimensionless numbers.
std::string column_unit(const FieldInfo& f) { return f.unit.name.empty() ? "1" : std::string(f.unit.name); }

SweepParameterInfo parameter_info(const FieldInfo& f) {
  return {std::string(f.name), column_unit(f), f.min, f.max, std::string(f.doc)};
}

std::map<std::string, SweepTargetFactory>& registry() {
  static std::map<std::string, SweepTargetFactory> r;
  return r;
}

const SweepParameterInfo* find_info(const std::string& name) {
  for (const auto& p : sweep_parameter_info())
    if (p.name == name) return &p;
  return nullptr;
}

// Posture parameter "<coordinate>_deg" / "<coordinate>_m": posture index, or -1.
int posture_parameter(const Model& m, const std::string& name, double* to_si = nullptr) {
  for (const char* suffix : {"_deg", "_m"}) {
    const std::string s(suffix);
    if (name.size() > s.size() && name.compare(name.size() - s.size(), s.size(), s) == 0) {
      const int c = m.coordinate_index(name.substr(0, name.size() - s.size()));
      if (c < 0 || m.posture_index[c] < 0) return -1;
      const bool rot = m.coordinates[c].rotational;
      if (rot != (s == "_deg")) return -1;
      if (to_si) *to_si = rot ? kDeg : 1.0;
      return m.posture_index[c];
    }
  }
  return -1;
}

// The value of parameter `name` for a row: the swept column, else the fixed option, else `fallback`.
struct RowValues {
  const SweepSpec& spec;
  const double* row;
  double get(const std::string& name, double fallback) const {
    for (size_t i = 0; i < spec.parameters.size(); ++i)
      if (spec.parameters[i] == name) return row[i];
    auto it = spec.options.find(name);
    return it != spec.options.end() ? it->second : fallback;
  }
  bool has(const std::string& name) const {
    return std::find(spec.parameters.begin(), spec.parameters.end(), name) != spec.parameters.end() ||
           spec.options.count(name);
  }
};

// ---- target: moment arms of gluteus medius segments and TFL

class MomentArmTarget : public SweepTarget {
 public:
  MomentArmTarget(const Model& generic, const SweepSpec& spec) : spec_(spec) {
    const std::string s(1, spec.side);
    for (const char* c : {"hip_flexion_", "hip_adduction_", "hip_rotation_"}) {
      const int q = generic.posture_coordinate(c + s);
      if (q < 0) throw InvalidArgument("sweep target moment_arms: expected the model to have coordinate " + std::string(c) + s);
      dofs_.push_back(q);
      dof_names_.push_back(c + s);
    }
    for (int i = 0; i < generic.n_muscles(); ++i) {
      const Muscle& mu = generic.muscles[i];
      if (mu.side == spec.side && (mu.group == "gluteus_medius" || mu.group == "tfl")) muscles_.push_back(i);
    }
    if (muscles_.empty())
      throw InvalidArgument("sweep target moment_arms: expected gluteus_medius or tfl muscles on side " + s + ", got none");
    for (int i : muscles_)
      if (generic.muscles[i].group == "gluteus_medius") ++n_gmed_;
    for (const auto& name : spec.parameters) check_parameter(generic, name);
    for (const auto& [name, v] : spec.options) check_parameter(generic, name);
    for (const auto& m : muscles_) names_.push_back(generic.muscles[m].name);
  }

  std::vector<SweepOutput> outputs() const override {
    std::vector<SweepOutput> o;
    for (const auto& m : names_)
      for (const auto& d : dof_names_) o.push_back({"moment_arm_" + m + "_" + d, "m"});
    o.push_back({"gmed_abduction_moment_arm_m", "m"});
    return o;
  }

  struct Ws : Workspace {
    Eigen::VectorXd q;
  };
  std::unique_ptr<Workspace> make_workspace() const override { return std::make_unique<Ws>(); }

  void evaluate(const Model& model, const double* params, double* out, Workspace& base) const override {
    auto& w = static_cast<Ws&>(base);
    Data& data = w.data_for(model);
    w.q = model.default_posture();
    const RowValues rv{spec_, params};
    for (const auto& name : all_names()) {
      double k = 1.0;
      const int qi = posture_parameter(model, name, &k);
      if (qi >= 0) w.q[qi] = rv.get(name, 0.0) * k;
    }
    compute_muscle_paths(model, data, w.q);
    int k = 0;
    double gmed_abd = 0.0;
    for (int m : muscles_) {
      for (int d : dofs_) out[k++] = data.moment_arm(m, d);
      if (model.muscles[m].group == "gluteus_medius") gmed_abd += -data.moment_arm(m, dofs_[1]);
    }
    out[k] = n_gmed_ == 0 ? std::nan("") : gmed_abd / n_gmed_;
  }

 private:
  std::vector<std::string> all_names() const {
    std::vector<std::string> n = spec_.parameters;
    for (const auto& [k, v] : spec_.options) n.push_back(k);
    return n;
  }
  static void check_parameter(const Model& generic, const std::string& name) {
    if (is_subject_parameter(name) || posture_parameter(generic, name) >= 0) return;
    throw InvalidArgument("sweep target moment_arms: expected a subject parameter or <coordinate>_deg, got '" + name + "'");
  }
  SweepSpec spec_;
  std::vector<int> dofs_, muscles_;
  int n_gmed_ = 0;
  std::vector<std::string> dof_names_, names_;
};

// ---- target: single-leg stance (the seesaw)

class StanceTarget : public SweepTarget {
 public:
  StanceTarget(const Model& generic, const SweepSpec& spec) : spec_(spec) {
    auto check = [&](const std::string& name) {
      if (is_subject_parameter(name)) return;
      if (has_numeric_field<StanceOptions>(name)) return;
      throw InvalidArgument("sweep target single_leg_stance: expected a subject or stance parameter, got '" + name + "'");
    };
    for (const auto& n : spec.parameters) check(n);
    for (const auto& [n, v] : spec.options) check(n);
    if (spec.side != 'r' && spec.side != 'l')
      throw InvalidArgument(std::string("sweep: expected side 'r' or 'l', got '") + spec.side + "'");
    (void)generic;
  }
  std::vector<SweepOutput> outputs() const override {
    std::vector<SweepOutput> o;
    for (const FieldInfo& f : numeric_fields<StanceResult>()) o.push_back({std::string(f.name), column_unit(f)});
    return o;
  }
  void evaluate(const Model& model, const double* params, double* out, Workspace& ws) const override {
    Data& data = ws.data_for(model);
    const RowValues rv{spec_, params};
    StanceOptions o;
    o.stance_side = spec_.side;
    for (const FieldInfo& f : numeric_fields<StanceOptions>())
      if (rv.has(std::string(f.name))) set_field(o, f.name, rv.get(std::string(f.name), 0.0), "sweep");
    const StanceResult r = single_leg_stance(model, data, o);
    int k = 0;
    for (const FieldInfo& f : numeric_fields<StanceResult>()) out[k++] = get_field(r, f.name);
  }

 private:
  SweepSpec spec_;
};

// ---- target: an exercise's summary (exercise.hpp)

class ExerciseTarget : public SweepTarget {
 public:
  ExerciseTarget(const Model& generic, const SweepSpec& spec) : spec_(spec) {
    if (!spec.exercise) throw InvalidArgument("sweep target exercise: expected an exercise, got none");
    const Exercise& ex = *spec.exercise;
    for (const auto& l : ex.loads) {
      if (l.kind == LoadSpec::Kind::band) ++n_bands_;
      if (l.kind == LoadSpec::Kind::weight && l.name.find("cuff") != std::string::npos) ++n_cuffs_;
    }
    auto check = [&](const std::string& name) {
      if (is_subject_parameter(name)) return;
      if (has_numeric_field<SimulateOptions>(name)) return;
      if (name == kBandStiffness) {
        if (n_bands_ == 0) throw InvalidArgument("sweep: exercise " + ex.id + " has no elastic band for band_stiffness_n_per_m");
        return;
      }
      if (name == kCuffMass) {
        if (n_cuffs_ == 0) throw InvalidArgument("sweep: exercise " + ex.id + " has no cuff weight for cuff_mass_kg");
        return;
      }
      throw InvalidArgument("sweep target exercise: expected a subject or simulation parameter, " +
                            std::string(kBandStiffness) + " or " + kCuffMass + ", got '" + name + "'");
    };
    for (const auto& n : spec.parameters) check(n);
    for (const auto& [n, v] : spec.options) check(n);
    if (ex.legs.empty()) throw InvalidArgument("sweep: exercise " + ex.id + " analyses no leg");
    check_exercise(generic, ex);
    std::map<std::string, int> roles;
    for (const auto& l : ex.legs) ++roles[l.role];
    for (const auto& l : ex.legs) {
      std::string prefix;
      if (ex.legs.size() > 1) prefix = (roles[l.role] > 1 ? l.role + "_" + std::string(1, l.side) : l.role) + "_";
      prefixes_.push_back(prefix);
    }
  }
  std::vector<SweepOutput> outputs() const override {
    std::vector<SweepOutput> o;
    for (const auto& p : prefixes_)
      for (const FieldInfo& f : numeric_fields<ExerciseSummary>())
        o.push_back({p + std::string(f.name), column_unit(f)});
    return o;
  }
  void evaluate(const Model& model, const double* params, double* out, Workspace& ws) const override {
    Data& data = ws.data_for(model);
    const RowValues rv{spec_, params};
    Exercise ex = *spec_.exercise;
    const bool band = rv.has(kBandStiffness), cuff = rv.has(kCuffMass);
    for (auto& l : ex.loads) {
      if (band && l.kind == LoadSpec::Kind::band) l.stiffness_n_per_m = rv.get(kBandStiffness, 0.0);
      if (cuff && l.kind == LoadSpec::Kind::weight && l.name.find("cuff") != std::string::npos)
        l.mass_kg = rv.get(kCuffMass, 0.0);
    }
    SimulateOptions so;
    for (const FieldInfo& f : numeric_fields<SimulateOptions>())
      if (rv.has(std::string(f.name))) set_field(so, f.name, rv.get(std::string(f.name), 0.0), "sweep");
    const SimulationResult r = simulate(model, data, ex, so);
    const auto sums = summarize(ex, r);
    if (sums.size() != prefixes_.size())
      throw InvalidArgument("sweep: expected " + std::to_string(prefixes_.size()) + " leg summaries, got " +
                            std::to_string(sums.size()));
    int k = 0;
    for (const auto& s : sums)
      for (const FieldInfo& f : numeric_fields<ExerciseSummary>()) out[k++] = get_field(s, f.name);
  }

 private:
  SweepSpec spec_;
  int n_bands_ = 0, n_cuffs_ = 0;
  std::vector<std::string> prefixes_;
};

const bool registered_builtin = [] {
  register_sweep_target("exercise", [](const Model& g, const SweepSpec& s) {
    return std::unique_ptr<SweepTarget>(new ExerciseTarget(g, s));
  });
  register_sweep_target("moment_arms", [](const Model& g, const SweepSpec& s) {
    return std::unique_ptr<SweepTarget>(new MomentArmTarget(g, s));
  });
  register_sweep_target("single_leg_stance", [](const Model& g, const SweepSpec& s) {
    return std::unique_ptr<SweepTarget>(new StanceTarget(g, s));
  });
  return true;
}();

std::unique_ptr<SweepTarget> make_target(const Model& generic, const SweepSpec& spec) {
  (void)registered_builtin;
  auto it = registry().find(spec.target);
  if (it == registry().end()) {
    std::string known;
    for (const auto& [k, f] : registry()) known += (known.empty() ? "" : ", ") + k;
    throw InvalidArgument("sweep: expected a target among " + known + ", got '" + spec.target + "'");
  }
  std::set<std::string> seen;
  for (const auto& p : spec.parameters) {
    if (!seen.insert(p).second) throw InvalidArgument("sweep: parameter '" + p + "' given twice");
    if (spec.options.count(p)) throw InvalidArgument("sweep: parameter '" + p + "' is both swept and fixed");
  }
  return it->second(generic, spec);
}

// Range check of one value; posture parameters against the model's coordinate range.
void check_value(const Model& generic, const std::string& name, double v, Eigen::Index row) {
  const std::string where = " (row " + std::to_string(row) + ", parameter '" + name + "')";
  if (!std::isfinite(v)) throw InvalidArgument("sweep: expected a finite value, got " + fmt(v) + where);
  if (const SweepParameterInfo* p = find_info(name)) {
    if (v < p->min || v > p->max)
      throw InvalidArgument("sweep: expected " + name + " in [" + fmt(p->min) + ", " + fmt(p->max) + "] " + p->units +
                            ", got " + fmt(v) + where);
    if (name == "sex" && v != 0.0 && v != 1.0)
      throw InvalidArgument("sweep: expected sex 0 (male) or 1 (female), got " + fmt(v) + where);
    return;
  }
  double k = 1.0;
  const int q = posture_parameter(generic, name, &k);
  if (q >= 0) {
    const Coordinate& c = generic.coordinates[generic.independent[q]];
    if (v * k < c.range_min - 1e-12 || v * k > c.range_max + 1e-12)
      throw InvalidArgument("sweep: expected " + name + " in [" + fmt(c.range_min / k) + ", " + fmt(c.range_max / k) +
                            "], got " + fmt(v) + where);
  }
}

}  // namespace

const std::vector<SweepParameterInfo>& sweep_parameter_info() {
  static const std::vector<SweepParameterInfo> info = [] {
    std::vector<SweepParameterInfo> out{
        {"sex", "1", 0, 1, "0 = male, 1 = female (sex-specific defaults and segment parameters)"}};
    for (const FieldInfo& f : numeric_fields<Subject>()) out.push_back(parameter_info(f));
    out.push_back({kGmedStrength, "%", 0, 200, "gluteus medius strength, % of the model's"});
    out.push_back({kBandStiffness, "N/m", 0, 5000, "stiffness of every elastic band of the exercise"});
    out.push_back({kCuffMass, "kg", 0, 30, "mass of every cuff weight of the exercise"});
    for (const FieldInfo& f : numeric_fields<SimulateOptions>()) out.push_back(parameter_info(f));
    for (const FieldInfo& f : numeric_fields<StanceOptions>())
      if (std::none_of(out.begin(), out.end(), [&](const SweepParameterInfo& p) { return p.name == f.name; }))
        out.push_back(parameter_info(f));
    return out;
  }();
  return info;
}

bool register_sweep_target(const std::string& name, SweepTargetFactory factory) {
  registry()[name] = std::move(factory);
  return true;
}

std::vector<std::string> sweep_targets() {
  (void)registered_builtin;
  std::vector<std::string> out;
  for (const auto& [k, f] : registry()) out.push_back(k);
  return out;
}

std::vector<SweepOutput> sweep_outputs(const Model& generic, const SweepSpec& spec) {
  return make_target(generic, spec)->outputs();
}

Subject sweep_subject(const Model& generic, const SweepSpec& spec, const double* params) {
  const RowValues rv{spec, params};
  Subject s = spec.base_subject.value_or(generic.subject);
  if (rv.has("sex")) s.sex = rv.get("sex", 0.0) >= 0.5 ? Sex::female : Sex::male;
  for (const FieldInfo& f : numeric_fields<Subject>())
    if (rv.has(std::string(f.name))) set_field(s, f.name, rv.get(std::string(f.name), 0.0), "sweep");
  if (rv.has(kGmedStrength)) {
    const double f = rv.get(kGmedStrength, 100.0) / 100.0;
    // combine with any scale the base subject already has
    auto it = s.strength_scale.find("gluteus_medius");
    s.strength_scale["gluteus_medius"] = (it == s.strength_scale.end() ? 1.0 : it->second) * f;
  }
  return s;
}

void sweep_chunk(const Model& generic, const SweepSpec& spec, const Eigen::Ref<const RowMatrixXd>& params,
                 Eigen::Ref<RowMatrixXd> out, int n_threads) {
  const auto target = make_target(generic, spec);
  const auto outputs = target->outputs();
  const Eigen::Index n = params.rows();
  const auto p = static_cast<Eigen::Index>(spec.parameters.size());
  if (params.cols() != p)
    throw InvalidArgument("sweep_chunk: expected " + std::to_string(p) + " parameter columns, got " +
                          std::to_string(params.cols()));
  if (out.rows() != n || out.cols() != static_cast<Eigen::Index>(outputs.size()))
    throw InvalidArgument("sweep_chunk: expected an output block of " + std::to_string(n) + " x " +
                          std::to_string(outputs.size()) + ", got " + std::to_string(out.rows()) + " x " +
                          std::to_string(out.cols()));
  if (n_threads < 0) throw InvalidArgument("sweep_chunk: expected n_threads >= 0, got " + std::to_string(n_threads));
  // check every value before any work
  for (Eigen::Index r = 0; r < n; ++r)
    for (Eigen::Index c = 0; c < p; ++c) check_value(generic, spec.parameters[c], params(r, c), r);
  for (const auto& [k, v] : spec.options) check_value(generic, k, v, -1);

  bool subject_swept = false, subject_fixed = false;
  for (const auto& name : spec.parameters) subject_swept |= is_subject_parameter(name);
  for (const auto& [name, v] : spec.options) subject_fixed |= is_subject_parameter(name);
  // no subject parameter swept: one model for every row (scaled once when some are fixed)
  std::unique_ptr<Model> fixed;
  const Model* shared = nullptr;
  if (!subject_swept) {
    if (subject_fixed || spec.base_subject) {
      const Eigen::VectorXd none = Eigen::VectorXd::Constant(std::max<Eigen::Index>(p, 1), std::nan(""));
      fixed = std::make_unique<Model>(scale_model(generic, sweep_subject(generic, spec, none.data())));
      shared = fixed.get();
    } else {
      shared = &generic;
    }
  }

  // subjects swept: every row scales the generic model, into one Model per thread
  std::unique_ptr<ModelScaler> scaler;
  if (!shared) scaler = std::make_unique<ModelScaler>(generic);

  int threads = n_threads == 0 ? static_cast<int>(std::max(1u, std::thread::hardware_concurrency())) : n_threads;
  threads = static_cast<int>(std::min<Eigen::Index>(threads, std::max<Eigen::Index>(n, 1)));
  std::atomic<Eigen::Index> next{0};
  std::atomic<bool> stop{false};
  std::exception_ptr error;
  std::mutex error_mutex;
  auto work = [&] {
    auto ws = target->make_workspace();
    Eigen::VectorXd row(p);
    Model scaled;
    std::unique_ptr<Data> scale_data;
    while (!stop.load()) {
      const Eigen::Index r = next.fetch_add(1);
      if (r >= n) break;
      try {
        row = params.row(r).transpose();
        if (shared) {
          target->evaluate(*shared, row.data(), &out(r, 0), *ws);
        } else {
          if (!scale_data) scale_data = std::make_unique<Data>(generic);
          scaler->scale(sweep_subject(generic, spec, row.data()), scaled, *scale_data);
          target->evaluate(scaled, row.data(), &out(r, 0), *ws);
        }
      } catch (const std::exception& e) {
        std::lock_guard lock(error_mutex);
        if (!error) {
          std::string ctx = "sweep: row " + std::to_string(r) + " (";
          for (Eigen::Index c = 0; c < p; ++c)
            ctx += (c ? ", " : "") + spec.parameters[c] + "=" + fmt(params(r, c));
          error = std::make_exception_ptr(InvalidArgument(ctx + "): " + e.what()));
        }
        stop = true;
      }
    }
  };
  if (threads <= 1) {
    work();
  } else {
    std::vector<std::thread> pool;
    for (int t = 0; t < threads; ++t) pool.emplace_back(work);
    for (auto& th : pool) th.join();
  }
  if (error) std::rethrow_exception(error);
}

}  // namespace biomech
