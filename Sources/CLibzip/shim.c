#include "clibzip.h"

zip_t *wp_zip_open_buffer(const void *data, uint64_t length, int *error) {
    zip_error_t err;
    zip_error_init(&err);
    zip_source_t *src = zip_source_buffer_create(data, length, 0, &err);
    if (src == NULL) { *error = zip_error_code_zip(&err); zip_error_fini(&err); return NULL; }
    zip_t *archive = zip_open_from_source(src, ZIP_RDONLY, &err);
    if (archive == NULL) { *error = zip_error_code_zip(&err); zip_source_free(src); }
    zip_error_fini(&err);
    return archive;
}
