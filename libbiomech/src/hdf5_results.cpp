// HDF5 results writer (see hdf5_results.hpp and docs/results_file.md).
#include "biomech/hdf5_results.hpp"

#include <fcntl.h>
#include <hdf5.h>
#include <libdeflate.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <memory>
#include <mutex>
#include <utility>

#include "biomech/errors.hpp"
#include "biomech/version.hpp"

namespace biomech {

namespace {

namespace fs = std::filesystem;

// The HDF5 library of a Debian system is serial: every call goes through this lock.
std::recursive_mutex& h5_mutex() {
  static std::recursive_mutex m;
  return m;
}

void quiet_hdf5() {
  // errors become exceptions with our own message; HDF5's stack printout is turned off once
  static std::once_flag once;
  std::call_once(once, [] {
    H5open();
    H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr);
  });
}

// The innermost HDF5 error message, if any.
std::string h5_error_message() {
  std::string msg;
  H5Ewalk2(
      H5E_DEFAULT, H5E_WALK_DOWNWARD,
      [](unsigned n, const H5E_error2_t* e, void* data) -> herr_t {
        if (n == 0 && e->desc) *static_cast<std::string*>(data) = e->desc;
        return 0;
      },
      &msg);
  H5Eclear2(H5E_DEFAULT);
  return msg;
}

// Owns an hid_t and closes it with the right function.
class Handle {
 public:
  using Closer = herr_t (*)(hid_t);
  Handle() = default;
  Handle(hid_t id, Closer c) : id_(id), close_(c) {}
  Handle(const Handle&) = delete;
  Handle& operator=(const Handle&) = delete;
  Handle(Handle&& o) noexcept : id_(o.id_), close_(o.close_) { o.id_ = -1; }
  ~Handle() {
    if (id_ >= 0 && close_) close_(id_);
  }
  hid_t get() const { return id_; }
  operator hid_t() const { return id_; }

