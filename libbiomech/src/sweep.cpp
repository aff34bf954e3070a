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

// Where a parameter's value comes from: its swept column, else its fixed option.
// Found once per sweep, so that a row costs an index instead of a search by name.
struct ParameterSource {
  int column = -1;
  double fixed = 0.0;
  bool given = false;  // swept or fixed
  ParameterSource(const SweepSpec& spec, std::string_view name) {
    const auto it = std::find(spec.parameters.begin(), spec.parameters.end(), name);
    if (it != spec.parameters.end()) {
      column = static_cast<int>(it - spec.parameters.begin());
      given = true;
    } else if (const auto o = spec.options.find(std::string(name)); o != spec.options.end()) {
      fixed = o->second;
      given = true;
    }
  }
  double operator()(const double* row) const { return column >= 0 ? row[column] : fixed; }
};

// The numeric fields of S that a sweep gives (swept or fixed), each with its source.
template <class S>
class BoundFields {
 public:
  explicit BoundFields(const SweepSpec& spec) {
    for (const FieldInfo& f : numeric_fields<S>())
      if (const ParameterSource src(spec, f.name); src.given) fields_.emplace_back(f.name, src);
  }
  void apply(S& s, const double* row) const {
    for (const auto& [name, src] : fields_) set_field(s, name, src(row), "sweep");
  }

 private:
  std::vector<std::pair<std::string_view, ParameterSource>> fields_;
};

// ---- target: moment arms of gluteus medius segments and TFL

class MomentArmTarget : public SweepTarget {
 public:
  MomentArmTarget(const Model& generic, const SweepSpec& spec) {
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
    for (const auto& m : muscles_) names_.push_back(generic.muscles[m].name);
    // every parameter checked; the posture ones bound (a scaled model has the generic one's coordinates)
    std::vector<std::string> names = spec.parameters;
    for (const auto& [name, v] : spec.options) names.push_back(name);
    for (const auto& name : names) {
      check_parameter(generic, name);
      double k = 1.0;
      const int qi = posture_parameter(generic, name, &k);
      if (qi >= 0) postures_.push_back({qi, k, ParameterSource(spec, name)});
    }
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
    for (const PostureParameter& p : postures_) w.q[p.index] = p.source(params) * p.to_si;
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
  static void check_parameter(const Model& generic, const std::string& name) {
    if (is_subject_parameter(name) || posture_parameter(generic, name) >= 0) return;
    throw InvalidArgument("sweep target moment_arms: expected a subject parameter or <coordinate>_deg, got '" + name + "'");
  }
  struct PostureParameter {
    int index;     // in the posture vector
    double to_si;  // deg -> rad, or 1
    ParameterSource source;
  };
  std::vector<int> dofs_, muscles_;
  int n_gmed_ = 0;
  std::vector<std::string> dof_names_, names_;
  std::vector<PostureParameter> postures_;
};

// ---- target: single-leg stance (the seesaw)

class StanceTarget : public SweepTarget {
 public:
  StanceTarget(const Model& generic, const SweepSpec& spec) : side_(spec.side), options_(spec) {
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
    StanceOptions o;
    o.stance_side = side_;
    options_.apply(o, params);
    numeric_values(single_leg_stance(model, data, o), out);
  }

 private:
  char side_;
  BoundFields<StanceOptions> options_;
};

// ---- target: an exercise's summary (exercise.hpp)

class ExerciseTarget : public SweepTarget {
 public:
  ExerciseTarget(const Model& generic, const SweepSpec& spec)
      : spec_(spec), band_stiffness_(spec, kBandStiffness), cuff_mass_(spec, kCuffMass), options_(spec) {
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
    Exercise ex = *spec_.exercise;
    for (auto& l : ex.loads) {
      if (band_stiffness_.given && l.kind == LoadSpec::Kind::band) l.stiffness_n_per_m = band_stiffness_(params);
      if (cuff_mass_.given && l.kind == LoadSpec::Kind::weight && l.name.find("cuff") != std::string::npos)
        l.mass_kg = cuff_mass_(params);
    }
    SimulateOptions so;
    options_.apply(so, params);
    const SimulationResult r = simulate(model, data, ex, so);
    const auto sums = summarize(ex, r);
    if (sums.size() != prefixes_.size())
      throw InvalidArgument("sweep: expected " + std::to_string(prefixes_.size()) + " leg summaries, got " +
                            std::to_string(sums.size()));
    for (const auto& s : sums) out += numeric_values(s, out);
  }

