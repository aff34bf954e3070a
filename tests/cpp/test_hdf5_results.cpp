// HDF5 results writer: contents read back through the HDF5 C library, units on
// every dataset, atomic replacement, appending, compression, bad input.
#include <gtest/gtest.h>
#include <hdf5.h>

#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <random>
#include <thread>

#include "biomech/errors.hpp"
#include "biomech/hdf5_results.hpp"
#include "text_support.hpp"
#include "tiny_model.hpp"

namespace fs = std::filesystem;
using biomech::DatasetOptions;
using biomech::ResultsWriter;
using biomech::TableColumn;
using biomech::test_support::TempDir;

namespace {

std::vector<double> read_doubles(hid_t f, const std::string& name, std::vector<hsize_t>* shape = nullptr) {
  const hid_t d = H5Dopen2(f, name.c_str(), H5P_DEFAULT);
  EXPECT_GE(d, 0) << name;
  const hid_t s = H5Dget_space(d);
  hsize_t dims[2] = {0, 1};
  const int rank = H5Sget_simple_extent_dims(s, dims, nullptr);
  std::vector<double> v(dims[0] * (rank == 2 ? dims[1] : 1));
  if (!v.empty()) H5Dread(d, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, v.data());
  if (shape) shape->assign(dims, dims + rank);
  H5Sclose(s);
  H5Dclose(d);
  return v;
}

// Fixed-length strings (n of them, `size` bytes each, NUL-padded) as std::strings.
std::vector<std::string> split_fixed(const std::vector<char>& buf, std::size_t n, std::size_t size) {
  std::vector<std::string> out;
  for (std::size_t i = 0; i < n; ++i) {
    std::string v(buf.data() + i * size, size);
    v.erase(v.find_last_not_of('\0') + 1);
    out.push_back(v);
  }
  return out;
}

std::vector<std::string> read_strings(hid_t f, const std::string& name) {
  const hid_t d = H5Dopen2(f, name.c_str(), H5P_DEFAULT);
  const hid_t s = H5Dget_space(d);
  hsize_t n = 0;
  H5Sget_simple_extent_dims(s, &n, nullptr);
  const hid_t t = H5Dget_type(d);
  EXPECT_FALSE(H5Tis_variable_str(t)) << name << ": strings are stored fixed-length";
  const std::size_t size = H5Tget_size(t);
  std::vector<char> buf(n * size);
  if (n) H5Dread(d, t, H5S_ALL, H5S_ALL, H5P_DEFAULT, buf.data());
  H5Tclose(t);
  H5Sclose(s);
  H5Dclose(d);
  return split_fixed(buf, n, size);
}

std::string read_string_attr(hid_t f, const std::string& obj, const std::string& name) {
  const hid_t a = H5Aopen_by_name(f, obj.c_str(), name.c_str(), H5P_DEFAULT, H5P_DEFAULT);
  EXPECT_GE(a, 0) << obj << "@" << name;
  if (a < 0) return {};
  const hid_t t = H5Aget_type(a);
  EXPECT_FALSE(H5Tis_variable_str(t)) << obj << "@" << name << ": strings are stored fixed-length";
  const std::size_t size = H5Tget_size(t);
  std::vector<char> buf(size);
  H5Aread(a, t, buf.data());
  H5Tclose(t);
  H5Aclose(a);
  return split_fixed(buf, 1, size)[0];
}

// True when dataset `name` carries the Fletcher-32 checksum filter.
bool has_fletcher32(hid_t f, const std::string& name) {
  const hid_t d = H5Dopen2(f, name.c_str(), H5P_DEFAULT);
  const hid_t dcpl = H5Dget_create_plist(d);
  bool found = false;
  for (int i = 0; i < H5Pget_nfilters(dcpl); ++i) {
    unsigned flags = 0;
    size_t n = 0;
    if (H5Pget_filter2(dcpl, i, &flags, &n, nullptr, 0, nullptr, nullptr) == H5Z_FILTER_FLETCHER32) found = true;
  }
  H5Pclose(dcpl);
  H5Dclose(d);
  return found;
}

// Every dataset in the file, by H5Ovisit.
std::vector<std::string> all_datasets(hid_t f) {
  std::vector<std::string> out;
  H5Ovisit(
      f, H5_INDEX_NAME, H5_ITER_NATIVE,
      [](hid_t, const char* name, const H5O_info_t* info, void* data) -> herr_t {
        if (info->type == H5O_TYPE_DATASET) static_cast<std::vector<std::string>*>(data)->push_back(name);
        return 0;
      },
      &out);
  return out;
}

}  // namespace