 private:
  hid_t id_ = -1;
  Closer close_ = nullptr;
};

[[noreturn]] void fail(const std::string& file, const std::string& object, const std::string& what) {
  std::string detail = h5_error_message();
  throw FileError(file, 0, object, what + (detail.empty() ? "" : " (HDF5: " + detail + ")"));
}

hid_t check_id(hid_t id, const std::string& file, const std::string& object, const std::string& what) {
  if (id < 0) fail(file, object, what);
  return id;
}

void check(herr_t status, const std::string& file, const std::string& object, const std::string& what) {
  if (status < 0) fail(file, object, what);
}

// An existing dataset `d` of `file` and its extent (rank 1: dims[1] = 0); FileError when there is none.
struct OpenDataset {
  Handle ds, space;
  hsize_t dims[2] = {0, 0};
  int rank = 0;
  OpenDataset(hid_t file, const std::string& path, const std::string& d)
      : ds(check_id(H5Dopen2(file, d.c_str(), H5P_DEFAULT), path, d, "no such dataset"), H5Dclose),
        space(H5Dget_space(ds), H5Sclose),
        rank(H5Sget_simple_extent_dims(space, dims, nullptr)) {}
};

// ---- whole chunks of an appendable dataset, filtered here
// A sweep appends whole chunks, and gzip is most of what writing them costs. Such a chunk is run
// through the dataset's own filters here (shuffle, deflate, Fletcher-32) and stored as it is
// (H5Dwrite_chunk); libdeflate writes the same zlib stream as HDF5's zlib filter about twice as
// fast (shuffled sweep columns, level 4: 124 against 66 MB/s). HDF5 will not let a predefined
// filter be replaced, hence this. Anything else goes through HDF5's pipeline; the file is the same.

// HDF5's Fletcher-32 of the filtered bytes: 16-bit big-endian words, the sums folded every 360 words.
std::uint32_t fletcher32(const unsigned char* data, std::size_t n) {
  std::uint32_t sum1 = 0, sum2 = 0;
  for (std::size_t words = n / 2; words > 0;) {
    std::size_t t = std::min<std::size_t>(words, 360);
    words -= t;
    for (; t > 0; --t, data += 2) {
      sum1 += (static_cast<std::uint32_t>(data[0]) << 8) | data[1];
      sum2 += sum1;
    }
    sum1 = (sum1 & 0xffff) + (sum1 >> 16);
    sum2 = (sum2 & 0xffff) + (sum2 >> 16);
  }
  if (n % 2) {
    sum1 += static_cast<std::uint32_t>(*data) << 8;
    sum2 += sum1;
    sum1 = (sum1 & 0xffff) + (sum1 >> 16);
    sum2 = (sum2 & 0xffff) + (sum2 >> 16);
  }
  sum1 = (sum1 & 0xffff) + (sum1 >> 16);
  sum2 = (sum2 & 0xffff) + (sum2 >> 16);
  return (sum2 << 16) | sum1;
}

// Rows per chunk and gzip level of a dataset whose filters are this writer's (shuffle of 8-byte
// values, deflate, Fletcher-32, in that order) and whose chunks span whole rows; chunk_rows 0 otherwise.
struct Deflated {
  hsize_t chunk_rows = 0;
  int level = 0;
};

Deflated deflated(hid_t ds, int rank, hsize_t cols) {
  const Handle dcpl(H5Dget_create_plist(ds), H5Pclose);
  hsize_t chunk[2] = {0, 0};
  if (dcpl < 0 || H5Pget_layout(dcpl) != H5D_CHUNKED || H5Pget_nfilters(dcpl) != 3 ||
      H5Pget_chunk(dcpl, rank, chunk) != rank || (rank == 2 && chunk[1] != cols))
    return {};
  const H5Z_filter_t order[3] = {H5Z_FILTER_SHUFFLE, H5Z_FILTER_DEFLATE, H5Z_FILTER_FLETCHER32};
  int level = -1;
  for (unsigned i = 0; i < 3; ++i) {
    unsigned flags = 0, values[4] = {0, 0, 0, 0};
    std::size_t n = 4;
    if (H5Pget_filter2(dcpl, i, &flags, &n, values, 0, nullptr, nullptr) != order[i]) return {};
    if (order[i] == H5Z_FILTER_SHUFFLE && (n < 1 || values[0] != 8)) return {};  // write_deflated_chunks' width
    if (order[i] == H5Z_FILTER_DEFLATE) level = n > 0 ? static_cast<int>(values[0]) : -1;
  }
  if (level < 1 || level > 9) return {};
  return {chunk[0], level};
}

// Writes `rows` rows of 8-byte values (row-major, `cols` per row) from row `start`, a multiple of
// the chunk size, chunk by chunk; a last partial chunk is padded with zeros, HDF5's fill value.
void write_deflated_chunks(hid_t ds, const Deflated& d, hsize_t start, hsize_t rows, hsize_t cols,
                           const unsigned char* data, const std::string& path, const std::string& name) {
  thread_local int level = -1;
  thread_local std::unique_ptr<libdeflate_compressor, void (*)(libdeflate_compressor*)> compressor(
      nullptr, libdeflate_free_compressor);
  if (level != d.level) {
    compressor.reset(libdeflate_alloc_compressor(d.level));
    if (!compressor) throw std::bad_alloc();
    level = d.level;
  }
  const std::size_t values = d.chunk_rows * cols, bytes = values * 8, row_bytes = cols * 8;
  std::vector<unsigned char> raw(bytes), shuffled(bytes), out(bytes + 4);
  for (hsize_t r = 0; r < rows; r += d.chunk_rows) {
    const std::size_t used = std::min<hsize_t>(d.chunk_rows, rows - r) * row_bytes;
    std::memcpy(raw.data(), data + r * row_bytes, used);
    std::memset(raw.data() + used, 0, bytes - used);
    for (std::size_t v = 0; v < values; ++v)  // shuffle: byte b of value v goes to b * values + v
      for (std::size_t b = 0; b < 8; ++b) shuffled[b * values + v] = raw[v * 8 + b];
    std::size_t size = libdeflate_zlib_compress(compressor.get(), shuffled.data(), bytes, out.data(), bytes);
    unsigned skipped = 0;  // like HDF5's filter, deflate is skipped when the chunk would not shrink
    if (size == 0) {
      std::memcpy(out.data(), shuffled.data(), bytes);
      size = bytes;
      skipped = 1u << 1;  // filter 1 of the pipeline
    }
    const std::uint32_t sum = fletcher32(out.data(), size);
    for (int i = 0; i < 4; ++i) out[size + i] = static_cast<unsigned char>(sum >> (8 * i));  // little-endian
    const hsize_t offset[2] = {start + r, 0};
    check(H5Dwrite_chunk(ds, H5P_DEFAULT, skipped, offset, size + 4, out.data()), path, name, "cannot append rows");
  }
}

// Strings are stored fixed-length (UTF-8, NUL-padded to the longest value) so
// that they live inside checksummed objects: a string dataset's chunks carry a
// Fletcher-32 checksum and a string attribute sits in its object header, which
// the file format checksums. (Variable-length strings would live in the global
// heap, which has no checksum.)
struct FixedStrings {
  std::vector<char> bytes;  // n * size, NUL-padded
  std::size_t size = 1;     // bytes per string, >= 1 (HDF5 has no zero-size strings)
};

FixedStrings fixed_strings(const std::vector<std::string>& values, const std::string& where) {
  FixedStrings out;
  for (const auto& v : values) {
    if (v.find('\0') != std::string::npos)
      throw InvalidArgument("expected text without NUL characters for '" + where + "', got one");
    out.size = std::max(out.size, v.size());
  }
  out.bytes.assign(std::max<std::size_t>(values.size(), 1) * out.size, '\0');
  for (std::size_t i = 0; i < values.size(); ++i) std::copy(values[i].begin(), values[i].end(), out.bytes.begin() + i * out.size);
  return out;
}

hid_t fixed_string_type(std::size_t size) {
  hid_t t = H5Tcopy(H5T_C_S1);
  H5Tset_size(t, size);
  H5Tset_strpad(t, H5T_STR_NULLPAD);
  H5Tset_cset(t, H5T_CSET_UTF8);
  return t;
}

std::string parent_of(const std::string& path) {
  const auto pos = path.find_last_of('/');
  if (pos == std::string::npos || pos == 0) return "/";
  return path.substr(0, pos);
}

std::string normalise(const std::string& path) {
  if (path.empty()) throw InvalidArgument("expected a non-empty HDF5 object path, got an empty string");
  std::string p = path.front() == '/' ? path : "/" + path;
  while (p.size() > 1 && p.back() == '/') p.pop_back();
  if (p.find("//") != std::string::npos)
    throw InvalidArgument("expected an HDF5 object path without empty components, got '" + path + "'");
  return p;
}

std::atomic<unsigned> g_counter{0};

void fsync_path(const std::string& p, bool directory) {
  const int fd = ::open(p.c_str(), directory ? O_RDONLY | O_DIRECTORY : O_RDONLY);
  if (fd < 0) return;  // best effort: the rename is what makes the write atomic
  ::fsync(fd);
  ::close(fd);
}

}  // namespace

