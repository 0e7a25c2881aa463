// libhdf5's entry points, resolved with dlsym when HDF5 is first used (loader.c), so that the
// weightport binary has no DT_NEEDED on libhdf5 and its ~30-library dependency chain: commands
// that never touch HDF5 do not pay for loading it. hdf5.h is still included for the types and
// prototypes; each H5* name the shim uses is redirected to the loaded pointer (api_redirect.h).
#ifndef CHDF5_API_H
#define CHDF5_API_H
#if __has_include(<hdf5.h>)
#include <hdf5.h>
#else
// Debian keeps the serial headers in a folder of their own; their own includes are relative.
#include <hdf5/serial/hdf5.h>
#endif

#define WP_H5_FUNCTIONS(X) \
    X(H5Dget_create_plist) \
    X(H5Dget_offset) \
    X(H5Dget_storage_size) \
    X(H5Fget_create_plist) \
    X(H5Pget_layout) \
    X(H5Pget_nfilters) \
    X(H5Pget_userblock) \
    X(H5Tequal) \
    X(H5Aclose) \
    X(H5Acreate2) \
    X(H5Adelete) \
    X(H5Aexists) \
    X(H5Aget_space) \
    X(H5Aget_type) \
    X(H5Aiterate2) \
    X(H5Aopen) \
    X(H5Aread) \
    X(H5Awrite) \
    X(H5Dclose) \
    X(H5Dcreate2) \
    X(H5Dget_space) \
    X(H5Dget_type) \
    X(H5Dread) \
    X(H5Dvlen_reclaim) \
    X(H5Dwrite) \
    X(H5Eclear2) \
    X(H5Eset_auto2) \
    X(H5Ewalk2) \
    X(H5FD_sec2_init) \
    X(H5Fclose) \
    X(H5Fcreate) \
    X(H5Fget_access_plist) \
    X(H5Fget_vfd_handle) \
    X(H5Fopen) \
    X(H5Gclose) \
    X(H5Gcreate2) \
    X(H5Lexists) \
    X(H5Oclose) \
    X(H5Oopen) \
    X(H5Ovisit2) \
    X(H5Pclose) \
    X(H5Pcreate) \
    X(H5Pget_driver) \
    X(H5Pset_alloc_time) \
    X(H5Pset_chunk) \
    X(H5Pset_create_intermediate_group) \
    X(H5Pset_deflate) \
    X(H5Pset_fapl_core) \
    X(H5Pset_fill_time) \
    X(H5Pset_file_image) \
    X(H5Pset_shuffle) \
    X(H5Sclose) \
    X(H5Screate) \
    X(H5Screate_simple) \
    X(H5Sget_simple_extent_dims) \
    X(H5Sget_simple_extent_ndims) \
    X(H5Sget_simple_extent_npoints) \
    X(H5Sget_simple_extent_type) \
    X(H5Tclose) \
    X(H5Tcopy) \
    X(H5Tcreate) \
    X(H5Tenum_create) \
    X(H5Tenum_insert) \
    X(H5Tget_class) \
    X(H5Tget_cset) \
    X(H5Tget_member_name) \
    X(H5Tget_nmembers) \
    X(H5Tget_sign) \
    X(H5Tget_size) \
    X(H5Tis_variable_str) \
    X(H5Tset_cset) \
    X(H5Tset_ebias) \
    X(H5Tset_fields) \
    X(H5Tset_size) \
    X(H5check_version) \
    X(H5dont_atexit) \
    X(H5free_memory) \
    X(H5get_libversion) \
    X(H5open) \

#define WP_H5_VARIABLES(X) \
    X(H5P_CLS_DATASET_CREATE_ID_g) \
    X(H5P_CLS_FILE_ACCESS_ID_g) \
    X(H5P_CLS_LINK_CREATE_ID_g) \
    X(H5T_C_S1_g) \
    X(H5T_IEEE_F32LE_g) \
    X(H5T_IEEE_F64LE_g) \
    X(H5T_NATIVE_DOUBLE_g) \
    X(H5T_NATIVE_FLOAT_g) \
    X(H5T_NATIVE_INT16_g) \
    X(H5T_NATIVE_INT32_g) \
    X(H5T_NATIVE_INT64_g) \
    X(H5T_NATIVE_INT8_g) \
    X(H5T_NATIVE_UINT16_g) \
    X(H5T_NATIVE_UINT32_g) \
    X(H5T_NATIVE_UINT64_g) \
    X(H5T_NATIVE_UINT8_g) \
    X(H5T_STD_I16LE_g) \
    X(H5T_STD_I32LE_g) \
    X(H5T_STD_I64LE_g) \
    X(H5T_STD_I8LE_g) \
    X(H5T_STD_U16LE_g) \
    X(H5T_STD_U32LE_g) \
    X(H5T_STD_U64LE_g) \
    X(H5T_STD_U8LE_g) \

/// Pointers to the loaded library's functions and its global identifiers (valid after H5open).
struct wp_h5_api {
#define WP_H5_FIELD(name) __typeof__(name) *name;
    WP_H5_FUNCTIONS(WP_H5_FIELD)
    WP_H5_VARIABLES(WP_H5_FIELD)
#undef WP_H5_FIELD
};

extern struct wp_h5_api wp_h5_api;
#endif
