// Pages of a read-once file map dropped on a background thread, behind the writer that read them.
//
// Why: unmapping a prefaulted 254 MB map took 7.5–9 ms here (tearing down ~62,000 page-table
// entries), all of it after the last byte of a conversion was written, on the critical path.
// Dropping each written slice's pages with MADV_DONTNEED as the write goes on moves that work to
// the core the write leaves idle. A dropped page of a private read-only file map reads back from
// the page cache on its next touch, so a caller that reads a slice again gets the same bytes.
#define _GNU_SOURCE
#include "csystem.h"

#include <fcntl.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

// PAGEMAP_SCAN (Linux 6.7) from <linux/fs.h>, which older C libraries' headers lack; the layout is
// the kernel's ABI. On older kernels the ioctl fails (ENOTTY) and every range is dropped as before.
#define WP_PAGE_IS_HUGE (1 << 6)
#define WP_PAGEMAP_SCAN _IOWR('f', 16, struct wp_pm_scan_arg)
struct wp_page_region {
    uint64_t start, end, categories;
};
struct wp_pm_scan_arg {
    uint64_t size, flags, start, end, walk_end, vec, vec_len, max_pages;
    uint64_t category_inverted, category_mask, category_anyof_mask, return_mask;
};

enum { queue_capacity = 1024 };

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t work_ready = PTHREAD_COND_INITIALIZER;
static pthread_cond_t work_done = PTHREAD_COND_INITIALIZER;
static uintptr_t starts[queue_capacity], ends[queue_capacity];
static size_t head, count;
static int busy, started;

static int pagemap = -2;

/// Whether at least half of [start, end) is mapped with 2 MiB entries (a file cached in 2 MiB
/// folios, as a sequential read leaves it on Linux 6.18's ext4). Dropping such a range saves
/// nothing at the unmap (one entry per 2 MiB), and each MADV_DONTNEED interrupts the writer's
/// core to flush its TLB: writing 254 MB measured ~2 ms slower with the drops than without.
/// Called on the release thread only.
static int mostly_huge(uintptr_t start, uintptr_t end) {
    if (pagemap == -2) pagemap = open("/proc/self/pagemap", O_RDONLY | O_CLOEXEC);
    if (pagemap < 0) return 0;
    struct wp_page_region regions[16];
    struct wp_pm_scan_arg scan = {
        .size = sizeof scan, .start = start, .end = end, .vec = (uintptr_t)regions, .vec_len = 16,
        .category_anyof_mask = WP_PAGE_IS_HUGE, .return_mask = WP_PAGE_IS_HUGE,
    };
    long found = ioctl(pagemap, WP_PAGEMAP_SCAN, &scan);
    if (found <= 0) return 0;
    uint64_t huge = 0;
    for (long i = 0; i < found; i++) huge += regions[i].end - regions[i].start;
    return huge * 2 >= end - start;
}

static void *release_loop(void *unused) {
    (void)unused;
    wp_yield_to_critical_threads();
    pthread_mutex_lock(&lock);
    for (;;) {
        while (count == 0) pthread_cond_wait(&work_ready, &lock);
        uintptr_t start = starts[head], end = ends[head];
        head = (head + 1) % queue_capacity;
        count--;
        busy = 1;
        pthread_mutex_unlock(&lock);
        if (!mostly_huge(start, end)) madvise((void *)start, end - start, MADV_DONTNEED);
        pthread_mutex_lock(&lock);
        busy = 0;
        if (count == 0) pthread_cond_broadcast(&work_done);
    }
    return NULL;
}

void wp_release_pages(const void *address, size_t length) {
    // Only whole pages inside the range: its first and last pages may hold a neighbour's bytes.
    uintptr_t page = (uintptr_t)sysconf(_SC_PAGESIZE);
    uintptr_t start = ((uintptr_t)address + page - 1) & ~(page - 1);
    uintptr_t end = ((uintptr_t)address + length) & ~(page - 1);
    if (end <= start) return;
    pthread_mutex_lock(&lock);
    if (!started) {
        pthread_t thread;
        pthread_attr_t attributes;
        pthread_attr_init(&attributes);
        pthread_attr_setdetachstate(&attributes, PTHREAD_CREATE_DETACHED);
        started = pthread_create(&thread, &attributes, release_loop, NULL) == 0 ? 1 : -1;
        pthread_attr_destroy(&attributes);
    }
    if (started < 0 || count == queue_capacity) {
        // No thread, or far behind: leave the pages to the final unmap, as without this.
        pthread_mutex_unlock(&lock);
        return;
    }
    size_t tail = (head + count) % queue_capacity;
    starts[tail] = start;
    ends[tail] = end;
    count++;
    pthread_cond_signal(&work_ready);
    pthread_mutex_unlock(&lock);
}

void wp_release_pages_drain(void) {
    pthread_mutex_lock(&lock);
    while (count > 0 || busy) pthread_cond_wait(&work_done, &lock);
    pthread_mutex_unlock(&lock);
}
