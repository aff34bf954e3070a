// Python bindings of the model domain: model.hpp (read-only), data.hpp,
// kinematics.hpp, muscle_path.hpp, and the model loaders of model_io.hpp,
// scaling.hpp (default_model) and osim.hpp (import_osim).
//
// The Model is exposed read-only: Python never mutates a finalized model.
// Arrays are NumPy float64; shapes are given in every docstring.
#include <pybind11/eigen.h>
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <string>
#include <vector>

#include "biomech/data.hpp"
#include "biomech/errors.hpp"
#include "biomech/kinematics.hpp"
#include "biomech/model.hpp"
#include "biomech/model_io.hpp"
#include "biomech/muscle_path.hpp"
#include "biomech/osim.hpp"
#include "biomech/scaling.hpp"
#include "biomech/strength.hpp"
#include "bindings.hpp"
#include "fields_binding.hpp"

namespace py = pybind11;
using namespace pybind11::literals;
using biomech::Data;
using biomech::Model;

namespace {

Eigen::Matrix4d to_matrix(const Eigen::Isometry3d& x) { return x.matrix(); }

const char* kind_name(biomech::Function::Kind k) {
  switch (k) {
    case biomech::Function::Kind::constant: return "constant";
    case biomech::Function::Kind::linear: return "linear";
    case biomech::Function::Kind::spline: return "spline";
    case biomech::Function::Kind::polynomial: return "polynomial";
  }
  return "?";
}

const char* point_type_name(biomech::PathPoint::Type t) {
  switch (t) {
    case biomech::PathPoint::Type::fixed: return "fixed";
    case biomech::PathPoint::Type::conditional: return "conditional";
    case biomech::PathPoint::Type::moving: return "moving";
  }
  return "?";
}

void bind_parts(py::module_& m) {
  py::class_<biomech::Function>(m, "Function", "Scalar function of one coordinate (OpenSim joint/coupler/moving-point function).")
      .def_property_readonly("kind", [](const biomech::Function& f) { return kind_name(f.kind()); },
                             "'constant', 'linear', 'spline' or 'polynomial'")
      .def("value", &biomech::Function::value, "x"_a)
      .def("derivative", &biomech::Function::derivative, "x"_a)
      .def("__call__", [](const biomech::Function& f, const Eigen::Ref<const Eigen::ArrayXd>& x) {
             return Eigen::ArrayXd(x.unaryExpr([&](double v) { return f.value(v); }));
           }, "x"_a, "Values at x (n,) -> (n,).")
      .def_property_readonly("x", &biomech::Function::x, "spline knots")
      .def_property_readonly("y", &biomech::Function::y, "spline knot values / polynomial coefficients")
      .def("__repr__", [](const biomech::Function& f) { return std::string("<biomech.Function ") + kind_name(f.kind()) + ">"; });

  py::class_<biomech::Coordinate>(m, "Coordinate", "A generalized coordinate (rad, or m for translations).")
      .def_readonly("name", &biomech::Coordinate::name)
      .def_readonly("range_min", &biomech::Coordinate::range_min, "rad (or m)")
      .def_readonly("range_max", &biomech::Coordinate::range_max, "rad (or m)")
      .def_readonly("default_value", &biomech::Coordinate::default_value, "rad (or m)")
      .def_readonly("rotational", &biomech::Coordinate::rotational)
      .def_readonly("driver", &biomech::Coordinate::driver, "index of the driving coordinate, -1 if independent")
      .def_readonly("coupler", &biomech::Coordinate::coupler)
      .def("__repr__", [](const biomech::Coordinate& c) { return "<biomech.Coordinate " + c.name + ">"; });

  py::class_<biomech::TransformAxis>(m, "TransformAxis")
      .def_readonly("axis", &biomech::TransformAxis::axis, "(3,) unit vector")
      .def_readonly("coordinate", &biomech::TransformAxis::coordinate, "coordinate index, -1 = constant")
      .def_readonly("function", &biomech::TransformAxis::function);

  py::class_<biomech::Joint>(m, "Joint", "OpenSim-style custom joint: X_child = X_parent * parent_offset * X(q) * child_offset^-1.")
      .def_readonly("name", &biomech::Joint::name)
      .def_readonly("parent", &biomech::Joint::parent, "body index, -1 = ground")
      .def_readonly("child", &biomech::Joint::child, "body index")
      .def_property_readonly("parent_offset", [](const biomech::Joint& j) { return to_matrix(j.parent_offset); }, "(4, 4) frame in parent")
      .def_property_readonly("child_offset", [](const biomech::Joint& j) { return to_matrix(j.child_offset); }, "(4, 4) frame in child")
      .def_property_readonly("rotations", [](const biomech::Joint& j) { return std::vector<biomech::TransformAxis>(j.rotations.begin(), j.rotations.end()); })
      .def_property_readonly("translations", [](const biomech::Joint& j) { return std::vector<biomech::TransformAxis>(j.translations.begin(), j.translations.end()); })
      .def("__repr__", [](const biomech::Joint& j) { return "<biomech.Joint " + j.name + ">"; });

  py::class_<biomech::Body>(m, "Body")
      .def_readonly("name", &biomech::Body::name)
      .def_readonly("joint", &biomech::Body::joint, "index of the joint whose child this body is")
      .def_readonly("mass", &biomech::Body::mass, "kg")
      .def_readonly("com", &biomech::Body::com, "(3,) m, in body frame")
      .def_readonly("inertia", &biomech::Body::inertia, "(3, 3) kg m^2 about the com, body frame")
      .def("__repr__", [](const biomech::Body& b) { return "<biomech.Body " + b.name + ">"; });

  py::class_<biomech::Landmark>(m, "Landmark")
      .def_readonly("name", &biomech::Landmark::name)
      .def_readonly("body", &biomech::Landmark::body, "body index")
      .def_readonly("location", &biomech::Landmark::location, "(3,) m, in body frame")
      .def_readonly("source", &biomech::Landmark::source)
      .def("__repr__", [](const biomech::Landmark& l) { return "<biomech.Landmark " + l.name + ">"; });

  py::class_<biomech::WrapCylinder>(m, "WrapCylinder", "OpenSim WrapCylinder (axis = z of its frame).")
      .def_readonly("name", &biomech::WrapCylinder::name)
      .def_readonly("body", &biomech::WrapCylinder::body)
      .def_property_readonly("pose", [](const biomech::WrapCylinder& w) { return to_matrix(w.pose); }, "(4, 4) cylinder frame in body frame")
      .def_readonly("radius", &biomech::WrapCylinder::radius, "m")
      .def_readonly("length", &biomech::WrapCylinder::length, "m")
      .def_readonly("quadrant_axis", &biomech::WrapCylinder::quadrant_axis, "0 = x, 1 = y, -1 = unconstrained")
      .def_readonly("quadrant_sign", &biomech::WrapCylinder::quadrant_sign)
      .def("__repr__", [](const biomech::WrapCylinder& w) { return "<biomech.WrapCylinder " + w.name + ">"; });

  py::class_<biomech::PathPoint>(m, "PathPoint")
      .def_property_readonly("type", [](const biomech::PathPoint& p) { return point_type_name(p.type); }, "'fixed', 'conditional' or 'moving'")
      .def_readonly("body", &biomech::PathPoint::body)
      .def_readonly("location", &biomech::PathPoint::location, "(3,) m, in body frame")
      .def_readonly("condition_coordinate", &biomech::PathPoint::condition_coordinate)
      .def_readonly("range_min", &biomech::PathPoint::range_min)
      .def_readonly("range_max", &biomech::PathPoint::range_max)
      .def_property_readonly("moving_coordinate", [](const biomech::PathPoint& p) { return std::vector<int>(p.moving_coordinate.begin(), p.moving_coordinate.end()); })
      .def_property_readonly("moving", [](const biomech::PathPoint& p) { return std::vector<biomech::Function>(p.moving.begin(), p.moving.end()); });

  py::class_<biomech::PathWrap>(m, "PathWrap")
      .def_readonly("cylinder", &biomech::PathWrap::cylinder)
      .def_readonly("range_begin", &biomech::PathWrap::range_begin)
      .def_readonly("range_end", &biomech::PathWrap::range_end);

  py::class_<biomech::Muscle>(m, "Muscle")
      .def_readonly("name", &biomech::Muscle::name)
      .def_property_readonly("side", [](const biomech::Muscle& mu) { return std::string(1, mu.side); }, "'r' or 'l'")
      .def_readonly("group", &biomech::Muscle::group)
      .def_readonly("segment", &biomech::Muscle::segment)
      .def_readonly("max_isometric_force", &biomech::Muscle::max_isometric_force, "N")
      .def_readonly("optimal_fiber_length", &biomech::Muscle::optimal_fiber_length, "m")
      .def_readonly("tendon_slack_length", &biomech::Muscle::tendon_slack_length, "m")
      .def_readonly("pennation_angle", &biomech::Muscle::pennation_angle, "rad")
      .def_readonly("hill", &biomech::Muscle::hill, "its curve parameters (HillParameters), as its model file states them")
      .def_readonly("path", &biomech::Muscle::path)
      .def_readonly("wraps", &biomech::Muscle::wraps)
      .def("__repr__", [](const biomech::Muscle& mu) { return "<biomech.Muscle " + mu.name + ">"; });
}

void bind_model_class(py::module_& m) {
  py::class_<Model>(m, "Model",
                    "The musculoskeletal model (read-only). SI units, radians; OpenSim frames "
                    "(x anterior, y superior, z right). Build it with load_model, default_model or import_osim.")
      .def_readonly("name", &Model::name)
      .def_readonly("source", &Model::source, "provenance / citation of the geometry")
      .def_readonly("license", &Model::license)
      .def_readonly("coordinates", &Model::coordinates, "all coordinates (independent and coupled)")
      .def_readonly("bodies", &Model::bodies)
      .def_readonly("joints", &Model::joints)
      .def_readonly("landmarks", &Model::landmarks)
      .def_readonly("wrap_cylinders", &Model::wrap_cylinders)
      .def_readonly("muscles", &Model::muscles)
      .def_readonly("subject", &Model::subject, "the subject this model describes")
      .def_readonly("gravity", &Model::gravity, "(3,) m/s^2 in ground")
      .def_readonly("independent", &Model::independent, "coordinate indices in posture order")
      .def_readonly("posture_index", &Model::posture_index, "coordinate index -> posture index (-1 coupled)")
      .def_readonly("moment_arm_coords", &Model::moment_arm_coords, "posture indices of the coordinates muscles cross")
      .def_property_readonly("nq", &Model::nq, "length of the posture vector")
      .def_property_readonly("n_muscles", &Model::n_muscles)
      .def_property_readonly("coordinate_names", &Model::coordinate_names, "independent coordinates, posture order")
      .def_property_readonly("muscle_names", &Model::muscle_names)
      .def_property_readonly("total_mass", &Model::total_mass, "kg")
      .def("default_posture", &Model::default_posture, "(nq,) defaults clamped to range")
      .def("body_index", &Model::body_index, "name"_a, "-1 when absent")
      .def("coordinate_index", &Model::coordinate_index, "name"_a, "index into coordinates, -1 when absent")
      .def("posture_coordinate", &Model::posture_coordinate, "name"_a, "index into the posture vector, -1 when absent")
      .def("muscle_index", &Model::muscle_index, "name"_a, "-1 when absent")
      .def("landmark_index", &Model::landmark_index, "name"_a, "-1 when absent")
      .def("__copy__", [](const Model& self) { return Model(self); })
      .def("__deepcopy__", [](const Model& self, py::dict) { return Model(self); }, "memo"_a)
      .def("__repr__", [](const Model& self) {
        return "<biomech._core.Model '" + self.name + "': " + std::to_string(self.bodies.size()) + " bodies, " +
               std::to_string(self.nq()) + " coordinates, " + std::to_string(self.n_muscles()) + " muscles>";
      });

  py::class_<Data>(m, "Data",
                   "Per-evaluation workspace of one Model (allocate once, reuse; one per thread). "
                   "Arrays are read-only views, valid until the next call that fills them.")
      .def(py::init<const Model&>(), "model"_a)
      .def_readonly("q", &Data::q, "(nq,) posture of the last forward_kinematics")
      .def_readonly("coordinate_value", &Data::coordinate_value, "(n_coordinates,) all coordinates incl. coupled")
      .def_readonly("muscle_length", &Data::muscle_length, "(n_muscles,) m, muscle-tendon length")
      .def_readonly("moment_arm", &Data::moment_arm, "(n_muscles, nq) m, r = -dL/dq")
      .def_property_readonly("body_pose", [](const Data& d) {
        std::vector<Eigen::Matrix4d> out;
        out.reserve(d.body_pose.size());
        for (const auto& x : d.body_pose) out.push_back(x.matrix());
        return out;
      }, "list of (4, 4) body frames in ground");
}

void bind_algorithms(py::module_& m) {
  m.def("forward_kinematics", [](const Model& model, Data& data, const Eigen::Ref<const Eigen::VectorXd>& q) {
          biomech::check(model, data);
          biomech::forward_kinematics(model, data, q);
        }, "model"_a, "data"_a, "q"_a,
        "Body poses for posture q (nq,) rad or m, into data. ValueError for a wrong size or NaN.");

  m.def("point_in_ground", [](const Model& model, const Data& data, int body, const biomech::Vec3& local) {
          biomech::check(model, data);
          if (body < 0 || body >= static_cast<int>(model.bodies.size()))
            throw biomech::InvalidArgument("point_in_ground: expected a body index below " +
                                           std::to_string(model.bodies.size()) + ", got " + std::to_string(body));
          return biomech::Vec3(biomech::point_in_ground(data, body, local));
        }, "model"_a, "data"_a, "body"_a, "local"_a,
        "(3,) m in ground of a point given in a body frame (needs forward_kinematics).");

  m.def("landmark_position", [](const Model& model, const Data& data, const std::string& name) {
          biomech::check(model, data);
          return biomech::Vec3(biomech::landmark_position(model, data, name));
        }, "model"_a, "data"_a, "name"_a,
        "(3,) m in ground of a landmark (needs forward_kinematics). ValueError for an unknown name.");

  m.def("center_of_mass", [](const Model& model, const Data& data, const std::vector<int>& bodies) {
          biomech::check(model, data);
          return biomech::Vec3(biomech::center_of_mass(model, data, bodies));
        }, "model"_a, "data"_a, "bodies"_a = std::vector<int>{},
        "(3,) m in ground: centre of mass of the given bodies (all when empty).");

  m.def("compute_muscle_paths", [](const Model& model, Data& data, const Eigen::Ref<const Eigen::VectorXd>& q) {
          biomech::check(model, data);
          biomech::compute_muscle_paths(model, data, q);
        }, "model"_a, "data"_a, "q"_a,
        "Muscle-tendon lengths (data.muscle_length, m) and moment arms (data.moment_arm, "
        "n_muscles x nq, m) at posture q (nq,).");

  m.def("compute_muscle_paths_batch",
        [](const Model& model, Data& data, const Eigen::Ref<const Eigen::MatrixXd>& postures, std::vector<int> coords) {
          biomech::check(model, data);
          if (postures.cols() != model.nq())
            throw biomech::InvalidArgument("compute_muscle_paths_batch: expected postures of shape (n, " +
                                           std::to_string(model.nq()) + "), got (" + std::to_string(postures.rows()) +
                                           ", " + std::to_string(postures.cols()) + ")");
          if (coords.empty()) coords = model.moment_arm_coords;
          const auto n = static_cast<py::ssize_t>(postures.rows());
          const auto nm = static_cast<py::ssize_t>(model.n_muscles());
          const auto nc = static_cast<py::ssize_t>(coords.size());
          py::array_t<double, py::array::f_style> lengths({n, nm});
          py::array_t<double, py::array::c_style> arms({n, nm, nc});
          {
            Eigen::Map<Eigen::MatrixXd> L(lengths.mutable_data(), n, nm);
            double* out = arms.mutable_data();
            py::gil_scoped_release release;
            biomech::compute_muscle_paths_batch(model, data, postures, coords, L, out);
          }
          return py::make_tuple(lengths, arms);
        },
        "model"_a, "data"_a, "postures"_a, "coords"_a = std::vector<int>{},
        "Batched lengths and moment arms, GIL released. postures (n, nq); coords: posture indices "
        "(model.moment_arm_coords when empty). Returns (lengths (n, n_muscles) m, "
        "moment_arms (n, n_muscles, len(coords)) m).");

  m.def("muscle_path_points", [](const Model& model, const Data& data, int muscle) {
          biomech::check(model, data);
          const auto pts = biomech::muscle_path_points(model, data, muscle);
          Eigen::MatrixX3d out(static_cast<Eigen::Index>(pts.size()), 3);
          for (size_t i = 0; i < pts.size(); ++i) out.row(static_cast<Eigen::Index>(i)) = pts[i].transpose();
          return out;
        }, "model"_a, "data"_a, "muscle"_a,
        "(k, 3) m in ground: the muscle's current path incl. wrap tangent points (needs forward_kinematics).");
}

void bind_loaders(py::module_& m) {
  m.def("load_model", &biomech::load_model, "path"_a,
        "Read a model file (YAML schema, docs/model_file.md). FileNotFoundError when missing, "
        "biomech.FileError (a ValueError naming file, line and field) for a bad file.");
  m.def("load_subjects", &biomech::load_subjects, "path"_a, "The model file's default subjects, by name.");
  m.def("save_model", py::overload_cast<const Model&, const std::string&>(&biomech::save_model), "model"_a, "path"_a,
        "Write the model in the model-file schema.");
  m.def("model_to_yaml", [](const Model& model) { return biomech::model_to_yaml(model); }, "model"_a,
        "The model-file text of a model.");
  m.def("scale_model", &biomech::scale_model, "generic"_a, "subject"_a,
        "The generic model scaled to a subject (finalized).");
  m.def("default_model", [](const biomech::Subject* s, const std::string& path) {
          return path.empty() ? biomech::default_model(s) : biomech::default_model(s, path);
        }, "subject"_a = nullptr, "model_file"_a = std::string(),
        "The shipped default model file scaled to `subject` (the file's default subject when None).");
  m.def("default_model_path", &biomech::default_model_path);
  m.def(
      "import_osim",
      [](const std::string& path, const std::string& scope) { return biomech::import_osim(path, biomech::parse_osim_scope(scope)); },
      "path"_a, "scope"_a = "hip",
      "Read an OpenSim 4 .osim model: scope 'hip' (hip muscles, feet merged into the tibiae, as the exercises "
      "use) or 'full' (every body, joint and muscle, for trial analysis).");
}

}  // namespace

void bind_model(py::module_& m) {
  m.def("model_bounds", [] { return biomech::python::bounds_table(biomech::kModelBounds); },
        "Sanity bounds on a model's numbers (name, unit, min, max, doc), checked by every loader.");
  m.def("function_bounds", [] { return biomech::python::bounds_table(biomech::kFunctionBounds); },
        "Bounds on the numbers and sizes of a model's functions (joint axes, couplers, moving path points).");
  m.attr("POSTURE_MARGIN_DEG") = biomech::kPostureMarginRad * 180.0 / M_PI;
  m.attr("POSTURE_MARGIN_M") = biomech::kPostureMarginM;
  m.attr("MAX_STRENGTH_SAMPLES") = biomech::kMaxStrengthSamples;
  m.attr("MAX_STRENGTH_SCALE") = biomech::kMaxStrengthScale;
  m.attr("MAX_TEXT_FILE_BYTES") = biomech::kMaxTextFileBytes;
  m.attr("MAX_YAML_DEPTH") = biomech::kMaxYamlDepth;
  m.attr("MAX_YAML_VALUES") = biomech::kMaxYamlValues;
  bind_parts(m);
  bind_model_class(m);
  bind_algorithms(m);
  bind_loaders(m);
}
