// Pelvic drop against abductor strength in the Trendelenburg simulation with the
// passive frontal-plane tissue calibrated on the modified Ober test
// (PelvisPlant::hip_tissue): where the end-stop lies, and a drop that grows
// continuously with weakness when the trunk leans over the stance hip.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>

#include "biomech/hill_muscle.hpp"
#include "biomech/pelvis_dynamics.hpp"
#include "biomech/pelvis_statics.hpp"
#include "default_models.hpp"
#include "units.hpp"

using namespace biomech;

namespace {

using biomech::test_support::kDeg;

PelvisSimulationResult stand(const PelvisPlant& plant, double strength, bool compensation,
                             const std::optional<PassiveJointMoment>& passive = std::nullopt, double push_nm = 0.0) {
  PelvisSimulationOptions o;
  o.abductor_strength = strength;
  o.duration = 5.0;
  o.sample_rate = 50.0;
  o.controller.compensation = compensation;
  o.hip_passive = passive;
  o.perturbation.torque = push_nm;  // toward drop, 0.1 s from t = 1 s
  o.perturbation.start = 1.0;
  o.perturbation.duration = 0.1;
  return simulate(plant, o);
}

double steady_drop(const PelvisPlant& plant, double strength, bool compensation,
                   const std::optional<PassiveJointMoment>& passive = std::nullopt) {
  return stand(plant, strength, compensation, passive).steady_obliquity;
}

}  // namespace

TEST(PassiveHipTissue, HoldsTheLegAtTheOberEndPosition) {
  const Model& m = test_models::default_male();
  Data data(m);
  const PelvisPlant plant = build_pelvis_plant(m, data);
  // the leg's weight moment in side-lying at 24.6 deg below horizontal (Ferber et al. 2010):
  // tens of N m (about 45 N m for the 75 kg generic model's 14.6 kg leg)
  EXPECT_GT(plant.hip_tissue.ober_leg_moment, 30.0);
  EXPECT_LT(plant.hip_tissue.ober_leg_moment, 60.0);
  const double tissue = -plant.hip_tissue.moment.moment(kOberAdduction, 0.0);
  EXPECT_NEAR(tissue + plant.hip_tissue.ober_muscle_moment, plant.hip_tissue.ober_leg_moment, 1e-6);  // less the abduction branch
  // stiffer than the ligaments alone (Anderson 1999: ~0.1 N m at 25 deg)
  EXPECT_GT(tissue, 100 * -PassiveJointMoment::hip_adduction().moment(kOberAdduction, 0.0));
  // and soft near neutral, where it must not hold the pelvis by itself
  EXPECT_LT(std::abs(plant.hip_tissue.moment.moment(0.0, 0.0)), 1.0);
  std::printf("Ober: leg %.1f N m, plant muscles' passive %.2f N m, tissue curve at 5/10/15/20/25 deg: "
              "%.2f %.2f %.2f %.2f %.2f N m\n",
              plant.hip_tissue.ober_leg_moment, plant.hip_tissue.ober_muscle_moment, -plant.hip_tissue.moment.moment(5 * kDeg, 0),
              -plant.hip_tissue.moment.moment(10 * kDeg, 0), -plant.hip_tissue.moment.moment(15 * kDeg, 0),
              -plant.hip_tissue.moment.moment(20 * kDeg, 0), -plant.hip_tissue.moment.moment(25 * kDeg, 0));
}

