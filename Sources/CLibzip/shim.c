#include "clibzip.h"
#include <string.h>

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

int64_t wp_zip_read_index(zip_t *archive, uint64_t index, void *buffer, uint64_t capacity, int *error) {
    *error = 0;
    zip_file_t *file = zip_fopen_index(archive, index, 0);
    if (file == NULL) { *error = zip_error_code_zip(zip_get_error(archive)); return -1; }
    uint64_t total = 0;
    char *out = (char *)buffer;
    // Read until EOF: libzip checks the CRC only when the stream is read to its end.
    while (total < capacity) {
        zip_int64_t n = zip_fread(file, out + total, capacity - total);
        if (n < 0) { *error = zip_error_code_zip(zip_file_get_error(file)); zip_fclose(file); return -1; }
        if (n == 0) break;
        total += (uint64_t)n;
    }
    if (total == capacity) {
        char extra;
        zip_int64_t n = zip_fread(file, &extra, 1);
        if (n < 0) { *error = zip_error_code_zip(zip_file_get_error(file)); zip_fclose(file); return -1; }
        total += (uint64_t)n;
    }
    int closed = zip_fclose(file);
    if (closed != 0) { *error = closed; return -1; }
    return (int64_t)total;
}

void wp_zip_error_message(int code, char *message, uint64_t capacity) {
    if (capacity == 0) return;
    zip_error_t err;
    zip_error_init_with_code(&err, code);
    const char *text = zip_error_strerror(&err);
    strncpy(message, text, capacity - 1);
    message[capacity - 1] = 0;
    zip_error_fini(&err);
}

void wp_zip_close(zip_t *archive) { zip_discard(archive); }
