// Writing side of the libhdf5 shim (see chdf5.h): FORMATS.md §7.1–7.2 recipes for libhdf5 1.10.
#define _GNU_SOURCE  // fallocate
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include "chdf5.h"
#include "internal.h"

/// float16 as h5py writes it: IEEE half (sign 15, exponent 10..14, mantissa 0..9, bias 15).
/// libhdf5 1.10 has no predefined H5T_IEEE_F16LE, so it is built from a float32 copy.
static hid_t float16_type(void) {
    hid_t t = H5Tcopy(H5T_IEEE_F32LE);
    if (t < 0) return -1;
    if (H5Tset_fields(t, 15, 10, 5, 0, 10) < 0 || H5Tset_size(t, 2) < 0 || H5Tset_ebias(t, 15) < 0) {
        H5Tclose(t);
        return -1;
    }
    return t;
}

/// bool as h5py writes it: an enum over int8 with FALSE = 0 and TRUE = 1.
static hid_t bool_type(void) {
    hid_t t = H5Tenum_create(H5T_NATIVE_INT8);
    if (t < 0) return -1;
    int8_t no = 0, yes = 1;
    if (H5Tenum_insert(t, "FALSE", &no) < 0 || H5Tenum_insert(t, "TRUE", &yes) < 0) { H5Tclose(t); return -1; }
    return t;
}

hid_t wp_h5_memory_type(int code, int *owned) {
    *owned = 0;
    switch (code) {
    case WP_H5_INT8: return H5T_NATIVE_INT8;
    case WP_H5_UINT8: return H5T_NATIVE_UINT8;
    case WP_H5_INT16: return H5T_NATIVE_INT16;
    case WP_H5_UINT16: return H5T_NATIVE_UINT16;
    case WP_H5_INT32: return H5T_NATIVE_INT32;
    case WP_H5_UINT32: return H5T_NATIVE_UINT32;
    case WP_H5_INT64: return H5T_NATIVE_INT64;
    case WP_H5_UINT64: return H5T_NATIVE_UINT64;
    case WP_H5_FLOAT32: return H5T_NATIVE_FLOAT;
    case WP_H5_FLOAT64: return H5T_NATIVE_DOUBLE;
    case WP_H5_FLOAT16: *owned = 1; return float16_type();
    case WP_H5_BOOL: *owned = 1; return bool_type();
    case WP_H5_BFLOAT16: *owned = 1; return H5Tcreate(H5T_OPAQUE, 2);
    default:
        snprintf(wp_h5_shim_error, sizeof wp_h5_shim_error, "unknown element type code %d", code);
        return -1;
    }
}

/// Little-endian file types, so files written on any host look like h5py's.
static hid_t file_type(int code, int *owned) {
    *owned = 0;
    switch (code) {
    case WP_H5_INT8: return H5T_STD_I8LE;
    case WP_H5_UINT8: return H5T_STD_U8LE;
    case WP_H5_INT16: return H5T_STD_I16LE;
    case WP_H5_UINT16: return H5T_STD_U16LE;
    case WP_H5_INT32: return H5T_STD_I32LE;
    case WP_H5_UINT32: return H5T_STD_U32LE;
    case WP_H5_INT64: return H5T_STD_I64LE;
    case WP_H5_UINT64: return H5T_STD_U64LE;
    case WP_H5_FLOAT32: return H5T_IEEE_F32LE;
    case WP_H5_FLOAT64: return H5T_IEEE_F64LE;
    default: return wp_h5_memory_type(code, owned);
    }
}

wp_hid_t wp_h5_create(const char *path) { return H5Fcreate(path, H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT); }

int wp_h5_reserve(wp_hid_t file, int64_t bytes) {
#if defined(__linux__)
    // Only the default (sec2) driver's handle is a pointer to a file descriptor; HDF5_DRIVER
    // may select another.
    hid_t access = H5Fget_access_plist(file);
    if (access < 0) return -1;
    int sec2 = H5Pget_driver(access) == H5FD_SEC2;
    H5Pclose(access);
    void *handle = NULL;
    if (!sec2 || H5Fget_vfd_handle(file, H5P_DEFAULT, &handle) < 0 || handle == NULL) return -1;
    return fallocate(*(int *)handle, FALLOC_FL_KEEP_SIZE, 0, (off_t)bytes);
#else
    (void)file; (void)bytes;
    return -1;
#endif
}