std::size_t TableColumn::size() const {
  switch (kind) {
    case Kind::float64: return f.size();
    case Kind::int64: return i.size();
    case Kind::text: return s.size();
  }
  return 0;
}

ResultsWriter::ResultsWriter(const std::string& path, DatasetOptions defaults) : path_(path), defaults_(defaults) {
  if (path.empty()) throw InvalidArgument("expected a results file path, got an empty string");
  if (defaults.compression < 0 || defaults.compression > 9)
    throw InvalidArgument("expected compression 0..9, got " + std::to_string(defaults.compression));
  if (defaults.chunk_rows < 0)
    throw InvalidArgument("expected chunk_rows >= 0, got " + std::to_string(defaults.chunk_rows));
  const fs::path target = fs::absolute(fs::path(path));
  const fs::path dir = target.parent_path();
  if (!fs::is_directory(dir)) throw FileError(path, 0, "path", "directory " + dir.string() + " does not exist");
  if (fs::is_directory(target)) throw FileError(path, 0, "path", "is a directory");
  tmp_path_ = (dir / ("." + target.filename().string() + ".tmp-" + std::to_string(::getpid()) + "-" +
                      std::to_string(g_counter.fetch_add(1))))
                  .string();
  std::lock_guard lock(h5_mutex());
  quiet_hdf5();
  // The 1.10 file format checksums all metadata (superblock, object headers,
  // chunk indexes, heaps of groups and attributes); data carry Fletcher-32.
  Handle fapl(H5Pcreate(H5P_FILE_ACCESS), H5Pclose);
  H5Pset_libver_bounds(fapl, H5F_LIBVER_V110, H5F_LIBVER_LATEST);
  file_ = H5Fcreate(tmp_path_.c_str(), H5F_ACC_EXCL, H5P_DEFAULT, fapl);
  if (file_ < 0) fail(path, "path", "cannot create temporary file " + tmp_path_);
}

ResultsWriter::~ResultsWriter() {
  if (!committed_) abort();
}

void ResultsWriter::require_open() const {
  if (file_ < 0)
    throw InvalidArgument("expected an open results writer, got one already " +
                          std::string(committed_ ? "committed" : "closed") + " (" + path_ + ")");
}

