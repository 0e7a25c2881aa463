#include "clibraryloader.h"

#include <dlfcn.h>
#include <stdio.h>
#include <string.h>

void *wp_open_first_library(const char *const *names, size_t count, const char *what, const char *package,
                            char *error, size_t error_size) {
    char tried[256] = "", last[384] = "";
    for (size_t i = 0; i < count; i++) {
        void *library = dlopen(names[i], RTLD_NOW | RTLD_LOCAL);
        if (library != NULL) return library;
        const char *why = dlerror();
        snprintf(last, sizeof last, "%s", why ? why : "");
        size_t at = strlen(tried);
        snprintf(tried + at, sizeof tried - at, "%s%s", i ? ", " : "", names[i]);
    }
    snprintf(error, error_size, "cannot load %s (tried %s: %s); install %s", what, tried, last, package);
    return NULL;
}