int wp_h5_ensure_group(wp_hid_t file, const char *path) {
    size_t n = strlen(path);
    char *prefix = malloc(n + 1);
    if (prefix == NULL) return -1;
    int status = 0;
    for (size_t i = 1; i <= n && status == 0; i++) {
        if (i < n && path[i] != '/') continue;
        memcpy(prefix, path, i);
        prefix[i] = 0;
        if (i > 0 && prefix[i - 1] == '/') continue;
        htri_t exists = H5Lexists(file, prefix, H5P_DEFAULT);
        if (exists < 0) { status = -1; break; }
        if (exists) continue;
        hid_t group = H5Gcreate2(file, prefix, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
        if (group < 0) status = -1; else H5Gclose(group);
    }
    free(prefix);
    return status;
}

/// Chunks of whole trailing rows, at most ~1 MiB, as h5py's guess does in spirit.
static void choose_chunks(int rank, const hsize_t *dims, size_t element, hsize_t *chunks) {
    hsize_t bytes = element;
    for (int i = 0; i < rank; i++) { chunks[i] = dims[i]; bytes *= dims[i]; }
    for (int i = 0; i < rank && bytes > (1u << 20); i++) {
        while (chunks[i] > 1 && bytes > (1u << 20)) {
            bytes = bytes / chunks[i] * ((chunks[i] + 1) / 2);
            chunks[i] = (chunks[i] + 1) / 2;
        }
    }
}

static hid_t creation_plist(int rank, const hsize_t *dims, size_t element, int compress) {
    hid_t dcpl = H5Pcreate(H5P_DATASET_CREATE);
    if (dcpl < 0) return -1;
    hsize_t count = 1;
    for (int i = 0; i < rank; i++) count *= dims[i];
    if (!compress || rank == 0 || count == 0) return dcpl;  // chunking needs rank >= 1 and data
    hsize_t chunks[32];
    choose_chunks(rank, dims, element, chunks);
    if (H5Pset_chunk(dcpl, rank, chunks) < 0 || H5Pset_shuffle(dcpl) < 0 || H5Pset_deflate(dcpl, 4) < 0) {
        H5Pclose(dcpl);
        return -1;
    }
    return dcpl;
}

/// Allocated at creation and never filled: libhdf5 then writes none of the dataset's bytes, and
/// the caller can write them in 1 MiB pieces. Handed a whole tensor, libhdf5 makes one pwrite per
/// dataset, and writes of tens of MB into the page cache stall here (see AtomicFileWriter).
static int place_only(hid_t dcpl, hid_t memory, hid_t stored) {
    return H5Tequal(memory, stored) > 0 && H5Pset_alloc_time(dcpl, H5D_ALLOC_TIME_EARLY) >= 0
        && H5Pset_fill_time(dcpl, H5D_FILL_TIME_NEVER) >= 0;
}

wp_hid_t wp_h5_write_dataset(wp_hid_t file, const char *path, int memory_type, int rank,
                             const uint64_t *dims, const void *data, int compress, uint64_t *placed) {
    if (placed) *placed = UINT64_MAX;
    if (rank < 0 || rank > 32) {
        snprintf(wp_h5_shim_error, sizeof wp_h5_shim_error, "rank %d (at most 32 supported)", rank);
        return -1;
    }
    hsize_t extent[32];
    for (int i = 0; i < rank; i++) extent[i] = dims[i];
    int owned_memory = 0, owned_file = 0;
    hid_t memory = wp_h5_memory_type(memory_type, &owned_memory);
    hid_t stored = file_type(memory_type, &owned_file);
    hid_t space = rank == 0 ? H5Screate(H5S_SCALAR) : H5Screate_simple(rank, extent, NULL);
    hid_t lcpl = H5Pcreate(H5P_LINK_CREATE);
    hid_t dcpl = memory < 0 ? -1 : creation_plist(rank, extent, H5Tget_size(memory), compress);
    hid_t dataset = -1;
    if (memory >= 0 && stored >= 0 && space >= 0 && lcpl >= 0 && dcpl >= 0
        && H5Pset_create_intermediate_group(lcpl, 1) >= 0) {
        int placing = placed != NULL && !compress && place_only(dcpl, memory, stored);
        dataset = H5Dcreate2(file, path, stored, space, lcpl, dcpl, H5P_DEFAULT);
        // Files this shim creates have no user block, so addresses are file offsets.
        haddr_t address = placing && dataset >= 0 ? H5Dget_offset(dataset) : HADDR_UNDEF;
        if (placing && dataset >= 0 && address == HADDR_UNDEF) H5Eclear2(H5E_DEFAULT);
        if (address != HADDR_UNDEF) {
            *placed = (uint64_t)address;
        } else if (dataset >= 0 && H5Dwrite(dataset, memory, H5S_ALL, H5S_ALL, H5P_DEFAULT, data) < 0) {
            H5Dclose(dataset);
            dataset = -1;
        }
    }
    if (dcpl >= 0) H5Pclose(dcpl);
    if (lcpl >= 0) H5Pclose(lcpl);
    if (space >= 0) H5Sclose(space);
    if (owned_memory && memory >= 0) H5Tclose(memory);
    if (owned_file && stored >= 0) H5Tclose(stored);
    return dataset;
}

static int replace_attribute(hid_t object, const char *name) {
    htri_t exists = H5Aexists(object, name);
    if (exists < 0) return -1;
    return exists ? (H5Adelete(object, name) < 0 ? -1 : 0) : 0;
}

static int write_attribute(hid_t object, const char *name, hid_t type, hid_t space, const void *data) {
    if (type < 0 || space < 0 || replace_attribute(object, name) < 0) return -1;
    hid_t attribute = H5Acreate2(object, name, type, space, H5P_DEFAULT, H5P_DEFAULT);
    if (attribute < 0) return -1;
    int status = H5Awrite(attribute, type, data) < 0 ? -1 : 0;
    H5Aclose(attribute);
    return status;
}

static hid_t utf8_string_type(void) {
    hid_t t = H5Tcopy(H5T_C_S1);
    if (t < 0) return -1;
    if (H5Tset_size(t, H5T_VARIABLE) < 0 || H5Tset_cset(t, H5T_CSET_UTF8) < 0) { H5Tclose(t); return -1; }
    return t;
}

int wp_h5_write_string_attribute(wp_hid_t object, const char *name, const char *utf8) {
    hid_t type = utf8_string_type();
    hid_t space = H5Screate(H5S_SCALAR);
    int status = write_attribute(object, name, type, space, &utf8);
    if (type >= 0) H5Tclose(type);
    if (space >= 0) H5Sclose(space);
    return status;
}

int wp_h5_write_strings_attribute(wp_hid_t object, const char *name, const char *const *utf8, size_t count) {
    hid_t type = utf8_string_type();
    hsize_t n = count;
    hid_t space = H5Screate_simple(1, &n, NULL);
    int status = write_attribute(object, name, type, space, utf8);
    if (type >= 0) H5Tclose(type);
    if (space >= 0) H5Sclose(space);
    return status;
}

int wp_h5_write_int_attribute(wp_hid_t object, const char *name, int64_t value) {
    hid_t space = H5Screate(H5S_SCALAR);
    int status = write_attribute(object, name, H5T_NATIVE_INT64, space, &value);
    if (space >= 0) H5Sclose(space);
    return status;
}

int wp_h5_write_double_attribute(wp_hid_t object, const char *name, double value) {
    hid_t space = H5Screate(H5S_SCALAR);
    int status = write_attribute(object, name, H5T_NATIVE_DOUBLE, space, &value);
    if (space >= 0) H5Sclose(space);
    return status;
}