bool ResultsWriter::exists(const std::string& object) const {
  std::lock_guard lock(h5_mutex());
  require_open();
  const std::string p = normalise(object);
  if (p == "/") return true;
  // H5Lexists needs every parent to exist: walk down the path
  std::size_t pos = 0;
  while (true) {
    pos = p.find('/', pos + 1);
    const std::string prefix = p.substr(0, pos);
    if (H5Lexists(file_, prefix.c_str(), H5P_DEFAULT) <= 0) return false;
    if (pos == std::string::npos) return true;
  }
}

void ResultsWriter::create_group(const std::string& group) {
  std::lock_guard lock(h5_mutex());
  require_open();
  const std::string g = normalise(group);
  if (exists(g)) {
    H5O_info_t info;
    check(H5Oget_info_by_name(file_, g.c_str(), &info, H5P_DEFAULT), path_, g, "cannot inspect");
    if (info.type != H5O_TYPE_GROUP) throw InvalidArgument("expected '" + g + "' to be a group, got a dataset");
    return;
  }
  Handle lcpl(H5Pcreate(H5P_LINK_CREATE), H5Pclose);
  H5Pset_create_intermediate_group(lcpl, 1);
  Handle id(check_id(H5Gcreate2(file_, g.c_str(), lcpl, H5P_DEFAULT, H5P_DEFAULT), path_, g, "cannot create group"),
            H5Gclose);
}

namespace {

// Creates (replacing) attribute `name` on `object` with the given type and space, writes `buf`.
void put_attribute(hid_t file, const std::string& fname, const std::string& object, const std::string& name,
                   hid_t type, hid_t space, const void* buf) {
  const std::string o = normalise(object);
  if (H5Aexists_by_name(file, o.c_str(), name.c_str(), H5P_DEFAULT) > 0)
    check(H5Adelete_by_name(file, o.c_str(), name.c_str(), H5P_DEFAULT), fname, o + "@" + name,
          "cannot replace attribute");
  Handle a(check_id(H5Acreate_by_name(file, o.c_str(), name.c_str(), type, space, H5P_DEFAULT, H5P_DEFAULT,
                                      H5P_DEFAULT),
                    fname, o + "@" + name, "cannot create attribute"),
           H5Aclose);
  check(H5Awrite(a, type, buf), fname, o + "@" + name, "cannot write attribute");
}

}  // namespace

void ResultsWriter::set_attribute(const std::string& object, const std::string& name, const std::string& value) {
  std::lock_guard lock(h5_mutex());
  require_open();
  const FixedStrings text = fixed_strings({value}, object + "@" + name);
  Handle t(fixed_string_type(text.size), H5Tclose);
  Handle s(H5Screate(H5S_SCALAR), H5Sclose);
  put_attribute(file_, path_, object, name, t, s, text.bytes.data());
}

void ResultsWriter::set_attribute(const std::string& object, const std::string& name, const char* value) {
  set_attribute(object, name, std::string(value ? value : ""));
}

void ResultsWriter::set_attribute(const std::string& object, const std::string& name, double value) {
  std::lock_guard lock(h5_mutex());
  require_open();
  Handle s(H5Screate(H5S_SCALAR), H5Sclose);
  put_attribute(file_, path_, object, name, H5T_NATIVE_DOUBLE, s, &value);
}

void ResultsWriter::set_attribute(const std::string& object, const std::string& name, std::int64_t value) {
  std::lock_guard lock(h5_mutex());
  require_open();
  Handle s(H5Screate(H5S_SCALAR), H5Sclose);
  put_attribute(file_, path_, object, name, H5T_NATIVE_INT64, s, &value);
}

void ResultsWriter::set_attribute(const std::string& object, const std::string& name,
                                  const std::vector<double>& value) {
  std::lock_guard lock(h5_mutex());
  require_open();
  const hsize_t n = value.size();
  Handle s(H5Screate_simple(1, &n, nullptr), H5Sclose);
  const double none = 0.0;  // HDF5 wants a buffer even for no values
  put_attribute(file_, path_, object, name, H5T_NATIVE_DOUBLE, s, value.empty() ? &none : value.data());
}