// Without the lean the subject drives the muscles it expects at nominal strength
// (new weakness, as after a nerve block): the drop is the feedback's offset until
// the muscles give way (a fold), and the tissue stops the pelvis. With the lean the
// subject has adapted (anticipatory lean and feed-forward for the weakened muscles):
// the level pelvis is held, and a push toward drop (10 N m for 0.1 s) drops it by an
// amount that grows gradually as strength falls and recovers.
TEST(Trendelenburg, DropIsAContinuousFunctionOfStrength) {
  const Model& m = test_models::default_male();
  Data data(m);
  const PelvisPlant plant = build_pelvis_plant(m, data);
  for (const bool compensation : {false, true}) {
    double last = 0.0;
    double largest_step = 0.0;
    for (int k = 0; k <= 20; ++k) {
      const double s = 1.0 - 0.04 * k;  // 1.0 .. 0.2
      if (compensation) {
        const PelvisSimulationResult held = stand(plant, s, true);
        const PelvisSimulationResult pushed = stand(plant, s, true, std::nullopt, 10.0);
        std::printf("strength %.2f compensation 1: drop %6.2f deg, lean %5.2f deg; after a push: max drop %5.2f deg, "
                    "steady %5.2f deg\n",
                    s, held.steady_obliquity / kDeg, held.final_lean / kDeg, pushed.max_drop / kDeg,
                    pushed.steady_obliquity / kDeg);
        EXPECT_LT(std::abs(held.steady_obliquity), 0.01 * kDeg) << s;
        EXPECT_LT(std::abs(pushed.steady_obliquity), 0.1 * kDeg) << "recovers from the push " << s;
        if (k > 0) {
          largest_step = std::max(largest_step, std::abs(pushed.max_drop - last));
          EXPECT_GE(pushed.max_drop, last - 1e-3 * kDeg) << "a weaker hip drops more " << s;
        }
        last = pushed.max_drop;
        continue;
      }
      const double drop = steady_drop(plant, s, false);
      const double ligament = steady_drop(plant, s, false, PassiveJointMoment::hip_adduction());
      std::printf("strength %.2f compensation 0: drop %6.2f deg (ligaments only: %6.2f deg)\n", s, drop / kDeg,
                  ligament / kDeg);
      last = drop;
    }
    if (compensation) {
      EXPECT_LT(largest_step, 0.5 * kDeg) << "leaning over the stance hip, the drop grows gradually";
      EXPECT_LT(last, 4 * kDeg) << "within the test's minimal detectable change (Youdas et al. 2007)";
    } else {
      // without the lean the muscles still give way at one strength (a fold); the tissue
      // stops the pelvis near the end of the normal passive adduction range (27.0 +/- 3.6 deg,
      // AAOS via Kosmahl 1999), not at 60 deg as with the ligaments alone
      EXPECT_LT(last, 31 * kDeg);
    }
  }
}

namespace {

// The smallest strength of the weakened plant muscles that holds the pelvis at
// obliquity theta statically (effort <= 1), by bisection.
double strength_that_holds(const PelvisPlant& plant, double theta) {
  double lo = 0.0, hi = 1.0;
  for (int it = 0; it < 30; ++it) {
    PelvisSimulationOptions o;
    o.abductor_strength = 0.5 * (lo + hi);
    (static_equilibrium(plant, o, theta, 0.0).feasible ? hi : lo) = o.abductor_strength;
  }
  return hi;
}

}  // namespace

// Why the pelvis without the lean folds: the pelvis, swing leg and trunk are an
// inverted pendulum over the stance hip. Once the abductors are fully active, the
// gravity moment grows by about 2 N m per degree of drop while the passive tissue
// adds under 0.1 N m per degree below 10 deg and the abductors' capacity falls
// (shorter moment arms in adduction): the strength that holds the pelvis rises as
// it drops, so below the strength that holds it level there is no nearby
// equilibrium. The fold of the simulation lies where that static limit is crossed at
// the feedback's offset drop (about 1 deg), not elsewhere: it is statics, not the
// controller.
TEST(Trendelenburg, FoldIsWhereTheAbductorsCannotHoldTheLevelPelvis) {
  const Model& m = test_models::default_male();
  Data data(m);
  const PelvisPlant plant = build_pelvis_plant(m, data);
  PelvisSimulationOptions o;
  double last = 0.0;
  for (int k = 0; k <= 10; k += 2) {
    const double th = k * kDeg, s = strength_that_holds(plant, th);
    const StaticEquilibrium e = static_equilibrium(plant, o, th, 0.0);
    std::printf("drop %2d deg: strength that holds it %.3f; gravity %.1f N m, passive tissue %.2f N m, abductors %.1f N m "
                "(effort %.3f at full strength)\n", k, s, e.gravity_moment, e.passive_moment, e.muscle_moment, e.effort);
    if (k > 0) {
      EXPECT_GT(s, last) << "a dropped pelvis needs stronger abductors (fold) at " << k << " deg";
    }
    last = s;
  }
  const StaticEquilibrium e0 = static_equilibrium(plant, o, 0.0, 0.0), e5 = static_equilibrium(plant, o, 5 * kDeg, 0.0);
  const double gravity_slope = (e5.gravity_moment - e0.gravity_moment) / 5.0;  // N m per deg
  const double tissue_slope = -(e5.passive_moment - e0.passive_moment) / 5.0;
  EXPECT_GT(gravity_slope, 10 * tissue_slope);
  const double s0 = strength_that_holds(plant, 0.0);
  EXPECT_LT(steady_drop(plant, s0 + 0.08, false), 3 * kDeg) << "held a little above the static limit";
  EXPECT_GT(steady_drop(plant, s0 - 0.03, false), 20 * kDeg) << "falls to the tissue a little below it";
}