 private:
  SweepSpec spec_;
  ParameterSource band_stiffness_, cuff_mass_;
  BoundFields<SimulateOptions> options_;
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

// Range check of one parameter's values: its listed range (sweep_parameter_info), or for a
// posture parameter the model's coordinate range. Looked up once per parameter, not per row.
class ValueCheck {
 public:
  ValueCheck(const Model& generic, const std::string& name) : name_(name), info_(find_info(name)) {
    if (!info_) {
      const int q = posture_parameter(generic, name, &to_si_);
      if (q >= 0) coordinate_ = &generic.coordinates[generic.independent[q]];
    }
  }
  void operator()(double v, Eigen::Index row) const {
    const auto where = [&] { return " (row " + std::to_string(row) + ", parameter '" + name_ + "')"; };
    if (!std::isfinite(v)) throw InvalidArgument("sweep: expected a finite value, got " + fmt(v) + where());
    if (info_) {
      if (v < info_->min || v > info_->max)
        throw InvalidArgument("sweep: expected " + name_ + " in [" + fmt(info_->min) + ", " + fmt(info_->max) + "] " +
                              info_->units + ", got " + fmt(v) + where());
      if (name_ == "sex" && v != 0.0 && v != 1.0)
        throw InvalidArgument("sweep: expected sex 0 (male) or 1 (female), got " + fmt(v) + where());
    } else if (const Coordinate* c = coordinate_) {
      const double k = to_si_;
      if (v * k < c->range_min - 1e-12 || v * k > c->range_max + 1e-12)
        throw InvalidArgument("sweep: expected " + name_ + " in [" + fmt(c->range_min / k) + ", " +
                              fmt(c->range_max / k) + "], got " + fmt(v) + where());
    }
  }

 private:
  std::string name_;
  const SweepParameterInfo* info_;
  const Coordinate* coordinate_ = nullptr;
  double to_si_ = 1.0;
};

// The subject of each row: the base subject with the swept and fixed subject parameters.
class SubjectParameters {
 public:
  SubjectParameters(const Model& generic, const SweepSpec& spec)
      : base_(spec.base_subject.value_or(generic.subject)), sex_(spec, "sex"), gmed_(spec, kGmedStrength), fields_(spec) {}
  Subject operator()(const double* row) const {
    Subject s = base_;
    if (sex_.given) s.sex = sex_(row) >= 0.5 ? Sex::female : Sex::male;
    fields_.apply(s, row);
    if (gmed_.given) {
      // combine with any scale the base subject already has
      auto it = s.strength_scale.find("gluteus_medius");
      s.strength_scale["gluteus_medius"] = (it == s.strength_scale.end() ? 1.0 : it->second) * (gmed_(row) / 100.0);
    }
    return s;
  }

 private:
  Subject base_;
  ParameterSource sex_, gmed_;
  BoundFields<Subject> fields_;
};

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
  return SubjectParameters(generic, spec)(params);
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
  std::vector<ValueCheck> checks;
  for (const auto& name : spec.parameters) checks.emplace_back(generic, name);
  for (Eigen::Index r = 0; r < n; ++r)
    for (Eigen::Index c = 0; c < p; ++c) checks[c](params(r, c), r);
  for (const auto& [k, v] : spec.options) ValueCheck(generic, k)(v, -1);

  bool subject_swept = false, subject_fixed = false;
  for (const auto& name : spec.parameters) subject_swept |= is_subject_parameter(name);
  for (const auto& [name, v] : spec.options) subject_fixed |= is_subject_parameter(name);
  // no subject parameter swept: one model for every row (scaled once when some are fixed)
  std::unique_ptr<Model> fixed;
  const Model* shared = nullptr;
  if (!subject_swept) {
    if (subject_fixed || spec.base_subject) {
      const Eigen::VectorXd none = Eigen::VectorXd::Constant(std::max<Eigen::Index>(p, 1), std::nan(""));
      fixed = std::make_unique<Model>(scale_model(generic, SubjectParameters(generic, spec)(none.data())));
      shared = fixed.get();
    } else {
      shared = &generic;
    }
  }

  // subjects swept: every row scales the generic model, into one Model per thread
  std::unique_ptr<ModelScaler> scaler;
  if (!shared) scaler = std::make_unique<ModelScaler>(generic);
  const SubjectParameters subject_of(generic, spec);

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
          scaler->scale(subject_of(row.data()), scaled, *scale_data);
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