void ResultsWriter::set_attribute(const std::string& object, const std::string& name,
                                  const std::vector<std::string>& value) {
  std::lock_guard lock(h5_mutex());
  require_open();
  const FixedStrings text = fixed_strings(value, object + "@" + name);
  const hsize_t n = value.size();
  Handle t(fixed_string_type(text.size), H5Tclose);
  Handle s(H5Screate_simple(1, &n, nullptr), H5Sclose);
  put_attribute(file_, path_, object, name, t, s, text.bytes.data());
}

namespace {

// Chunked, optionally compressed creation properties for a dataset of `dims`
// (first dimension unlimited). About 256 KiB per chunk unless chunk_rows is set.
// Every chunk carries a Fletcher-32 checksum, applied last so that a reader
// checks it before decompressing.
Handle dataset_properties(int rank, const hsize_t* dims, std::size_t elem_size, const DatasetOptions& o) {
  Handle dcpl(H5Pcreate(H5P_DATASET_CREATE), H5Pclose);
  hsize_t chunk[2] = {1, 1};
  const hsize_t cols = rank == 2 ? std::max<hsize_t>(dims[1], 1) : 1;
  hsize_t rows = o.chunk_rows > 0 ? static_cast<hsize_t>(o.chunk_rows)
                                   : std::max<hsize_t>(1, (256 * 1024) / (elem_size * cols));
  if (o.chunk_rows == 0 && dims[0] > 0) rows = std::min<hsize_t>(rows, dims[0]);
  chunk[0] = std::max<hsize_t>(rows, 1);
  if (rank == 2) chunk[1] = cols;
  H5Pset_chunk(dcpl, rank, chunk);
  if (o.compression > 0) {
    H5Pset_shuffle(dcpl);
    H5Pset_deflate(dcpl, static_cast<unsigned>(o.compression));
  }
  H5Pset_fletcher32(dcpl);
  return dcpl;
}

}  // namespace

void ResultsWriter::write_numeric(const std::string& dataset, const void* data, bool int64, std::size_t rows,
                                  std::size_t cols, const std::string& units, const DatasetOptions* options) {
  std::lock_guard lock(h5_mutex());
  require_open();
  const std::string d = normalise(dataset);
  if (units.empty()) throw InvalidArgument("expected a units string for dataset '" + d + "', got an empty one");
  if (!data && rows * std::max<std::size_t>(cols, 1) > 0)
    throw InvalidArgument("expected data for dataset '" + d + "', got a null pointer");
  if (exists(d)) throw InvalidArgument("expected a new dataset name, got '" + d + "' which exists");
  const DatasetOptions& o = options ? *options : defaults_;
  if (o.compression < 0 || o.compression > 9)
    throw InvalidArgument("expected compression 0..9, got " + std::to_string(o.compression));
  create_group(parent_of(d));
  const int rank = cols == 0 ? 1 : 2;
  const hsize_t dims[2] = {rows, cols};
  const hsize_t maxdims[2] = {H5S_UNLIMITED, cols};
  Handle space(H5Screate_simple(rank, dims, maxdims), H5Sclose);
  Handle dcpl = dataset_properties(rank, dims, 8, o);
  const hid_t type = int64 ? H5T_NATIVE_INT64 : H5T_NATIVE_DOUBLE;
  const hid_t ftype = int64 ? H5T_STD_I64LE : H5T_IEEE_F64LE;
  Handle ds(check_id(H5Dcreate2(file_, d.c_str(), ftype, space, H5P_DEFAULT, dcpl, H5P_DEFAULT), path_, d,
                     "cannot create dataset"),
            H5Dclose);
  if (rows > 0 && (rank == 1 || cols > 0))
    check(H5Dwrite(ds, type, H5S_ALL, H5S_ALL, H5P_DEFAULT, data), path_, d, "cannot write dataset");
  set_attribute(d, "units", units);
}

void ResultsWriter::write(const std::string& dataset, const double* data, std::size_t rows, std::size_t cols,
                          const std::string& units, const DatasetOptions* options) {
  write_numeric(dataset, data, false, rows, cols, units, options);
}

void ResultsWriter::write(const std::string& dataset, const std::vector<double>& data, const std::string& units,
                          const DatasetOptions* options) {
  write_numeric(dataset, data.data(), false, data.size(), 0, units, options);
}

void ResultsWriter::write(const std::string& dataset, const std::int64_t* data, std::size_t rows, std::size_t cols,
                          const std::string& units, const DatasetOptions* options) {
  write_numeric(dataset, data, true, rows, cols, units, options);
}