// A superior gluteal nerve block weakens gluteus medius, minimus and TFL and spares
// the hip's other abductors (in gait2392 at the stance posture: gluteus maximus 1-2,
// piriformis, rectus femoris, sartorius, a quarter of the isometric abduction
// capacity). The default plant leaves those out, so its strength axis is the blocked
// muscles' and its pelvis is held by three quarters of the hip's capacity. With them
// in the plant (PelvisPlantOptions::other_abductors) the full-strength stance uses
// about 45% of the capacity (docs/validation.md) and, without a lean, the pelvis
// stays level down to roughly half the measured abduction strength: Kendall et al.
// 2013 (Clin J Sport Med 23:45-51, 9 men) saw no change of drop after blocks that
// took 52% of the measured strength.
TEST(Trendelenburg, SparedAbductorsHoldTheLevelPelvisToAboutHalfTheMeasuredStrength) {
  const Model& m = test_models::default_male();
  Data data(m);
  const PelvisPlant plant = build_pelvis_plant(m, data);
  PelvisPlantOptions po;
  po.other_abductors = true;
  const PelvisPlant spared = build_pelvis_plant(m, data, po);
  ASSERT_GT(spared.n_muscles(), plant.n_muscles());
  double weak = 0.0, other = 0.0;  // isometric abduction capacity at the level pelvis (N m)
  for (int i = 0; i < spared.n_muscles(); ++i) {
    EXPECT_EQ(spared.weakened[i], i < plant.n_muscles()) << spared.muscle_names[i];
    double L, r;
    spared.muscle_geometry(i, 0.0, L, r);
    const double c = -r * (rigid_tendon_state(spared.muscle_parameters[i], HillParameters{}, 1.0, L, 0.0).tendon_force -
                           rigid_tendon_state(spared.muscle_parameters[i], HillParameters{}, 0.0, L, 0.0).tendon_force);
    (spared.weakened[i] ? weak : other) += std::max(c, 0.0);
  }
  EXPECT_GT(other / (weak + other), 0.15);
  EXPECT_LT(other / (weak + other), 0.35);
  const auto measured = [&](double s) { return (s * weak + other) / (weak + other); };
  PelvisSimulationOptions o;
  const double effort = static_equilibrium(spared, o, 0.0, 0.0).effort;
  EXPECT_GT(effort, 0.35);
  EXPECT_LT(effort, 0.55);
  EXPECT_LT(std::abs(steady_drop(spared, 1.0, false)), 0.01 * kDeg);  // full strength: level, as before
  const double s_spared = strength_that_holds(spared, 0.0), s_plant = strength_that_holds(plant, 0.0);
  std::printf("capacity at the level pelvis: blocked muscles %.1f N m, spared %.1f N m; full-strength effort %.3f; "
              "level pelvis held down to blocked-muscle strength %.3f (measured %.2f), default plant %.3f (measured %.2f)\n",
              weak, other, effort, s_spared, measured(s_spared), s_plant, measured(s_plant));
  EXPECT_LT(measured(s_spared), 0.52);  // held statically where the blocks of Kendall et al. left 48%
  EXPECT_GT(measured(s_plant), 0.65);
  for (const double s : {1.0, 0.8, 0.6, 0.5, 0.45, 0.4, 0.35, 0.3, 0.2}) {
    const double with = steady_drop(spared, s, false), without = steady_drop(plant, s, false);
    std::printf("blocked-muscle strength %.2f (measured %.2f): steady drop without lean %6.2f deg, default plant %6.2f deg\n",
                s, measured(s), with / kDeg, without / kDeg);
    if (s >= 0.45) {
      EXPECT_LT(with, 4 * kDeg) << s;  // within the minimal detectable change (Youdas et al. 2007)
    }
  }
}
