// HDF5 results files, written through the HDF5 C library (part of biomech::io).
//
// A ResultsWriter builds one file: groups, attributes, float64 / int64 datasets
// (1-D and 2-D, row-major), string datasets, column tables and appendable
// datasets for sweeps. Every dataset carries a `units` attribute (a string;
// "1" for dimensionless numbers, "text" for strings; a 2-D dataset whose
// columns differ may carry one unit per column). Datasets are chunked and,
// with `compression` > 0, gzip-compressed.
//
// Damage is detectable: every dataset carries a Fletcher-32 checksum per chunk,
// the file uses the HDF5 1.10 format (checksummed superblock, object headers,
// chunk indexes and heaps), and strings are fixed-length UTF-8 (in checksummed
// chunks and object headers, not in the unchecksummed global heap). Text must
// not contain NUL characters.
//
// Writes are atomic: the writer works on a temporary file in the target's
// directory (".<name>.tmp-<pid>-<n>"); commit() flushes, closes and fsyncs it,
// then renames it over the target (and fsyncs the directory). A process that
// dies before commit() leaves the previous complete file, or none: never a
// broken one (a stale temporary file may remain beside it; stale_temporaries()
// lists them). Destroying a writer without commit() removes the temporary file.
//
// The file layout biomech uses (root attributes, /model, /subject, /muscles,
// /simulations, /comparison, /sweep) is documented in docs/results_file.md.
// All HDF5 calls of the process made through this file are serialised by one
// mutex (the Debian HDF5 library is not built thread-safe), so writers may be
// used from several threads; one writer must not be used by two at once.
#pragma once
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "biomech/model.hpp"
#include "biomech/subject.hpp"

namespace biomech {

// Format name and version written as the root attributes `format` and `format_version`.
inline constexpr const char* kResultsFormat = "biomech-results";
// 2: checksums (Fletcher-32 data, 1.10 metadata), fixed-length strings; 1: neither.
inline constexpr int kResultsFormatVersion = 2;

struct DatasetOptions {
  int compression = 0;      // gzip level 0 (none) .. 9
  std::int64_t chunk_rows = 0;  // rows per chunk; 0 = automatic (about 256 KiB per chunk)
};

// Provenance written as root attributes by write_provenance().
struct Provenance {
  std::string package_version;   // empty = this library's version
  std::string git_commit;        // empty = unknown (attribute written as "unknown")
  std::string created_utc;       // ISO 8601; empty = now
  std::string options;           // the options that produced the file (JSON or YAML text)
  std::string producer = "biomech";  // program or function that wrote the file
};

// One column of a table (a group holding one 1-D dataset per column).
struct TableColumn {
  std::string name;
  std::string units = "1";
  enum class Kind { float64, int64, text } kind = Kind::float64;
  std::vector<double> f;
  std::vector<std::int64_t> i;
  std::vector<std::string> s;
  std::size_t size() const;
};

class ResultsWriter {
 public:
  // Starts a new file that will replace `path` on commit(). The directory must
  // exist. Throws FileError when the temporary file cannot be created.
  explicit ResultsWriter(const std::string& path, DatasetOptions defaults = {});
  ~ResultsWriter();
  ResultsWriter(const ResultsWriter&) = delete;
  ResultsWriter& operator=(const ResultsWriter&) = delete;

  const std::string& path() const { return path_; }
  const std::string& temporary_path() const { return tmp_path_; }
  bool committed() const { return committed_; }

  // Creates a group and any missing parents ("/a/b/c"); no-op when it exists.
  void create_group(const std::string& group);
  bool exists(const std::string& object) const;

  // Attributes on a group or dataset (created when missing, replaced when present).
  void set_attribute(const std::string& object, const std::string& name, const std::string& value);
  void set_attribute(const std::string& object, const std::string& name, const char* value);
  void set_attribute(const std::string& object, const std::string& name, double value);
  void set_attribute(const std::string& object, const std::string& name, std::int64_t value);
  void set_attribute(const std::string& object, const std::string& name, const std::vector<double>& value);
  void set_attribute(const std::string& object, const std::string& name, const std::vector<std::string>& value);

  // Datasets (parent groups are created). `data` is row-major; a 1-D dataset
  // has cols == 0. `units` must not be empty. Throws InvalidArgument for an
  // existing name, empty units or a null pointer with a non-zero size.
  void write(const std::string& dataset, const double* data, std::size_t rows, std::size_t cols,
             const std::string& units, const DatasetOptions* options = nullptr);
  void write(const std::string& dataset, const std::vector<double>& data, const std::string& units,
             const DatasetOptions* options = nullptr);
  void write(const std::string& dataset, const std::int64_t* data, std::size_t rows, std::size_t cols,
             const std::string& units, const DatasetOptions* options = nullptr);
  // 1-D variable-length UTF-8 strings (units "text").
  void write_strings(const std::string& dataset, const std::vector<std::string>& values,
                     const DatasetOptions* options = nullptr);
  // Per-column units of a 2-D dataset: written as the `units` attribute (an array of strings).
  void set_column_units(const std::string& dataset, const std::vector<std::string>& units);

  // A table: group `group` with attributes kind="table", columns=[names in
  // order], n_rows, and one 1-D dataset per column.
  void write_table(const std::string& group, const std::vector<TableColumn>& columns,
                   const DatasetOptions* options = nullptr);

  // Appendable datasets (unlimited first dimension), for sweeps: 1-D when cols == 0.
  // kind float64 or int64 (text is not appendable).
  void create_appendable(const std::string& dataset, std::size_t cols, const std::string& units,
                         const DatasetOptions* options = nullptr, bool int64 = false);
  void append(const std::string& dataset, const double* data, std::size_t rows);
  void append(const std::string& dataset, const std::int64_t* data, std::size_t rows);
  // Current number of rows of a dataset.
  std::size_t rows(const std::string& dataset) const;

  // Root attributes format, format_version, package_version, git_commit, created_utc, options, producer.
  void write_provenance(const Provenance& p);

  // Flushes the temporary file to the OS (not the rename).
  void flush();
  // Flush, close, fsync, rename over path(). Nothing else may be called afterwards.
  void commit();
  // Closes and deletes the temporary file (also what the destructor does before commit).
  void abort() noexcept;

 private:
  void require_open() const;
  void write_numeric(const std::string& dataset, const void* data, bool int64, std::size_t rows,
                     std::size_t cols, const std::string& units, const DatasetOptions* options);
  void append_numeric(const std::string& dataset, const void* data, bool int64, std::size_t rows);
  std::string path_, tmp_path_;
  DatasetOptions defaults_;
  std::int64_t file_ = -1;  // hid_t
  bool committed_ = false;
};

// The model parameters (/model: name, source, licence, coordinates with ranges,
// bodies with masses) and the muscle table (/muscles: name, side, group,
// segment, max_isometric_force N, optimal_fiber_length m, tendon_slack_length m,
// pennation_angle deg) of `model`, and its subject (/subject), as laid out in
// docs/results_file.md.
void write_model(ResultsWriter& w, const Model& model, const std::string& group = "/model");
void write_muscle_table(ResultsWriter& w, const Model& model, const std::string& group = "/muscles");
void write_subject(ResultsWriter& w, const Subject& subject, const std::string& group = "/subject");

// ISO 8601 UTC time now, e.g. "2024-05-01T12:00:00Z".
std::string utc_now_iso8601();

// Temporary files a killed writer may have left beside `path` (".<name>.tmp-*").
std::vector<std::string> stale_temporaries(const std::string& path);

}  // namespace biomech