void ResultsWriter::write_strings(const std::string& dataset, const std::vector<std::string>& values,
                                  const DatasetOptions* options) {
  std::lock_guard lock(h5_mutex());
  require_open();
  const std::string d = normalise(dataset);
  if (exists(d)) throw InvalidArgument("expected a new dataset name, got '" + d + "' which exists");
  const DatasetOptions& o = options ? *options : defaults_;
  create_group(parent_of(d));
  const FixedStrings text = fixed_strings(values, d);
  const hsize_t dims[1] = {values.size()};
  const hsize_t maxdims[1] = {H5S_UNLIMITED};
  Handle space(H5Screate_simple(1, dims, maxdims), H5Sclose);
  Handle dcpl = dataset_properties(1, dims, text.size, o);
  Handle t(fixed_string_type(text.size), H5Tclose);
  Handle ds(check_id(H5Dcreate2(file_, d.c_str(), t, space, H5P_DEFAULT, dcpl, H5P_DEFAULT), path_, d,
                     "cannot create dataset"),
            H5Dclose);
  if (!values.empty())
    check(H5Dwrite(ds, t, H5S_ALL, H5S_ALL, H5P_DEFAULT, text.bytes.data()), path_, d, "cannot write dataset");
  set_attribute(d, "units", "text");
}

void ResultsWriter::set_column_units(const std::string& dataset, const std::vector<std::string>& units) {
  std::lock_guard lock(h5_mutex());
  require_open();
  const std::string d = normalise(dataset);
  const OpenDataset ds(file_, path_, d);
  const hsize_t* dims = ds.dims;
  const int rank = ds.rank;
  if (rank != 2 || dims[1] != units.size())
    throw InvalidArgument("expected one unit per column of '" + d + "' (" + std::to_string(rank == 2 ? dims[1] : 0) +
                          "), got " + std::to_string(units.size()));
  for (const auto& u : units)
    if (u.empty()) throw InvalidArgument("expected non-empty units for every column of '" + d + "', got an empty one");
  set_attribute(d, "units", units);
}

void ResultsWriter::write_table(const std::string& group, const std::vector<TableColumn>& columns,
                                const DatasetOptions* options) {
  std::lock_guard lock(h5_mutex());
  require_open();
  const std::string g = normalise(group);
  const std::size_t n = columns.empty() ? 0 : columns.front().size();
  std::vector<std::string> names;
  for (const auto& c : columns) {
    if (c.size() != n)
      throw InvalidArgument("expected every column of table '" + g + "' to have " + std::to_string(n) +
                            " rows, got " + std::to_string(c.size()) + " in '" + c.name + "'");
    if (c.name.empty() || c.name.find('/') != std::string::npos || c.name == ".")
      throw InvalidArgument("expected a column name without '/', got '" + c.name + "' in table '" + g + "'");
    names.push_back(c.name);
  }
  create_group(g);
  for (const auto& c : columns) {
    const std::string d = g + "/" + c.name;
    switch (c.kind) {
      case TableColumn::Kind::float64: write_numeric(d, c.f.data(), false, n, 0, c.units, options); break;
      case TableColumn::Kind::int64: write_numeric(d, c.i.data(), true, n, 0, c.units, options); break;
      case TableColumn::Kind::text: write_strings(d, c.s, options); break;
    }
  }
  set_attribute(g, "kind", "table");
  set_attribute(g, "columns", names);
  set_attribute(g, "n_rows", static_cast<std::int64_t>(n));
}

void ResultsWriter::create_appendable(const std::string& dataset, std::size_t cols, const std::string& units,
                                      const DatasetOptions* options, bool int64) {
  write_numeric(dataset, nullptr, int64, 0, cols, units, options);
}