TEST(Hdf5Results, WritesDatasetsTablesAttributesWithUnits) {
  const TempDir scratch("h5");
  const fs::path file = scratch.path("a.h5");
  {
    ResultsWriter w(file.string());
    w.write_provenance({"", "abc123", "", "{\"p\": 2}", "test"});
    const std::vector<double> m{1, 2, 3, 4, 5, 6};  // 2 x 3, row-major
    w.write("/sim/x/moments", m.data(), 2, 3, "N m");
    w.set_column_units("/sim/x/moments", {"N m", "N m", "N"});
    w.write("/sim/x/time", std::vector<double>{0.0, 0.5}, "s");
    w.write_strings("/sim/x/names", {"glut_med1_r", "tfl_r", "\xc3\xa9"});
    TableColumn a{"exercise", "text", TableColumn::Kind::text, {}, {}, {"clamshell", "side_plank"}};
    TableColumn b{"peak_gmed_pct_mvic", "%", TableColumn::Kind::float64, {40.5, 70.25}, {}, {}};
    TableColumn c{"reps", "1", TableColumn::Kind::int64, {}, {10, 12}, {}};
    w.write_table("/comparison", {a, b, c});
    w.set_attribute("/sim/x", "p", 2.0);
    w.set_attribute("/sim/x", "frames", std::int64_t{2});
    w.set_attribute("/sim/x", "lean", std::vector<double>{1.0, 2.0});
    EXPECT_TRUE(w.exists("/sim/x/moments"));
    EXPECT_FALSE(w.exists("/sim/y/moments"));
    EXPECT_TRUE(fs::exists(w.temporary_path()));
    EXPECT_FALSE(fs::exists(file));  // nothing at the target before commit
    w.commit();
    EXPECT_FALSE(fs::exists(w.temporary_path()));
  }
  ASSERT_TRUE(fs::exists(file));
  const hid_t f = H5Fopen(file.string().c_str(), H5F_ACC_RDONLY, H5P_DEFAULT);
  ASSERT_GE(f, 0);
  std::vector<hsize_t> shape;
  EXPECT_EQ(read_doubles(f, "/sim/x/moments", &shape), (std::vector<double>{1, 2, 3, 4, 5, 6}));
  EXPECT_EQ(shape, (std::vector<hsize_t>{2, 3}));
  EXPECT_EQ(read_strings(f, "/sim/x/names"), (std::vector<std::string>{"glut_med1_r", "tfl_r", "\xc3\xa9"}));
  EXPECT_EQ(read_strings(f, "/comparison/exercise"), (std::vector<std::string>{"clamshell", "side_plank"}));
  EXPECT_EQ(read_doubles(f, "/comparison/peak_gmed_pct_mvic"), (std::vector<double>{40.5, 70.25}));
  EXPECT_EQ(read_doubles(f, "/comparison/reps"), (std::vector<double>{10, 12}));
  EXPECT_EQ(read_string_attr(f, "/comparison", "kind"), "table");
  EXPECT_EQ(read_string_attr(f, "/", "format"), biomech::kResultsFormat);
  EXPECT_EQ(read_string_attr(f, "/", "git_commit"), "abc123");
  EXPECT_EQ(read_string_attr(f, "/", "options"), "{\"p\": 2}");
  EXPECT_EQ(read_string_attr(f, "/", "created_utc").size(), 20u);
  EXPECT_EQ(read_string_attr(f, "/comparison/peak_gmed_pct_mvic", "units"), "%");
  const auto datasets = all_datasets(f);
  EXPECT_EQ(datasets.size(), 6u);
  for (const auto& d : datasets) {
    EXPECT_GT(H5Aexists_by_name(f, d.c_str(), "units", H5P_DEFAULT), 0) << d;
    EXPECT_TRUE(has_fletcher32(f, d)) << d;
  }
  H5Fclose(f);
}

TEST(Hdf5Results, UncommittedWriterLeavesThePreviousFile) {
  const TempDir scratch("h5");
  const fs::path file = scratch.path("b.h5");
  {
    ResultsWriter w(file.string());
    w.write("/v", std::vector<double>{1.0}, "m");
    w.commit();
  }
  std::string tmp;
  {
    ResultsWriter w(file.string());
    tmp = w.temporary_path();
    w.write("/v", std::vector<double>{2.0}, "m");
    w.flush();
    // destroyed without commit: as if the program had failed half-way
  }
  EXPECT_FALSE(fs::exists(tmp));
  EXPECT_TRUE(biomech::stale_temporaries(file.string()).empty());
  const hid_t f = H5Fopen(file.string().c_str(), H5F_ACC_RDONLY, H5P_DEFAULT);
  ASSERT_GE(f, 0);
  EXPECT_EQ(read_doubles(f, "/v"), std::vector<double>{1.0});
  H5Fclose(f);
  // a committed rewrite replaces it
  {
    ResultsWriter w(file.string());
    w.write("/v", std::vector<double>{3.0}, "m");
    w.commit();
  }
  const hid_t g = H5Fopen(file.string().c_str(), H5F_ACC_RDONLY, H5P_DEFAULT);
  EXPECT_EQ(read_doubles(g, "/v"), std::vector<double>{3.0});
  H5Fclose(g);
}

