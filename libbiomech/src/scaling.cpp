// Scaling a generic model to a subject: see scaling.hpp for the model of each step.
#include "biomech/scaling.hpp"

#include <algorithm>
#include <cmath>
#include <set>

#include "biomech/anthropometry.hpp"
#include "biomech/data.hpp"
#include "biomech/errors.hpp"
#include "biomech/kinematics.hpp"
#include "biomech/muscle_path.hpp"
#include "biomech/strength.hpp"

namespace biomech {
namespace {

// Fraction of the femur length, from the head centre along the mechanical axis,
// that counts as the proximal femur (head, neck, trochanters, lesser trochanter).
constexpr double kProximalFemur = 0.2;

// +1 right, -1 left, 0 when the name has no side suffix.
int side_sign(const std::string& name) {
  if (name.size() > 2 && name[name.size() - 2] == '_') {
    if (name.back() == 'r') return 1;
    if (name.back() == 'l') return -1;
  }
  return 0;
}

std::string base_name(const std::string& muscle) {
  return side_sign(muscle) != 0 ? muscle.substr(0, muscle.size() - 2) : muscle;
}

Eigen::Isometry3d rotation_about(const Vec3& point, const Vec3& axis, double angle) {
  Eigen::Isometry3d X = Eigen::Isometry3d::Identity();
  X.linear() = Eigen::AngleAxisd(angle, axis.normalized()).toRotationMatrix();
  X.translation() = point - X.linear() * point;
  return X;
}

// Position (in the parent body frame) of the child frame origin of joint `j`
// at the coordinates' default values.
Vec3 joint_centre_in_parent(const Model& m, const Joint& j) {
  Vec3 p = Vec3::Zero();
  for (const TransformAxis& ax : j.translations) {
    const double x = ax.coordinate < 0 ? 0.0 : m.coordinates[ax.coordinate].default_value;
    p += ax.function.value(x) * ax.axis;
  }
  return j.parent_offset * p;
}

int child_joint_of(const Model& m, int body, const std::string& child_prefix) {
  for (size_t j = 0; j < m.joints.size(); ++j)
    if (m.joints[j].parent == body && m.bodies[m.joints[j].child].name.starts_with(child_prefix)) return static_cast<int>(j);
  return -1;
}

struct FemurGeometry {
  Vec3 head, knee, axis;  // head centre, knee centre, unit vector head -> knee (femur frame)
  double length = 0.0;
  Vec3 anterior;          // femur x made orthogonal to `axis`
};

FemurGeometry femur_geometry(const Model& m, int femur) {
  FemurGeometry g;
  g.head = m.joints[m.bodies[femur].joint].child_offset.translation();
  const int knee = child_joint_of(m, femur, "tibia");
  if (knee < 0) throw InvalidArgument("scale_model: expected a knee joint (a tibia child) below '" + m.bodies[femur].name + "'");
  g.knee = joint_centre_in_parent(m, m.joints[knee]);
  g.length = (g.knee - g.head).norm();
  if (!(g.length > 0.0)) throw InvalidArgument("scale_model: femur '" + m.bodies[femur].name + "' has zero length");
  g.axis = (g.knee - g.head) / g.length;
  g.anterior = (Vec3::UnitX() - Vec3::UnitX().dot(g.axis) * g.axis).normalized();
  return g;
}

// Applies a rigid transform of femur points by their position along the shaft:
// proximal points rotate with `proximal`, the rest with torsion(t) (t in [0, 1]).
struct FemurReshape {
  Eigen::Isometry3d proximal = Eigen::Isometry3d::Identity();
  FemurGeometry g;
  double torsion = 0.0;  // rad about -axis (up), already signed for the side
  Vec3 apply(const Vec3& p) const {
    const double t = (p - g.head).dot(g.axis) / g.length;
    if (t < kProximalFemur) return proximal * p;
    const double f = std::clamp((t - kProximalFemur) / (1.0 - kProximalFemur), 0.0, 1.0);
    return rotation_about(g.head, -g.axis, f * torsion) * p;
  }
  Eigen::Isometry3d apply(const Eigen::Isometry3d& X) const {
    const double t = (X.translation() - g.head).dot(g.axis) / g.length;
    if (t < kProximalFemur) return proximal * X;
    const double f = std::clamp((t - kProximalFemur) / (1.0 - kProximalFemur), 0.0, 1.0);
    return rotation_about(g.head, -g.axis, f * torsion) * X;
  }
};

}  // namespace

double strength_calibration(const Model& generic) {
  if (generic.posture_coordinate("hip_adduction_r") < 0 || generic.posture_coordinate("hip_flexion_r") < 0 ||
      generic.posture_coordinate("hip_rotation_r") < 0 || !(generic.total_mass() > 0.0))
    return 1.0;
  Data data(generic);
  const double peak = strength_curve(generic, data, 'r').peak_torque;
  return peak > 0.0 ? kReferenceAbductionTorque * generic.total_mass() / peak : 1.0;
}

Model scale_model(const Model& generic, const Subject& subject) {
  Model m;
  Data data(generic);
  ModelScaler(generic).scale(subject, m, data);
  return m;
}

ModelScaler::ModelScaler(const Model& generic) : generic_(generic), calibration_(strength_calibration(generic)) {
  Data d(generic);
  compute_muscle_paths(generic, d, generic.default_posture());
  generic_lengths_ = d.muscle_length;
}

void ModelScaler::scale(const Subject& subject, Model& out, Data& data) const {
  const Model& generic = generic_;
  const Subject ref = with_defaults(generic.subject);
  const Subject s = with_defaults(subject);
  const int nb = static_cast<int>(generic.bodies.size());

  // ---- per-body geometric factors
  const double k = s.height / ref.height;
  std::vector<Vec3> factor(nb, Vec3::Constant(k));
  for (int b = 0; b < nb; ++b) {
    const std::string& n = generic.bodies[b].name;
    if (n.starts_with("pelvis")) factor[b].z() = *s.pelvis_width / *ref.pelvis_width;
    if (n.starts_with("femur")) {
      // femur length is the hip-to-knee distance: scale y so that this distance grows by
      // femur_length / reference femur_length while x and z take the overall factor
      const FemurGeometry fg = femur_geometry(generic, b);
      const Vec3 c = fg.knee - fg.head;
      const double L = fg.length * *s.femur_length / *ref.femur_length;
      const double y2 = L * L - k * k * (c.x() * c.x() + c.z() * c.z());
      if (!(y2 > 0.0) || c.y() == 0.0)
        throw InvalidArgument("scale_model: femur_length " + std::to_string(*s.femur_length) + " m is too short for this subject's height");
      factor[b].y() = std::sqrt(y2) / std::abs(c.y());
    }
  }
  const auto S = [&](int body) -> Eigen::DiagonalMatrix<double, 3> {
    return body < 0 ? Eigen::DiagonalMatrix<double, 3>(1, 1, 1) : Eigen::DiagonalMatrix<double, 3>(factor[body]);
  };

  out = generic;  // copy-assignment keeps out's memory
  Model& m = out;
  m.subject = s;
  for (Joint& j : m.joints) {
    if (j.parent < 0) continue;  // the free root joint: its translations are coordinates
    j.parent_offset.translation() = S(j.parent) * j.parent_offset.translation();
    j.child_offset.translation() = S(j.child) * j.child_offset.translation();
    for (TransformAxis& ax : j.translations) {
      const bool coordinate_driven = ax.coordinate >= 0 && !generic.coordinates[ax.coordinate].rotational;
      if (!coordinate_driven) ax.function.scale((S(j.parent) * ax.axis.normalized()).norm());
    }
  }
  for (Coordinate& c : m.coordinates)
    if (!c.rotational) {  // root translations: standing height scales with the body
      c.default_value *= k;
    }
  for (int b = 0; b < nb; ++b) m.bodies[b].com = S(b) * m.bodies[b].com;
  for (Landmark& l : m.landmarks) l.location = S(l.body) * l.location;
  for (WrapCylinder& w : m.wrap_cylinders) {
    const Vec3 a = w.pose.linear().col(2);
    const Vec3 u = w.pose.linear().col(0), v = w.pose.linear().col(1);
    w.pose.translation() = S(w.body) * w.pose.translation();
    w.radius *= 0.5 * ((S(w.body) * u).norm() + (S(w.body) * v).norm());
    w.length *= (S(w.body) * a).norm();
  }
  for (Muscle& mu : m.muscles)
    for (PathPoint& p : mu.path) {
      p.location = S(p.body) * p.location;
      for (int i = 0; i < 3; ++i)
        if (p.moving_coordinate[i] >= 0) p.moving[i].scale(factor[p.body][i]);
    }

  // ---- bone shape: neck-shaft angle and anteversion (femur), tibiofemoral angle (knee)
  const double d_nsa = *s.neck_shaft_angle - *ref.neck_shaft_angle;
  const double d_av = *s.anteversion - *ref.anteversion;
  const double d_tfa = *s.tibiofemoral_angle - *ref.tibiofemoral_angle;
  for (int b = 0; b < nb; ++b) {
    if (!m.bodies[b].name.starts_with("femur")) continue;
    const int sigma = side_sign(m.bodies[b].name);
    if (sigma == 0) throw InvalidArgument("scale_model: expected femur body names ending in _r or _l, got '" + m.bodies[b].name + "'");
    FemurReshape r;
    r.g = femur_geometry(m, b);
    // coxa valga (+) turns the trochanter down and medially: +x rotation on the right
    r.proximal = rotation_about(r.g.head, r.g.anterior, sigma * d_nsa);
    r.torsion = sigma * d_av;  // internal rotation of the distal femur: about +y on the right
    if (d_nsa != 0.0 || d_av != 0.0) {
      for (Landmark& l : m.landmarks)
        if (l.body == b) l.location = r.apply(l.location);
      for (Muscle& mu : m.muscles)
        for (PathPoint& p : mu.path)
          if (p.body == b) p.location = r.apply(p.location);
      for (WrapCylinder& w : m.wrap_cylinders)
        if (w.body == b) w.pose = r.apply(w.pose);
    }
    const Eigen::Isometry3d distal = rotation_about(r.g.head, -r.g.axis, r.torsion);
    for (Joint& j : m.joints) {
      if (j.parent != b) continue;
      j.parent_offset = distal * j.parent_offset;
      if (m.bodies[j.child].name.starts_with("tibia") && d_tfa != 0.0) {
        // more valgus: distal tibia lateral = rotation about +x by -d on the right
        const Vec3 c = joint_centre_in_parent(m, j);
        j.parent_offset = rotation_about(c, distal.linear() * r.g.anterior, -sigma * d_tfa) * j.parent_offset;
      }
    }
  }
  const double d_tt = *s.tuberosity_offset - k * *ref.tuberosity_offset;
  for (Landmark& l : m.landmarks)
    if (l.name.starts_with("tibial_tuberosity")) l.location.z() += side_sign(l.name) * d_tt;

  // ---- strength: mass and measured strength (scaling.hpp), then the subject's own factors
  const double force_scale = s.mass / generic.total_mass() * calibration_;
  for (Muscle& mu : m.muscles) mu.max_isometric_force *= force_scale;
  for (const auto& [key, scale] : s.strength_scale) {
    bool matched = false;
    for (Muscle& mu : m.muscles)
      if (key == "all" || key == mu.name || key == base_name(mu.name) || key == mu.group) {
        mu.max_isometric_force *= scale;
        matched = true;
      }
    if (!matched)
      throw InvalidArgument("Subject.strength_scale: expected a muscle name, base name, group or 'all', got '" + key + "'");
  }

  // ---- masses, centres of mass, inertias (de Leva 1996, anthropometry.hpp)
  const double M = s.mass, M_ref = generic.total_mass();
  if (!(M_ref > 0.0)) throw InvalidArgument("scale_model: expected a generic model with mass, got 0 kg");
  const bool has_torso = generic.body_index("torso") >= 0;
  std::vector<bool> assigned(nb, false);
  double assigned_mass = 0.0;
  const auto set_geometric = [&](int b, double mass) {  // COM already scaled; inertia ~ m k^2
    const Body& g = generic.bodies[b];
    Body& body = m.bodies[b];
    body.mass = mass;
    body.inertia = g.mass > 0.0 ? Mat3(g.inertia * (mass / g.mass) * k * k) : Mat3::Zero();
    assigned[b] = true;
    assigned_mass += mass;
  };
  // foot bodies of each side: everything below the tibia
  for (int b = 0; b < nb; ++b) {
    const std::string& n = m.bodies[b].name;
    if (n.starts_with("pelvis")) {
      set_geometric(b, M * (pelvis_mass_fraction(s.sex) + (has_torso ? 0.0 : torso_mass_fraction(s.sex))));
    } else if (n == "torso") {
      set_geometric(b, M * torso_mass_fraction(s.sex));
    } else if (n.starts_with("femur") || n.starts_with("tibia")) {
      const bool thigh = n.starts_with("femur");
      // segment end points in this body frame: proximal = joint centre (child frame origin),
      // distal = the centre of the next joint down (knee / ankle)
      const Vec3 prox = m.joints[m.bodies[b].joint].child_offset.translation();
      int below = -1;
      for (size_t j = 0; j < m.joints.size(); ++j)
        if (m.joints[j].parent == b && (thigh ? m.bodies[m.joints[j].child].name.starts_with("tibia") : true)) below = static_cast<int>(j);
      Vec3 dist;
      if (below >= 0) {
        dist = joint_centre_in_parent(m, m.joints[below]);
      } else {
        // no body below the tibia: the ankle_centre landmark, else gait2392's ankle proportion
        const int side = side_sign(n);
        const int lm = m.landmark_index(side > 0 ? "ankle_centre_r" : "ankle_centre_l");
        dist = lm >= 0 && m.landmarks[lm].body == b ? m.landmarks[lm].location : Vec3(0.0, -0.43 * k, 0.0);
      }
      const double L = (dist - prox).norm();
      const SegmentInertia si = segment_inertia(s.sex, thigh ? Segment::thigh : Segment::shank, M, L);
      Body& body = m.bodies[b];
      const Vec3 e = (dist - prox) / L;
      body.com = prox + si.com_from_proximal * e;
      // principal axes: y along the segment, x the body's anterior made orthogonal
      const Vec3 x = (Vec3::UnitX() - Vec3::UnitX().dot(e) * e).normalized();
      Mat3 R;
      R.col(0) = x;
      R.col(1) = -e;
      R.col(2) = x.cross(-e);
      body.inertia = R * si.principal_inertia.asDiagonal() * R.transpose();
      body.mass = si.mass;
      assigned[b] = true;
      assigned_mass += si.mass;
      if (!thigh && below < 0) {
        // no foot bodies: the foot rides on the tibia as a point mass at the ankle centre
        const double mf = de_leva(s.sex, Segment::foot).mass_fraction * M;
        const Vec3 c = (si.mass * body.com + mf * dist) / (si.mass + mf);
        const auto parallel = [](double mass, const Vec3& r) {
          return Mat3(mass * (r.squaredNorm() * Mat3::Identity() - r * r.transpose()));
        };
        body.inertia += parallel(si.mass, body.com - c) + parallel(mf, dist - c);
        body.com = c;
        body.mass += mf;
        assigned_mass += mf;
      }
    }
  }
  // foot bodies (everything in a tibia's subtree but the tibia): the de Leva foot mass,
  // split in the reference model's proportions
  for (int b = 0; b < nb; ++b) {
    if (!m.bodies[b].name.starts_with("tibia")) continue;
    double ref_foot = 0.0;
    for (int c = b + 1; c < nb; ++c)
      if (is_in_subtree(generic, c, b)) ref_foot += generic.bodies[c].mass;
    for (int c = b + 1; c < nb; ++c)
      if (is_in_subtree(generic, c, b) && ref_foot > 0.0)
        set_geometric(c, de_leva(s.sex, Segment::foot).mass_fraction * M * generic.bodies[c].mass / ref_foot);
  }
  // anything else (other bodies) shares what is left in the reference proportions; with
  // nothing else, the remainder (rounding of the table) goes to the root body
  double rest_ref = 0.0;
  for (int b = 0; b < nb; ++b)
    if (!assigned[b]) rest_ref += generic.bodies[b].mass;
  const double rest = M - assigned_mass;
  if (rest_ref > 0.0) {
    for (int b = 0; b < nb; ++b)
      if (!assigned[b]) set_geometric(b, rest * generic.bodies[b].mass / rest_ref);
  } else {
    m.bodies[0].mass += rest;
  }
  for (int b = 0; b < nb; ++b)
    if (m.bodies[b].mass < 0.0)
      throw InvalidArgument("scale_model: the anthropometric table leaves body '" + m.bodies[b].name + "' a negative mass");

  m.finalize();

  // ---- fibre and tendon slack lengths keep their share of the muscle-tendon length
  check(m, data);
  compute_muscle_paths(m, data, m.default_posture());
  const Eigen::VectorXd& L0 = generic_lengths_;
  const Eigen::VectorXd& L1 = data.muscle_length;
  for (int i = 0; i < m.n_muscles(); ++i) {
    const double r = L0[i] > 0.0 ? L1[i] / L0[i] : 1.0;
    m.muscles[i].optimal_fiber_length *= r;
    m.muscles[i].tendon_slack_length *= r;
  }
}

}  // namespace biomech
