// The one place the C shims open a system library at run time (libhdf5, libzip, libcrypto,
// OpenBLAS are all loaded on first use, so commands that never need them do not pay for linking
// them at start-up).
#ifndef CLIBRARYLOADER_H
#define CLIBRARYLOADER_H

#include <stddef.h>

/// Opens the first of `names` that dlopen accepts (RTLD_NOW | RTLD_LOCAL). On failure returns NULL
/// and writes one line to `error`: "cannot load WHAT (tried a, b, c: <last dlerror>); install PACKAGE".
void *wp_open_first_library(const char *const *names, size_t count, const char *what, const char *package,
                            char *error, size_t error_size);

#endif