TEST(Hdf5Results, AppendsChunksCompressed) {
  const TempDir scratch("h5");
  const fs::path file = scratch.path("c.h5");
  DatasetOptions o;
  o.compression = 4;
  o.chunk_rows = 100;
  ResultsWriter w(file.string(), o);
  w.create_appendable("/sweep/mass", 0, "kg");
  w.create_appendable("/sweep/block", 2, "N");
  w.create_appendable("/sweep/index", 0, "1", nullptr, true);
  std::vector<double> expect, block_expect;
  std::int64_t next = 0;
  for (int chunk = 0; chunk < 7; ++chunk) {
    std::vector<double> v, b;
    std::vector<std::int64_t> idx;
    for (int i = 0; i < 37 + chunk; ++i) {
      v.push_back(std::sin(0.1 * static_cast<double>(expect.size() + v.size())));
      b.push_back(v.back());
      b.push_back(-v.back());
      idx.push_back(next++);
    }
    w.append("/sweep/mass", v.data(), v.size());
    w.append("/sweep/block", b.data(), v.size());
    w.append("/sweep/index", idx.data(), idx.size());
    expect.insert(expect.end(), v.begin(), v.end());
    block_expect.insert(block_expect.end(), b.begin(), b.end());
  }
  EXPECT_EQ(w.rows("/sweep/mass"), expect.size());
  EXPECT_THROW(w.append("/sweep/index", expect.data(), 1), biomech::InvalidArgument);  // float into int64
  w.commit();
  const hid_t f = H5Fopen(file.string().c_str(), H5F_ACC_RDONLY, H5P_DEFAULT);
  EXPECT_EQ(read_doubles(f, "/sweep/mass"), expect);
  EXPECT_EQ(read_doubles(f, "/sweep/block"), block_expect);
  const auto idx = read_doubles(f, "/sweep/index");
  for (size_t i = 0; i < idx.size(); ++i) EXPECT_EQ(idx[i], static_cast<double>(i));
  const hid_t d = H5Dopen2(f, "/sweep/mass", H5P_DEFAULT);
  const hid_t dcpl = H5Dget_create_plist(d);
  EXPECT_EQ(H5Pget_layout(dcpl), H5D_CHUNKED);
  bool deflate = false;
  for (int i = 0; i < H5Pget_nfilters(dcpl); ++i) {
    unsigned flags = 0;
    size_t n = 0;
    if (H5Pget_filter2(dcpl, i, &flags, &n, nullptr, 0, nullptr, nullptr) == H5Z_FILTER_DEFLATE) deflate = true;
  }
  EXPECT_TRUE(deflate);
  H5Pclose(dcpl);
  H5Dclose(d);
  H5Fclose(f);
}

