#include "biomech/data.hpp"

#include <algorithm>
#include <string>

#include "biomech/errors.hpp"

namespace biomech {

Data::Data(const Model& model) {
  const int nb = static_cast<int>(model.bodies.size());
  const int nm = model.n_muscles();
  q = model.default_posture();
  coordinate_value = Eigen::VectorXd::Zero(model.coordinates.size());
  coordinate_rate = Eigen::VectorXd::Ones(model.coordinates.size());
  body_pose.assign(nb, Eigen::Isometry3d::Identity());
  // One motion term per (joint, independent coordinate that moves it).
  joint_terms_begin.assign(model.joints.size() + 1, 0);
  for (size_t j = 0; j < model.joints.size(); ++j) {
    joint_terms_begin[j] = static_cast<int>(motion_terms.size());
    std::vector<int> ks;
    for (const auto* axes : {&model.joints[j].rotations, &model.joints[j].translations})
      for (const TransformAxis& ax : *axes) {
        if (ax.coordinate < 0 || ax.function.kind() == Function::Kind::constant) continue;
        const int k = model.driving_posture_index(ax.coordinate);
        if (std::find(ks.begin(), ks.end(), k) == ks.end()) ks.push_back(k);
      }
    for (int k : ks) motion_terms.push_back(MotionTerm{static_cast<int>(j), k, Vec3::Zero(), Vec3::Zero()});
  }
  joint_terms_begin[model.joints.size()] = static_cast<int>(motion_terms.size());
  muscle_length = Eigen::VectorXd::Zero(nm);
  moment_arm = Eigen::MatrixXd::Zero(nm, model.nq());
}

bool fits(const Model& model, const Data& data) {
  return data.q.size() == model.nq() &&
         data.coordinate_value.size() == static_cast<Eigen::Index>(model.coordinates.size()) &&
         data.body_pose.size() == model.bodies.size() &&
         data.joint_terms_begin.size() == model.joints.size() + 1 &&
         data.muscle_length.size() == model.n_muscles() && data.moment_arm.cols() == model.nq();
}

void check(const Model& model, const Data& data, const char* caller) {
  auto mismatch = [&](const char* what, size_t got, size_t want) {
    if (got == want) return;
    throw InvalidArgument(std::string(caller) + ": expected a Data made for this model (Data(model)), got one with " +
                          std::to_string(got) + " " + what + " for model '" + model.name + "' with " +
                          std::to_string(want));
  };
  mismatch("coordinates", static_cast<size_t>(data.coordinate_value.size()), model.coordinates.size());
  mismatch("independent coordinates", static_cast<size_t>(data.q.size()), static_cast<size_t>(model.nq()));
  mismatch("bodies", data.body_pose.size(), model.bodies.size());
  mismatch("joints", data.joint_terms_begin.size() - 1, model.joints.size());
  mismatch("muscles", static_cast<size_t>(data.muscle_length.size()), static_cast<size_t>(model.n_muscles()));
  mismatch("moment-arm columns", static_cast<size_t>(data.moment_arm.cols()), static_cast<size_t>(model.nq()));
}

}  // namespace biomech