void ResultsWriter::append_numeric(const std::string& dataset, const void* data, bool int64, std::size_t n) {
  std::lock_guard lock(h5_mutex());
  require_open();
  const std::string d = normalise(dataset);
  if (n == 0) return;
  if (!data) throw InvalidArgument("expected data to append to '" + d + "', got a null pointer");
  const OpenDataset open(file_, path_, d);
  const Handle& ds = open.ds;
  Handle ftype(H5Dget_type(ds), H5Tclose);
  const bool is_int = H5Tget_class(ftype) == H5T_INTEGER;
  if (is_int != int64)
    throw InvalidArgument("expected " + std::string(is_int ? "int64" : "float64") + " rows to append to '" + d +
                          "', got " + (int64 ? "int64" : "float64"));
  const hsize_t* dims = open.dims;
  const int rank = open.rank;
  const hsize_t start[2] = {dims[0], 0};
  const hsize_t count[2] = {n, rank == 2 ? dims[1] : 1};
  hsize_t newdims[2] = {dims[0] + n, dims[1]};
  check(H5Dset_extent(ds, newdims), path_, d, "cannot extend dataset (not appendable?)");
  if (const Deflated z = deflated(ds, rank, count[1]); z.chunk_rows > 0 && dims[0] % z.chunk_rows == 0) {
    write_deflated_chunks(ds, z, dims[0], n, count[1], static_cast<const unsigned char*>(data), path_, d);
    return;
  }
  Handle fspace(H5Dget_space(ds), H5Sclose);
  check(H5Sselect_hyperslab(fspace, H5S_SELECT_SET, start, nullptr, count, nullptr), path_, d, "cannot select rows");
  Handle mspace(H5Screate_simple(rank, count, nullptr), H5Sclose);
  check(H5Dwrite(ds, int64 ? H5T_NATIVE_INT64 : H5T_NATIVE_DOUBLE, mspace, fspace, H5P_DEFAULT, data), path_, d,
        "cannot append rows");
}

void ResultsWriter::append(const std::string& dataset, const double* data, std::size_t rows) {
  append_numeric(dataset, data, false, rows);
}

void ResultsWriter::append(const std::string& dataset, const std::int64_t* data, std::size_t rows) {
  append_numeric(dataset, data, true, rows);
}

std::size_t ResultsWriter::rows(const std::string& dataset) const {
  std::lock_guard lock(h5_mutex());
  require_open();
  return OpenDataset(file_, path_, normalise(dataset)).dims[0];
}

void ResultsWriter::write_provenance(const Provenance& p) {
  std::lock_guard lock(h5_mutex());
  require_open();
  set_attribute("/", "format", kResultsFormat);
  set_attribute("/", "format_version", static_cast<std::int64_t>(kResultsFormatVersion));
  set_attribute("/", "package_version", p.package_version.empty() ? std::string(version_string()) : p.package_version);
  set_attribute("/", "git_commit", p.git_commit.empty() ? std::string("unknown") : p.git_commit);
  set_attribute("/", "created_utc", p.created_utc.empty() ? utc_now_iso8601() : p.created_utc);
  set_attribute("/", "options", p.options.empty() ? std::string("{}") : p.options);
  set_attribute("/", "producer", p.producer);
}

void ResultsWriter::flush() {
  std::lock_guard lock(h5_mutex());
  require_open();
  check(H5Fflush(file_, H5F_SCOPE_GLOBAL), path_, "file", "cannot flush");
}

void ResultsWriter::commit() {
  std::lock_guard lock(h5_mutex());
  require_open();
  check(H5Fflush(file_, H5F_SCOPE_GLOBAL), path_, "file", "cannot flush");
  const herr_t closed = H5Fclose(file_);
  file_ = -1;
  if (closed < 0) {
    std::error_code ec;
    fs::remove(tmp_path_, ec);
    fail(path_, "file", "cannot close temporary file");
  }
  fsync_path(tmp_path_, false);
  std::error_code ec;
  fs::rename(tmp_path_, path_, ec);
  if (ec) {
    fs::remove(tmp_path_, ec);
    throw FileError(path_, 0, "path", "cannot rename the temporary file over the target: " + ec.message());
  }
  committed_ = true;
  fsync_path(fs::absolute(fs::path(path_)).parent_path().string(), true);
}

void ResultsWriter::abort() noexcept {
  std::lock_guard lock(h5_mutex());
  if (file_ >= 0) {
    H5Fclose(file_);
    file_ = -1;
  }
  if (!committed_ && !tmp_path_.empty()) {
    std::error_code ec;
    fs::remove(tmp_path_, ec);
  }
}

std::string utc_now_iso8601() {
  const std::time_t t = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now());
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

std::vector<std::string> stale_temporaries(const std::string& path) {
  const fs::path target = fs::absolute(fs::path(path));
  const std::string prefix = "." + target.filename().string() + ".tmp-";
  std::vector<std::string> out;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(target.parent_path(), ec))
    if (e.path().filename().string().rfind(prefix, 0) == 0) out.push_back(e.path().string());
  return out;
}

// ---- model, muscles, subject

namespace {
// An empty table column (the aggregate's data vectors left to their defaults).
TableColumn column(std::string name, std::string units, TableColumn::Kind kind = TableColumn::Kind::float64) {
  TableColumn c;
  c.name = std::move(name);
  c.units = std::move(units);
  c.kind = kind;
  return c;
}
}  // namespace