// Whole chunks of an appended dataset are shuffled, deflated and checksummed by the writer itself,
// not by HDF5's pipeline, which must read them back exactly: a repetitive column (deflate shrinks it),
// random bits (deflate is skipped, as HDF5's own filter would skip it), a 2-D block, a last partial
// chunk, and a row appended mid-chunk afterwards (HDF5 then decompresses and checks the writer's chunk).
TEST(Hdf5Results, WholeChunksFilteredByTheWriterReadBackThroughHdf5) {
  const TempDir scratch("h5");
  const fs::path file = scratch.path("w.h5");
  DatasetOptions o;
  o.compression = 4;
  o.chunk_rows = 64;
  const std::size_t rows = 64 * 5 + 17;
  std::vector<double> smooth, noise, block;
  std::mt19937_64 rng(7);
  for (std::size_t i = 0; i < rows; ++i) {
    smooth.push_back(static_cast<double>(i % 7));
    const std::uint64_t bits = rng();
    double x;
    std::memcpy(&x, &bits, sizeof x);
    noise.push_back(std::isfinite(x) ? x : 0.5);
    for (int c = 0; c < 3; ++c) block.push_back(c + 0.001 * static_cast<double>(i));
  }
  {
    ResultsWriter w(file.string(), o);
    w.create_appendable("/smooth", 0, "m");
    w.create_appendable("/noise", 0, "1");
    w.create_appendable("/block", 3, "N");
    for (const auto& [start, n] : {std::pair<std::size_t, std::size_t>{0, 192}, {192, rows - 192}}) {
      w.append("/smooth", smooth.data() + start, n);
      w.append("/noise", noise.data() + start, n);
      w.append("/block", block.data() + 3 * start, n);
    }
    const double last = 42.0;
    w.append("/smooth", &last, 1);
    smooth.push_back(last);
    w.commit();
  }
  const hid_t f = H5Fopen(file.string().c_str(), H5F_ACC_RDONLY, H5P_DEFAULT);
  std::vector<hsize_t> shape;
  EXPECT_EQ(read_doubles(f, "/smooth"), smooth);
  EXPECT_EQ(read_doubles(f, "/noise"), noise);
  EXPECT_EQ(read_doubles(f, "/block", &shape), block);
  EXPECT_EQ(shape, (std::vector<hsize_t>{rows, 3}));
  const auto stored = [&](const char* name) {
    const hid_t d = H5Dopen2(f, name, H5P_DEFAULT);
    const hsize_t size = H5Dget_storage_size(d);
    H5Dclose(d);
    return size;
  };
  EXPECT_LT(stored("/smooth"), smooth.size() * 8 / 4);  // deflated
  EXPECT_GE(stored("/noise"), 5 * (64 * 8 + 4));        // 5 whole chunks stored as they are, with checksums
  H5Fclose(f);
}

TEST(Hdf5Results, RejectsBadInput) {
  const TempDir scratch("h5");
  const fs::path file = scratch.path("d.h5");
  EXPECT_THROW(ResultsWriter((fs::path(scratch.path("no_such_dir")) / "x.h5").string()), biomech::FileError);
  EXPECT_THROW(ResultsWriter(""), biomech::InvalidArgument);
  DatasetOptions bad;
  bad.compression = 12;
  EXPECT_THROW(ResultsWriter(file.string(), bad), biomech::InvalidArgument);
  ResultsWriter w(file.string());
  EXPECT_THROW(w.write("/x", std::vector<double>{1.0}, ""), biomech::InvalidArgument);
  w.write("/x", std::vector<double>{1.0}, "m");
  EXPECT_THROW(w.write("/x", std::vector<double>{1.0}, "m"), biomech::InvalidArgument);
  EXPECT_THROW(w.create_group("/x"), biomech::InvalidArgument);
  EXPECT_THROW(w.append("/nope", std::vector<double>{1.0}.data(), 1), biomech::FileError);
  EXPECT_THROW(w.set_column_units("/x", {"m"}), biomech::InvalidArgument);  // 1-D
  TableColumn a{"a", "m", TableColumn::Kind::float64, {1.0, 2.0}, {}, {}};
  TableColumn b{"b", "m", TableColumn::Kind::float64, {1.0}, {}, {}};
  EXPECT_THROW(w.write_table("/t", {a, b}), biomech::InvalidArgument);
  EXPECT_THROW(w.write_strings("/s", {"a", std::string("b\0c", 3)}), biomech::InvalidArgument);  // NUL would be lost
  EXPECT_THROW(w.set_attribute("/x", "note", std::string("\0", 1)), biomech::InvalidArgument);
  w.commit();
  EXPECT_THROW(w.write("/y", std::vector<double>{1.0}, "m"), biomech::InvalidArgument);
}

// Empty lists and strings are stored (HDF5 needs a buffer even for no values).
TEST(Hdf5Results, EmptyValues) {
  const TempDir scratch("h5");
  const fs::path file = scratch.path("empty.h5");
  {
    ResultsWriter w(file.string());
    w.create_group("/g");
    w.set_attribute("/g", "keys", std::vector<std::string>{});
    w.set_attribute("/g", "values", std::vector<double>{});
    w.set_attribute("/g", "note", std::string());
    w.write_strings("/g/names", {});
    w.write_strings("/g/blank", {""});
    w.write_table("/t", {});
    w.commit();
  }
  const hid_t f = H5Fopen(file.string().c_str(), H5F_ACC_RDONLY, H5P_DEFAULT);
  ASSERT_GE(f, 0);
  EXPECT_EQ(read_string_attr(f, "/g", "note"), "");
  EXPECT_TRUE(read_strings(f, "/g/names").empty());
  EXPECT_EQ(read_strings(f, "/g/blank"), std::vector<std::string>{""});
  H5Fclose(f);
}

