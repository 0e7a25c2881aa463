#ifndef CHDF5_H
#define CHDF5_H
// Thin wrappers over libhdf5. HDF5's type and property identifiers are C macros that expand to
// global variables, which Swift cannot import; these functions give Swift plain values instead.
// Identifiers are hid_t (int64_t) and sizes hsize_t (unsigned long long) in HDF5 1.10+.
#include <stdint.h>

typedef int64_t wp_hid_t;

/// The linked library's version; returns 0 on success.
int wp_h5_version(unsigned *major, unsigned *minor, unsigned *release);
#endif