void write_model(ResultsWriter& w, const Model& model, const std::string& group) {
  w.create_group(group);
  w.set_attribute(group, "name", model.name);
  w.set_attribute(group, "source", model.source);
  w.set_attribute(group, "license", model.license);
  w.set_attribute(group, "kind", "model");
  w.write(group + "/gravity", model.gravity.data(), 3, 0, "m/s^2");

  // coordinates of the posture vector (independent ones), ranges and defaults in degrees for rotations
  // units differ by row (deg for rotations, m for translations): the `unit` column says which
  const std::string per_row = "per row: see column 'unit'";
  TableColumn name = column("name", "text", TableColumn::Kind::text), rot = column("rotational", "1", TableColumn::Kind::int64),
      unit = column("unit", "text", TableColumn::Kind::text), lo = column("range_min", per_row), hi = column("range_max", per_row),
      def = column("default_value", per_row);
  for (int idx : model.independent) {
    const Coordinate& c = model.coordinates[idx];
    const double k = c.rotational ? 180.0 / M_PI : 1.0;
    name.s.push_back(c.name);
    rot.i.push_back(c.rotational ? 1 : 0);
    unit.s.push_back(c.rotational ? "deg" : "m");
    lo.f.push_back(c.range_min * k);
    hi.f.push_back(c.range_max * k);
    def.f.push_back(c.default_value * k);
  }
  w.write_table(group + "/coordinates", {name, rot, unit, lo, hi, def});

  TableColumn bname = column("name", "text", TableColumn::Kind::text), mass = column("mass", "kg");
  for (const auto& b : model.bodies) {
    bname.s.push_back(b.name);
    mass.f.push_back(b.mass);
  }
  std::vector<double> com;
  for (const auto& b : model.bodies) com.insert(com.end(), b.com.data(), b.com.data() + 3);
  w.write_table(group + "/bodies", {bname, mass});
  w.write(group + "/bodies/com", com.data(), model.bodies.size(), 3, "m");
  w.set_attribute(group + "/bodies/com", "frame", "body");
  w.write(group + "/total_mass", std::vector<double>{model.total_mass()}, "kg");
}

void write_muscle_table(ResultsWriter& w, const Model& model, const std::string& group) {
  TableColumn name = column("name", "text", TableColumn::Kind::text), side = column("side", "text", TableColumn::Kind::text),
      grp = column("group", "text", TableColumn::Kind::text), seg = column("segment", "text", TableColumn::Kind::text),
      fmax = column("max_isometric_force", "N"), lopt = column("optimal_fiber_length", "m"), lts = column("tendon_slack_length", "m"),
      pen = column("pennation_angle", "deg");
  for (const auto& m : model.muscles) {
    name.s.push_back(m.name);
    side.s.push_back(std::string(1, m.side));
    grp.s.push_back(m.group);
    seg.s.push_back(m.segment);
    fmax.f.push_back(m.max_isometric_force);
    lopt.f.push_back(m.optimal_fiber_length);
    lts.f.push_back(m.tendon_slack_length);
    pen.f.push_back(m.pennation_angle * 180.0 / M_PI);
  }
  w.write_table(group, {name, side, grp, seg, fmax, lopt, lts, pen});
}

void write_subject(ResultsWriter& w, const Subject& s, const std::string& group) {
  w.create_group(group);
  w.set_attribute(group, "kind", "subject");
  // every field of Subject::fields() by its public name; optional fields left to the
  // sex defaults are NaN
  visit_fields(s, [&](const FieldInfo& f, const auto& v) {
    using T = std::remove_cvref_t<decltype(v)>;
    const std::string name(f.name);
    if constexpr (std::is_same_v<T, double> || std::is_same_v<T, std::optional<double>>) {
      w.write(group + "/" + name, std::vector<double>{public_value(f, v)}, std::string(f.unit.name));
    } else if constexpr (std::is_same_v<T, std::string>) {
      w.set_attribute(group, name, v);
    } else if constexpr (Choice<T>) {
      w.set_attribute(group, name, std::string(choice_name(v)));
    } else {
      TableColumn key = column("key", "text", TableColumn::Kind::text), factor = column("factor", "1");
      for (const auto& [k, x] : v) {
        key.s.push_back(k);
        factor.f.push_back(x);
      }
      w.write_table(group + "/" + name, {key, factor});
    }
  });
}

}  // namespace biomech
