// Shared between the shim's C files; not part of the module's public header.
#ifndef CHDF5_INTERNAL_H
#define CHDF5_INTERNAL_H
#include "api_redirect.h"

/// Message for failures the shim itself detects (libhdf5's stack is empty then).
extern char wp_h5_shim_error[512];

/// The in-memory (and in-file) HDF5 type for a WP_H5_* code; *owned says whether to H5Tclose it.
hid_t wp_h5_memory_type(int code, int *owned);
#endif
