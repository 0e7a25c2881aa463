// Thin wrapper over libzip (see clibzip.h). libzip is loaded with dlopen on first use (inflating
// a compressed .npz member): linked, it and its compression libraries cost every command start-up
// time. zip.h gives the types and prototypes; each call goes through the resolved pointer.
#include "clibzip.h"
#include "clibraryloader.h"
#include <dlfcn.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#define WP_ZIP_FUNCTIONS(X) \
    X(zip_error_init) X(zip_error_init_with_code) X(zip_error_fini) X(zip_error_code_zip) \
    X(zip_error_strerror) X(zip_source_buffer_create) X(zip_source_free) X(zip_open_from_source) \
    X(zip_fopen_index) X(zip_fread) X(zip_fclose) X(zip_get_error) X(zip_file_get_error) X(zip_discard)

static struct {
#define WP_ZIP_FIELD(name) __typeof__(name) *name;
    WP_ZIP_FUNCTIONS(WP_ZIP_FIELD)
#undef WP_ZIP_FIELD
} api;
static pthread_once_t once = PTHREAD_ONCE_INIT;
static int loaded;
static char load_error[384];

static void load(void) {
    static const char *const names[] = { "libzip.so.4", "libzip.so.5", "libzip.so" };
    void *library = wp_open_first_library(names, sizeof names / sizeof names[0], "libzip", "libzip4",
                                          load_error, sizeof load_error);
    if (library == NULL) return;
#define WP_ZIP_RESOLVE(name)                                                               \
    api.name = (__typeof__(api.name))dlsym(library, #name);                                \
    if (api.name == NULL) {                                                                \
        snprintf(load_error, sizeof load_error, "the loaded libzip has no %s", #name);     \
        return;                                                                            \
    }
    WP_ZIP_FUNCTIONS(WP_ZIP_RESOLVE)
#undef WP_ZIP_RESOLVE
    loaded = 1;
}

zip_t *wp_zip_open_buffer(const void *data, uint64_t length, int *error) {
    pthread_once(&once, load);
    if (!loaded) { *error = WP_ZIP_UNAVAILABLE; return NULL; }
    zip_error_t err;
    api.zip_error_init(&err);
    zip_source_t *src = api.zip_source_buffer_create(data, length, 0, &err);
    if (src == NULL) { *error = api.zip_error_code_zip(&err); api.zip_error_fini(&err); return NULL; }
    zip_t *archive = api.zip_open_from_source(src, ZIP_RDONLY, &err);
    if (archive == NULL) { *error = api.zip_error_code_zip(&err); api.zip_source_free(src); }
    api.zip_error_fini(&err);
    return archive;
}

int64_t wp_zip_read_index(zip_t *archive, uint64_t index, void *buffer, uint64_t capacity, int *error) {
    *error = 0;
    zip_file_t *file = api.zip_fopen_index(archive, index, 0);
    if (file == NULL) { *error = api.zip_error_code_zip(api.zip_get_error(archive)); return -1; }
    uint64_t total = 0;
    char *out = (char *)buffer;
    // Read until EOF: libzip checks the CRC only when the stream is read to its end.
    while (total < capacity) {
        zip_int64_t n = api.zip_fread(file, out + total, capacity - total);
        if (n < 0) { *error = api.zip_error_code_zip(api.zip_file_get_error(file)); api.zip_fclose(file); return -1; }
        if (n == 0) break;
        total += (uint64_t)n;
    }
    if (total == capacity) {
        char extra;
        zip_int64_t n = api.zip_fread(file, &extra, 1);
        if (n < 0) { *error = api.zip_error_code_zip(api.zip_file_get_error(file)); api.zip_fclose(file); return -1; }
        total += (uint64_t)n;
    }
    int closed = api.zip_fclose(file);
    if (closed != 0) { *error = closed; return -1; }
    return (int64_t)total;
}

void wp_zip_error_message(int code, char *message, uint64_t capacity) {
    if (capacity == 0) return;
    pthread_once(&once, load);
    if (code == WP_ZIP_UNAVAILABLE || !loaded) {
        snprintf(message, capacity, "%s", load_error);
        return;
    }
    zip_error_t err;
    api.zip_error_init_with_code(&err, code);
    const char *text = api.zip_error_strerror(&err);
    strncpy(message, text, capacity - 1);
    message[capacity - 1] = 0;
    api.zip_error_fini(&err);
}

void wp_zip_close(zip_t *archive) { api.zip_discard(archive); }
