#define _GNU_SOURCE
#include "csystem.h"
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <sys/resource.h>
#include <sys/mman.h>
#include <sys/vfs.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <unistd.h>

long wp_copy_file_range(int in, int64_t *in_offset, int out, size_t length) {
#if defined(__linux__) && defined(SYS_copy_file_range)
    // The raw system call: glibc only wraps it from 2.27 on.
    loff_t offset = (loff_t)*in_offset;
    long copied = syscall(SYS_copy_file_range, in, &offset, out, NULL, length, 0u);
    *in_offset = (int64_t)offset;
    return copied;
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

int wp_copy_is_offloaded(int fd) {
#if defined(__linux__)
    struct statfs info;
    if (fstatfs(fd, &info) != 0) return 0;
    switch ((unsigned long)info.f_type) {
    case 0x9123683EUL: /* btrfs */
    case 0x58465342UL: /* XFS */
    case 0xCA451A4EUL: /* bcachefs */
    case 0x2FC12FC1UL: /* ZFS */
    case 0x6969UL:     /* NFS */
    case 0xFE534D42UL: /* SMB2 */
    case 0xFF534D42UL: /* CIFS */
    case 0x00C36400UL: /* Ceph */
        return 1;
    default:
        return 0;
    }
#else
    (void)fd;
    return 0;
#endif
}

/// One read in every page from the one holding `first` to the one holding `end - 1`.
static void touch_pages(uintptr_t first, uintptr_t end) {
    unsigned char sink = 0;
    for (uintptr_t page = first & ~(uintptr_t)4095; page < end; page += 4096) {
        sink ^= *(const volatile unsigned char *)(page < first ? first : page);
    }
    (void)sink;
}

void wp_prefault(const void *address, size_t length) {
    if (length == 0) return;
    uintptr_t at = (uintptr_t)address, end = at + length;
#if defined(__linux__) && defined(MADV_POPULATE_READ)
    // madvise wants a page-aligned start: a tensor's bytes rarely begin on a page, and the
    // EINVAL sent every such region to the loop below, a load per page.
    at &= ~((uintptr_t)sysconf(_SC_PAGESIZE) - 1);
    // In 2 MiB pieces: the call holds the process's map lock for reading throughout, and any
    // mmap or munmap meanwhile (a new thread's stack, a large allocation) waits for it. With the
    // source in 4 KiB page-cache folios, one call over the 51 MB largest tensor held it ~5 ms,
    // and the conversion's writer thread, created just after, started that much later.
    const uintptr_t piece = (uintptr_t)2 << 20;
    while (at < end) {
        uintptr_t next = (at & ~(piece - 1)) + piece;
        if (next > end) next = end;
        if (madvise((void *)at, next - at, MADV_POPULATE_READ) != 0) break;
        at = next;
    }
    if (at >= end) return;
    if (at < (uintptr_t)address) at = (uintptr_t)address;
#endif
    touch_pages(at, end);
}

void wp_yield_to_critical_threads(void) {
#if defined(__linux__)
    int policy;
    struct sched_param param;
    if (pthread_getschedparam(pthread_self(), &policy, &param) != 0) return;
    if (policy == SCHED_FIFO || policy == SCHED_RR) {
        // A real-time helper at the writer's priority would keep its core until it blocks:
        // one step down lets the writer and the main thread take a core whenever they are ready.
        if (param.sched_priority > sched_get_priority_min(policy)) {
            param.sched_priority -= 1;
            pthread_setschedparam(pthread_self(), policy, &param);
        } else {
            struct sched_param other = { .sched_priority = 0 };
            pthread_setschedparam(pthread_self(), SCHED_OTHER, &other);
        }
    } else {
        // The nice value belongs to each thread on Linux: this thread's id, not the process's.
        id_t thread = (id_t)syscall(SYS_gettid);
        errno = 0;
        int nice = getpriority(PRIO_PROCESS, thread);
        if (errno == 0 && nice < 19) setpriority(PRIO_PROCESS, thread, nice + 5 > 19 ? 19 : nice + 5);
    }
#endif
}
