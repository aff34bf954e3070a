// Field tables (fields.hpp): checks, by-name access, nesting and choices on a small struct.
#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "biomech/errors.hpp"
#include "biomech/fields.hpp"
#include "biomech/seesaw.hpp"

using namespace biomech;

namespace {

struct Inner {
  double stiffness = 100.0;  // N/m
  static constexpr auto fields() {
    return std::tuple{field("stiffness_n_per_m", &Inner::stiffness, units::n_per_m, 0, 1000, "a stiffness")};
  }
};

struct Toy {
  char side = 'r';
  double angle = 0.1;        // rad
  int count = 3;
  bool on = false;
  std::optional<double> length;  // m
  Inner inner;
  static constexpr auto fields() {
    using S = Toy;
    return std::tuple{field("side", &S::side, units::none, "a side"),
                      field("angle_deg", &S::angle, units::deg, -30, 30, "an angle"),
                      field("count", &S::count, units::one, 1, 10, "a count"),
                      field("on", &S::on, units::none, "a flag"),
                      field("length_m", &S::length, units::m, 0, 2, "an optional length"),
                      field("inner", &S::inner, units::none, "nested")};
  }
};

}  // namespace

TEST(Fields, NestedTablesAreFlattened) {
  const auto infos = field_infos<Toy>();
  ASSERT_EQ(infos.size(), 6u);
  EXPECT_EQ(infos.back().name, "stiffness_n_per_m");
  EXPECT_EQ(infos[0].kind, FieldKind::choice);
  EXPECT_EQ(infos[2].kind, FieldKind::integer);
  EXPECT_TRUE(infos[4].optional);
  EXPECT_EQ(numeric_fields<Toy>().size(), 5u);  // angle, count, on, length, stiffness
}

TEST(Fields, PublicValuesAreConvertedToSi) {
  Toy t;
  ASSERT_TRUE(set_field(t, "angle_deg", 20.0, "toy"));
  EXPECT_NEAR(t.angle, 20.0 * M_PI / 180.0, 1e-15);
  EXPECT_NEAR(get_field(t, "angle_deg"), 20.0, 1e-12);
  ASSERT_TRUE(set_field(t, "stiffness_n_per_m", 250.0, "toy"));
  EXPECT_EQ(t.inner.stiffness, 250.0);
  EXPECT_TRUE(std::isnan(get_field(t, "length_m")));  // empty optional
  ASSERT_TRUE(set_field(t, "length_m", 0.5, "toy"));
  EXPECT_EQ(*t.length, 0.5);
  EXPECT_FALSE(set_field(t, "no_such_field", 1.0, "toy"));
  EXPECT_THROW(get_field(t, "side"), InvalidArgument);  // a choice is not a number
}

TEST(Fields, NumericValuesAreGetFieldOfEachNumericFieldInOrder) {
  Toy t;
  t.angle = 0.25;
  t.count = 7;
  t.on = true;
  t.inner.stiffness = 321.0;
  const auto numeric = numeric_fields<Toy>();
  std::vector<double> out(numeric.size() + 1, -1.0);
  ASSERT_EQ(numeric_values(t, out.data()), static_cast<int>(numeric.size()));
  for (size_t k = 0; k < numeric.size(); ++k) {
    if (std::isnan(out[k])) {
      EXPECT_TRUE(std::isnan(get_field(t, numeric[k].name))) << numeric[k].name;  // the empty optional
    } else {
      EXPECT_EQ(out[k], get_field(t, numeric[k].name)) << numeric[k].name;
    }
  }
  EXPECT_EQ(out.back(), -1.0);  // nothing written past the count
  EXPECT_NEAR(out[0], 0.25 * 180.0 / M_PI, 1e-12);  // public units: degrees
}

TEST(Fields, BoundsAreCheckedWithTheNameRangeAndValue) {
  Toy t;
  try {
    set_field(t, "angle_deg", 45.0, "toy");
    FAIL() << "45 deg is out of bounds";
  } catch (const InvalidArgument& e) {
    EXPECT_STREQ(e.what(), "toy: expected angle_deg in [-30, 30] deg, got 45");
  }
  EXPECT_THROW(set_field(t, "count", 2.5, "toy"), InvalidArgument);   // not an integer
  EXPECT_THROW(set_field(t, "on", 0.5, "toy"), InvalidArgument);      // a flag is 0 or 1
  EXPECT_THROW(set_field(t, "stiffness_n_per_m", std::nan(""), "toy"), InvalidArgument);
  t.angle = 1.0;  // rad: 57 deg, set directly
  EXPECT_THROW(check_fields(t, "toy"), InvalidArgument);
  t.angle = 0.0;
  t.side = 'x';
  EXPECT_THROW(check_fields(t, "toy"), InvalidArgument);
  t.side = 'l';
  EXPECT_NO_THROW(check_fields(t, "toy"));
}

TEST(Fields, OneParserPerChoice) {
  char side = 'r';
  EXPECT_TRUE(parse_choice("left", side));
  EXPECT_EQ(side, 'l');
  EXPECT_TRUE(parse_choice("R", side));
  EXPECT_EQ(side, 'r');
  EXPECT_FALSE(parse_choice("middle", side));
  Sex sex = Sex::male;
  EXPECT_TRUE(parse_choice("female", sex));
  EXPECT_EQ(sex, Sex::female);
}

TEST(Fields, StanceOptionsRejectWhatTheTableBounds) {
  // The algorithms check their options through the table: a load outside [0, 100] kg is refused
  // before any work, naming the field.
  StanceOptions o;
  o.hand_load_contralateral_kg = -5.0;
  try {
    check_fields(o, "single_leg_stance");
    FAIL() << "a negative load passed";
  } catch (const InvalidArgument& e) {
    EXPECT_NE(std::string(e.what()).find("hand_load_contralateral_kg in [0, 100] kg"), std::string::npos);
  }
}
