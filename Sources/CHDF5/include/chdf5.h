#ifndef CHDF5_H
#define CHDF5_H
// Thin wrappers over libhdf5. HDF5's type and property identifiers are C macros that expand to
// global variables, which Swift cannot import; these functions give Swift plain values instead.
// hdf5.h stays out of this header so Swift needs no extra include path. libhdf5 is not linked:
// wp_h5_load opens it with dlopen on first use (see loader.c).
// Identifiers are hid_t (int64_t) and sizes hsize_t (64-bit) in HDF5 1.10+.
// Every function returns a negative value (or -1 id) on failure; the message is then available
// from wp_h5_error_message. libhdf5 is not thread-safe: callers serialise all calls.
#include <stdint.h>
#include <stddef.h>

typedef int64_t wp_hid_t;

/// Loads libhdf5 (dlopen, once per process) and resolves its entry points. Returns 0, or -1 with
/// the reason (the sonames tried, a missing symbol, a version mismatch) in wp_h5_load_error.
int wp_h5_load(void);
const char *wp_h5_load_error(void);

/// The loaded library's version (loading it first); returns 0 on success.
int wp_h5_version(unsigned *major, unsigned *minor, unsigned *release);

/// Loads libhdf5 and turns off its automatic printing of error stacks to stderr (call once
/// before use; every other function assumes it succeeded).
int wp_h5_init(void);

/// Copies the most specific message of the current error stack into `buffer` and clears it.
void wp_h5_error_message(char *buffer, size_t capacity);

/// Frees memory returned by the shim.
void wp_h5_free(void *pointer);

// ---- files and objects
wp_hid_t wp_h5_open_read(const char *path);
/// Opens an in-memory file image read-only (libhdf5 copies the bytes into its core driver).
wp_hid_t wp_h5_open_image(const void *data, size_t length);
wp_hid_t wp_h5_create(const char *path);
/// Reserves `bytes` of disk space for a file created by `wp_h5_create`, without changing its
/// size (fallocate, FALLOC_FL_KEEP_SIZE). Returns 0, or -1 where that is not possible.
int wp_h5_reserve(wp_hid_t file, int64_t bytes);
int wp_h5_close_file(wp_hid_t file);
/// Opens a group, dataset or named type by path.
wp_hid_t wp_h5_open_object(wp_hid_t loc, const char *path);
int wp_h5_close_object(wp_hid_t object);

/// Object kinds passed to the visit callback.
enum { WP_H5_GROUP = 0, WP_H5_DATASET = 1, WP_H5_OTHER = 2 };
typedef int (*wp_h5_visit_fn)(const char *path, int kind, void *context);
/// Visits every object below `loc` once (creation order when tracked, else name order).
int wp_h5_visit(wp_hid_t loc, wp_h5_visit_fn callback, void *context);

typedef int (*wp_h5_name_fn)(const char *name, void *context);
/// Calls `callback` with the name of every attribute of `object`.
int wp_h5_attribute_names(wp_hid_t object, wp_h5_name_fn callback, void *context);
wp_hid_t wp_h5_open_attribute(wp_hid_t object, const char *name);
int wp_h5_close_attribute(wp_hid_t attribute);

// ---- reading (datasets and attributes alike: is_attribute selects H5A*/H5D*)
/// Type classes reported by wp_h5_describe.
enum {
    WP_H5_CLASS_INTEGER = 0, WP_H5_CLASS_FLOAT = 1, WP_H5_CLASS_STRING = 3, WP_H5_CLASS_OPAQUE = 5,
    WP_H5_CLASS_ENUM = 8, WP_H5_CLASS_OTHER = 99
};
/// Describes the element type and dataspace: class, size in bytes, signedness, whether the
/// enum is a FALSE/TRUE bool, whether a string is variable-length, rank and dims (at most 32).
int wp_h5_describe(wp_hid_t object, int is_attribute, int *type_class, size_t *size, int *is_signed,
                   int *is_bool_enum, int *is_variable_string, int *rank, uint64_t *dims);

/// Memory element types for wp_h5_read / wp_h5_write_dataset.
enum {
    WP_H5_INT8 = 1, WP_H5_UINT8, WP_H5_INT16, WP_H5_UINT16, WP_H5_INT32, WP_H5_UINT32, WP_H5_INT64,
    WP_H5_UINT64, WP_H5_FLOAT32, WP_H5_FLOAT64, WP_H5_FLOAT16, WP_H5_BOOL, WP_H5_BFLOAT16
};
/// Reads all elements converted to `memory_type` (little-endian host layout) into `buffer`.
int wp_h5_read(wp_hid_t object, int is_attribute, int memory_type, void *buffer);

/// Where a dataset's elements lie in the file exactly as `memory_type` lays them out in memory:
/// contiguous, unfiltered, stored type equal to the memory type, no user block. Returns 1 with
/// the file offset and stored length, 0 when the values must be read through libhdf5 (also when
/// libhdf5 cannot tell).
/// (The offset is the file's claim: a reader bounds-checks it against the file it maps.)
int wp_h5_raw_location(wp_hid_t file, wp_hid_t dataset, int memory_type, uint64_t *offset, uint64_t *length);

/// Reads a string dataset or attribute (fixed or variable length, any rank). On success
/// `*strings` holds `*count` NUL-terminated strings back to back (free with wp_h5_free).
int wp_h5_read_strings(wp_hid_t object, int is_attribute, char **strings, size_t *total, size_t *count);

// ---- writing
/// Creates `path` and any missing groups above it (no-op for groups that exist).
int wp_h5_ensure_group(wp_hid_t file, const char *path);
/// Creates the dataset `path` (missing groups created) holding `data` in C order; chunked,
/// shuffled and deflated when `compress` is non-zero. Returns the open dataset.
///
/// With `placed` non-NULL, an uncompressed dataset whose stored type is the memory type itself
/// is only placed: its space is allocated at once and never filled, nothing is written, and
/// `*placed` receives its file offset; the caller writes the bytes there after closing the file.
/// Otherwise the data is written now and `*placed` is UINT64_MAX.
wp_hid_t wp_h5_write_dataset(wp_hid_t file, const char *path, int memory_type, int rank,
                             const uint64_t *dims, const void *data, int compress, uint64_t *placed);
/// Attributes on any object (an existing attribute of that name is replaced).
int wp_h5_write_string_attribute(wp_hid_t object, const char *name, const char *utf8);
int wp_h5_write_strings_attribute(wp_hid_t object, const char *name, const char *const *utf8, size_t count);
int wp_h5_write_int_attribute(wp_hid_t object, const char *name, int64_t value);
int wp_h5_write_double_attribute(wp_hid_t object, const char *name, double value);
#endif
