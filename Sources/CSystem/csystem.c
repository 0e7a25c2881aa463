#define _GNU_SOURCE
#include "csystem.h"
#include <errno.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/types.h>
#include <unistd.h>

long wp_copy_file_range(int in, int64_t *in_offset, int out, size_t length) {
#if defined(__linux__)
    off_t offset = (off_t)*in_offset;
    ssize_t copied = copy_file_range(in, &offset, out, NULL, length, 0);
    *in_offset = (int64_t)offset;
    return (long)copied;
#else
    (void)in; (void)in_offset; (void)out; (void)length;
    errno = ENOSYS;
    return -1;
#endif
}

int wp_reserve_space(int fd, int64_t length) {
#if defined(__linux__)
    return fallocate(fd, FALLOC_FL_KEEP_SIZE, 0, (off_t)length);
#else
    (void)fd; (void)length;
    errno = ENOSYS;
    return -1;
#endif
}

void wp_prefault(const void *address, size_t length) {
#if defined(__linux__) && defined(MADV_POPULATE_READ)
    if (madvise((void *)address, length, MADV_POPULATE_READ) == 0) return;
#endif
    const volatile unsigned char *p = address;
    unsigned char sink = 0;
    for (size_t i = 0; i < length; i += 4096) sink ^= p[i];
    (void)sink;
}
