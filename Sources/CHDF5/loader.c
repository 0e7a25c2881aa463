// Loads libhdf5 with dlopen on first use and resolves every entry point the shim calls (api.h).
#include <dlfcn.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include "api.h"
#include "clibraryloader.h"
#include "chdf5.h"

struct wp_h5_api wp_h5_api;

static pthread_once_t once = PTHREAD_ONCE_INIT;
static int loaded;
static char load_error[768];

/// The 1.10 series' sonames (Debian's serial build first), then the development links. The
/// headers the shim was compiled against are 1.10's; the loaded library's version is checked.
static const char *const names[] = {
    "libhdf5_serial.so.103", "libhdf5.so.103", "libhdf5_serial.so", "libhdf5.so",
};

static void load(void) {
    void *library = wp_open_first_library(names, sizeof names / sizeof names[0], "libhdf5",
                                          "Debian's libhdf5-103-1", load_error, sizeof load_error);
    if (library == NULL) return;
#define WP_H5_RESOLVE(name)                                                                   \
    wp_h5_api.name = (__typeof__(wp_h5_api.name))dlsym(library, #name);                    \
    if (wp_h5_api.name == NULL) {                                                           \
        snprintf(load_error, sizeof load_error, "the loaded libhdf5 has no %s", #name);     \
        return;                                                                             \
    }
    WP_H5_FUNCTIONS(WP_H5_RESOLVE)
    WP_H5_VARIABLES(WP_H5_RESOLVE)
#undef WP_H5_RESOLVE
    // Before any call that initialises the library: its exit handler closes every file still
    // open, and a file whose close failed (a full disk) made that handler crash the process
    // after the error had been reported (SIGSEGV in H5F__close_cb). Every file WeightPort opens
    // is closed, or its temporary removed, before the process exits.
    if (wp_h5_api.H5dont_atexit() < 0) {
        snprintf(load_error, sizeof load_error, "libhdf5 refused H5dont_atexit");
        return;
    }
    unsigned major = 0, minor = 0, release = 0;
    if (wp_h5_api.H5get_libversion(&major, &minor, &release) < 0 || major != H5_VERS_MAJOR || minor != H5_VERS_MINOR) {
        snprintf(load_error, sizeof load_error, "the loaded libhdf5 is %u.%u.%u; WeightPort was built for %d.%d",
                 major, minor, release, H5_VERS_MAJOR, H5_VERS_MINOR);
        return;
    }
    // The global type and property-list identifiers are set by H5open.
    if (wp_h5_api.H5open() < 0) {
        snprintf(load_error, sizeof load_error, "libhdf5 failed to initialise (H5open)");
        return;
    }
    loaded = 1;
}

int wp_h5_load(void) {
    pthread_once(&once, load);
    return loaded ? 0 : -1;
}

const char *wp_h5_load_error(void) { return load_error; }