// A flipped bit in a dataset's data is caught by its checksum when read.
TEST(Hdf5Results, ChecksumCatchesAFlippedDataBit) {
  const TempDir scratch("h5");
  const fs::path file = scratch.path("flip.h5");
  std::vector<double> v(1000);
  for (std::size_t i = 0; i < v.size(); ++i) v[i] = 0.25 + static_cast<double>(i);  // a recognisable pattern
  {
    ResultsWriter w(file.string());
    w.write("/v", v, "m");
    w.commit();
  }
  // find the stored bytes of v[500] and flip one bit of its mantissa
  std::string bytes;
  {
    std::ifstream in(file, std::ios::binary);
    bytes.assign(std::istreambuf_iterator<char>(in), {});
  }
  const double x = v[500];
  const std::string needle(reinterpret_cast<const char*>(&x), sizeof x);
  const auto pos = bytes.find(needle);
  ASSERT_NE(pos, std::string::npos);
  bytes[pos] ^= 0x01;
  {
    std::ofstream out(file, std::ios::binary | std::ios::trunc);
    out << bytes;
  }
  H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr);
  const hid_t f = H5Fopen(file.string().c_str(), H5F_ACC_RDONLY, H5P_DEFAULT);
  ASSERT_GE(f, 0);
  const hid_t d = H5Dopen2(f, "/v", H5P_DEFAULT);
  std::vector<double> back(v.size());
  EXPECT_LT(H5Dread(d, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, back.data()), 0);
  H5Dclose(d);
  H5Fclose(f);
}

TEST(Hdf5Results, ModelMusclesAndSubject) {
  const TempDir scratch("h5");
  biomech::Model m = biomech::test_models::tiny_model();
  m.finalize();
  biomech::Subject s;
  s.mass = 61.5;
  s.sex = biomech::Sex::female;
  s.neck_shaft_angle = 130.0 * M_PI / 180.0;
  s.strength_scale["gluteus_medius"] = 0.5;
  const fs::path file = scratch.path("e.h5");
  ResultsWriter w(file.string());
  biomech::write_model(w, m);
  biomech::write_muscle_table(w, m);
  biomech::write_subject(w, s);
  w.commit();
  const hid_t f = H5Fopen(file.string().c_str(), H5F_ACC_RDONLY, H5P_DEFAULT);
  EXPECT_EQ(read_strings(f, "/muscles/name"), m.muscle_names());
  const auto fmax = read_doubles(f, "/muscles/max_isometric_force");
  for (int i = 0; i < m.n_muscles(); ++i) EXPECT_EQ(fmax[i], m.muscles[i].max_isometric_force);
  EXPECT_EQ(read_strings(f, "/model/coordinates/name"), m.coordinate_names());
  EXPECT_NEAR(read_doubles(f, "/model/total_mass")[0], m.total_mass(), 1e-12);
  EXPECT_EQ(read_doubles(f, "/subject/mass_kg")[0], 61.5);
  EXPECT_NEAR(read_doubles(f, "/subject/neck_shaft_angle_deg")[0], 130.0, 1e-12);
  EXPECT_TRUE(std::isnan(read_doubles(f, "/subject/pelvis_width_m")[0]));
  EXPECT_EQ(read_string_attr(f, "/subject", "sex"), "female");
  EXPECT_EQ(read_doubles(f, "/subject/strength_scale/factor"), std::vector<double>{0.5});
  for (const auto& d : all_datasets(f)) {
    EXPECT_GT(H5Aexists_by_name(f, d.c_str(), "units", H5P_DEFAULT), 0) << d;
    EXPECT_TRUE(has_fletcher32(f, d)) << d;
  }
  H5Fclose(f);
}

TEST(Hdf5Results, WritersInSeveralThreads) {
  const TempDir scratch("h5");
  const fs::path dir = scratch.path("");
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t)
    threads.emplace_back([&dir, t] {
      ResultsWriter w((dir / ("t" + std::to_string(t) + ".h5")).string());
      w.create_appendable("/v", 0, "1");
      for (int k = 0; k < 50; ++k) {
        const double x = t * 1000 + k;
        w.append("/v", &x, 1);
      }
      w.commit();
    });
  for (auto& th : threads) th.join();
  for (int t = 0; t < 4; ++t) {
    const hid_t f = H5Fopen((dir / ("t" + std::to_string(t) + ".h5")).string().c_str(), H5F_ACC_RDONLY, H5P_DEFAULT);
    const auto v = read_doubles(f, "/v");
    ASSERT_EQ(v.size(), 50u);
    for (int k = 0; k < 50; ++k) EXPECT_EQ(v[k], t * 1000 + k);
    H5Fclose(f);
  }
}
