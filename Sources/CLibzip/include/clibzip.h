#ifndef CLIBZIP_H
#define CLIBZIP_H
#include <zip.h>
#include <stdint.h>

/// Opens an archive held in memory (no copy); returns NULL and sets *error on failure.
zip_t *wp_zip_open_buffer(const void *data, uint64_t length, int *error);
#endif
