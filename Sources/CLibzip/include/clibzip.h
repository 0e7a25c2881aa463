#ifndef CLIBZIP_H
#define CLIBZIP_H
#include <zip.h>
#include <stdint.h>

// libzip is not linked: the first wp_zip_open_buffer loads it with dlopen (see shim.c).

/// The error code when libzip cannot be loaded (wp_zip_error_message then says why).
enum { WP_ZIP_UNAVAILABLE = -1000 };

/// Opens an archive held in memory (no copy); returns NULL and sets *error on failure.
zip_t *wp_zip_open_buffer(const void *data, uint64_t length, int *error);

/// Reads entry `index` into `buffer` (capacity `capacity`). Returns the number of bytes the entry
/// produced, reading at most capacity + 1 so a caller can tell an entry longer than declared; -1 on
/// error with *error set to a libzip error code (ZIP_ER_CRC, ZIP_ER_COMPRESSED_DATA, ...).
int64_t wp_zip_read_index(zip_t *archive, uint64_t index, void *buffer, uint64_t capacity, int *error);

/// Writes libzip's message for `code` into `message` (NUL-terminated, at most `capacity` bytes).
void wp_zip_error_message(int code, char *message, uint64_t capacity);

/// Releases an archive opened read-only.
void wp_zip_close(zip_t *archive);
#endif
