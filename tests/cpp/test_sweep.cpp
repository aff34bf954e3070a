// Sweeps: a chunk evaluated by several threads gives the same numbers as one
// thread and as the algorithm called directly; bad parameters fail before work.
#include <gtest/gtest.h>

#include <cmath>

#include "biomech/data.hpp"
#include "biomech/errors.hpp"
#include "biomech/muscle_path.hpp"
#include "biomech/model_io.hpp"
#include "biomech/scaling.hpp"
#include "biomech/seesaw.hpp"
#include "biomech/sweep.hpp"
#include "tiny_model.hpp"

using biomech::RowMatrixXd;
using biomech::SweepSpec;

namespace {

biomech::Model tiny() {
  biomech::Model m = biomech::test_models::tiny_model();
  m.finalize();
  return m;
}

}  // namespace

TEST(Sweep, MomentArmsOverPosturesMatchDirectComputationForAnyThreadCount) {
  const biomech::Model m = tiny();
  SweepSpec spec;
  spec.target = "moment_arms";
  spec.parameters = {"hip_flexion_r_deg", "hip_rotation_r_deg"};
  const int n = 57;
  RowMatrixXd params(n, 2);
  for (int i = 0; i < n; ++i) {
    params(i, 0) = -20.0 + 100.0 * i / (n - 1);
    params(i, 1) = -30.0 + 60.0 * ((i * 7) % n) / (n - 1);
  }
  const auto outputs = biomech::sweep_outputs(m, spec);
  ASSERT_FALSE(outputs.empty());
  EXPECT_EQ(outputs.back().name, "gmed_abduction_moment_arm_m");
  RowMatrixXd one(n, outputs.size()), four(n, outputs.size());
  biomech::sweep_chunk(m, spec, params, one, 1);
  biomech::sweep_chunk(m, spec, params, four, 4);
  EXPECT_EQ(one, four);  // bit for bit: rows are independent

  // against the algorithm called directly
  biomech::Data d(m);
  const int gmed = m.muscle_index("glut_med1_r");
  const int add = m.posture_coordinate("hip_adduction_r");
  for (int i = 0; i < n; i += 7) {
    Eigen::VectorXd q = m.default_posture();
    q[m.posture_coordinate("hip_flexion_r")] = params(i, 0) * M_PI / 180.0;
    q[m.posture_coordinate("hip_rotation_r")] = params(i, 1) * M_PI / 180.0;
    biomech::compute_muscle_paths(m, d, q);
    int col = -1;
    for (size_t k = 0; k < outputs.size(); ++k)
      if (outputs[k].name == "moment_arm_glut_med1_r_hip_adduction_r") col = static_cast<int>(k);
    ASSERT_GE(col, 0);
    EXPECT_EQ(one(i, col), d.moment_arm(gmed, add));
    EXPECT_EQ(outputs[col].units, "m");
  }
}

TEST(Sweep, BadParametersFailBeforeAnyWork) {
  const biomech::Model m = tiny();
  SweepSpec spec;
  spec.target = "moment_arms";
  spec.parameters = {"hip_flexion_r_deg"};
  RowMatrixXd out(2, biomech::sweep_outputs(m, spec).size());
  RowMatrixXd params(2, 1);
  params << 10.0, 500.0;  // 500 deg is outside the coordinate's range
  try {
    biomech::sweep_chunk(m, spec, params, out, 2);
    FAIL() << "expected an error";
  } catch (const biomech::InvalidArgument& e) {
    EXPECT_NE(std::string(e.what()).find("row 1"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("hip_flexion_r_deg"), std::string::npos) << e.what();
  }
  spec.parameters = {"shoe_size_eu"};
  EXPECT_THROW(biomech::sweep_outputs(m, spec), biomech::InvalidArgument);
  spec.parameters = {"hip_flexion_r_deg"};
  spec.target = "juggling";
  EXPECT_THROW(biomech::sweep_outputs(m, spec), biomech::InvalidArgument);
  spec.target = "moment_arms";
  RowMatrixXd wrong(2, 3);
  EXPECT_THROW(biomech::sweep_chunk(m, spec, params, wrong, 1), biomech::InvalidArgument);
  spec.parameters = {"hip_flexion_r_deg", "hip_flexion_r_deg"};
  EXPECT_THROW(biomech::sweep_outputs(m, spec), biomech::InvalidArgument);
  spec.parameters = {"gmed_strength_pct"};
  RowMatrixXd p1(1, 1);
  p1 << 250.0;  // above the 0-200 % range
  RowMatrixXd o1(1, biomech::sweep_outputs(m, spec).size());
  EXPECT_THROW(biomech::sweep_chunk(m, spec, p1, o1, 1), biomech::InvalidArgument);
}

TEST(Sweep, SubjectOfARow) {
  const biomech::Model m = tiny();
  SweepSpec spec;
  spec.parameters = {"sex", "mass_kg", "gmed_strength_pct", "neck_shaft_angle_deg"};
  const double row[] = {1.0, 58.0, 40.0, 120.0};
  const biomech::Subject s = biomech::sweep_subject(m, spec, row);
  EXPECT_EQ(s.sex, biomech::Sex::female);
  EXPECT_EQ(s.mass, 58.0);
  EXPECT_DOUBLE_EQ(s.strength_scale.at("gluteus_medius"), 0.4);
  EXPECT_NEAR(*s.neck_shaft_angle, 120.0 * M_PI / 180.0, 1e-15);
}

// The seesaw over a population needs the shipped model file.
TEST(Sweep, StanceOverStrengthAndLeanOnTheDefaultModel) {
  const biomech::Model generic = biomech::default_model();
  SweepSpec spec;
  spec.target = "single_leg_stance";
  spec.parameters = {"mass_kg", "trunk_lean_deg"};
  RowMatrixXd params(4, 2);
  params << 60, 0, 60, 10, 90, 0, 90, 10;
  const auto outputs = biomech::sweep_outputs(generic, spec);
  RowMatrixXd one(4, outputs.size()), two(4, outputs.size());
  biomech::sweep_chunk(generic, spec, params, one, 1);
  biomech::sweep_chunk(generic, spec, params, two, 2);
  EXPECT_EQ(one, two);
  int f = -1;
  for (size_t k = 0; k < outputs.size(); ++k)
    if (outputs[k].name == "abductor_force_n") f = static_cast<int>(k);
  ASSERT_GE(f, 0);
  // heavier subject: more abductor force; lean toward the stance side: less
  EXPECT_GT(one(2, f), one(0, f));
  EXPECT_LT(one(1, f), one(0, f));
  EXPECT_LT(one(3, f), one(2, f));
  // the same as calling the seesaw on the scaled model
  biomech::Subject s = generic.subject;
  s.mass = 90;
  const biomech::Model scaled = biomech::scale_model(generic, s);
  biomech::Data data(scaled);
  const auto direct = biomech::single_leg_stance(scaled, data, {});
  EXPECT_NEAR(one(2, f), direct.abductor_force_n, 1e-9 * direct.abductor_force_n);
}
