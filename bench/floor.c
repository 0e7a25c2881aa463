// The floors the I/O benchmarks compare weightport with: the least any program must do to read
// or to write a file of this size on this machine. Built by bench/floor.py with the system C
// compiler (-O2: the byte sums vectorise, as any tight loop over bytes would).
//
//   floor map FILE        mmap the file, add up every byte once          (reading floor)
//   floor read FILE       read() it in 1 MiB pieces, add up every byte   (reading, without a map)
//   floor hash FILE       mmap the file, SHA-256 it with libcrypto       (what an HDF5 bundle's
//                         source checksum costs at least: FORMATS/DESIGN §8 record it)
//   floor write FILE OUT  copy FILE into memory (not timed), then create OUT, reserve its space
//                         (fallocate) and write the bytes into it, 1 MiB a call (writing floor)
//   floor copy FILE OUT   the least a conversion must do besides naming: map FILE, make its
//                         pages present on a second thread 8 MiB ahead of the writer, write them
//                         into OUT as `floor write` does, unmap; timed from open to unmap
//   floor zip FILE OUT    `floor copy` with the CRC-32 a zip (`.pth`) records of its bytes, computed
//                         by the populating thread ahead of the writer with weightport's own
//                         PCLMULQDQ kernel (Sources/CKernels/crc32.c, compiled in): the least a
//                         `.pth` conversion must do besides naming
//   floor pages FILE      how the page cache holds FILE: map it, make every page present
//                         (MADV_POPULATE_READ), unmap it; prints `populate_s unmap_s pmd_fraction`,
//                         the fraction of the file the kernel mapped with 2 MiB entries (smaps'
//                         FilePmdMapped). A file cached in small folios costs one page-table entry
//                         per 4 KiB each way; in 2 MiB folios (as a sequential read() leaves it on
//                         a kernel with large folios in ext4's page cache) about none.
//
// Each prints `seconds sum` for the timed part on one line; the benchmark also times the whole
// process, as it times weightport. No fsync anywhere, as weightport does none.
#define _GNU_SOURCE
#include <fcntl.h>
#include <inttypes.h>
#include <openssl/evp.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include "ckernels.h"

static double now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec + t.tv_nsec * 1e-9;
}

static uint64_t sum_bytes(const unsigned char *p, size_t n) {
    uint64_t s = 0;
    for (size_t i = 0; i < n; i++) s += p[i];
    return s;
}

#ifndef MADV_POPULATE_READ
#define MADV_POPULATE_READ 22
#endif

/// FilePmdMapped of the mapping starting at `p`, in bytes, from /proc/self/smaps (0 if absent).
static size_t pmd_mapped(const void *p) {
    FILE *smaps = fopen("/proc/self/smaps", "r");
    if (!smaps) return 0;
    char line[512], start[32];
    snprintf(start, sizeof start, "%" PRIxPTR "-", (uintptr_t)p);
    int inside = 0;
    size_t kb = 0;
    while (fgets(line, sizeof line, smaps)) {
        if (strchr(line, '-') && strncmp(line, start, strlen(start)) == 0) { inside = 1; continue; }
        if (inside && sscanf(line, "FilePmdMapped: %zu kB", &kb) == 1) break;
        if (inside && strncmp(line, "VmFlags", 7) == 0) break;
    }
    fclose(smaps);
    return kb * 1024;
}

static int pages(int fd, size_t n) {
    double t0 = now();
    unsigned char *p = mmap(NULL, n, PROT_READ, MAP_PRIVATE, fd, 0);
    if (p == MAP_FAILED) { perror("mmap"); return 1; }
    if (madvise(p, n, MADV_POPULATE_READ) != 0) { perror("madvise"); return 1; }
    double t1 = now();
    size_t pmd = pmd_mapped(p);
    double t2 = now();
    munmap(p, n);
    printf("%.6f %.6f %.3f\n", t1 - t0, now() - t2, n ? (double)pmd / (double)n : 0.0);
    return 0;
}

struct populating {
    unsigned char *base;
    size_t length;
    _Atomic size_t ready;
    int checksum;        // also CRC-32 each piece after making it present (`floor zip`)
    unsigned int crc;
};

static void *populate_ahead(void *argument) {
    struct populating *map = argument;
    enum { chunk = 8 << 20 };
    for (size_t off = 0; off < map->length; off += chunk) {
        size_t want = map->length - off < chunk ? map->length - off : chunk;
        madvise(map->base + off, want, MADV_POPULATE_READ);
        if (map->checksum) map->crc = wp_crc32_fold(map->crc, map->base + off, (long)want);
        atomic_store(&map->ready, off + want);
    }
    return NULL;
}

/// Writes `n` bytes from `data` into a new `path` with its space reserved, 1 MiB a call; when
/// `ready` is given, waits for each piece to be present first.
static int write_out(const char *path, const unsigned char *data, size_t n, _Atomic size_t *ready) {
    int out = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (out < 0) { perror(path); return 1; }
    if (fallocate(out, FALLOC_FL_KEEP_SIZE, 0, (off_t)n) != 0) perror("fallocate");
    // 1 MiB per write(2), as weightport writes: one 254 MB write took 0.05–0.9 s here (the
    // kernel asks for huge page-cache folios and stalls allocating them), 1 MiB pieces
    // 0.044–0.096 s; this is a floor, so it takes the faster way.
    for (size_t off = 0; off < n;) {
        size_t want = n - off < (1u << 20) ? n - off : (1u << 20);
        while (ready && atomic_load(ready) < off + want) {}
        ssize_t put = write(out, data + off, want);
        if (put <= 0) { perror("write"); return 1; }
        off += (size_t)put;
    }
    close(out);
    return 0;
}

static size_t size_of(int fd) {
    struct stat st;
    if (fstat(fd, &st) != 0) { perror("fstat"); exit(1); }
    return (size_t)st.st_size;
}

int main(int argc, char **argv) {
    if (argc < 3) { fprintf(stderr, "usage: floor map|read|hash|pages FILE | floor write|copy|zip FILE OUT\n"); return 2; }
    const char *mode = argv[1];
    double t0 = now();
    int fd = open(argv[2], O_RDONLY);
    if (fd < 0) { perror(argv[2]); return 1; }
    size_t n = size_of(fd);
    uint64_t sum = 0;
    if (strcmp(mode, "pages") == 0) return pages(fd, n);
    if (strcmp(mode, "map") == 0) {
        const unsigned char *p = mmap(NULL, n, PROT_READ, MAP_PRIVATE, fd, 0);
        if (p == MAP_FAILED) { perror("mmap"); return 1; }
        sum = sum_bytes(p, n);
    } else if (strcmp(mode, "hash") == 0) {
        const unsigned char *p = mmap(NULL, n, PROT_READ, MAP_PRIVATE, fd, 0);
        if (p == MAP_FAILED) { perror("mmap"); return 1; }
        unsigned char digest[EVP_MAX_MD_SIZE];
        unsigned int length = 0;
        if (!EVP_Digest(p, n, digest, &length, EVP_sha256(), NULL)) { fprintf(stderr, "sha256 failed\n"); return 1; }
        sum = digest[0];
    } else if (strcmp(mode, "read") == 0) {
        enum { piece = 1 << 20 };
        unsigned char *buffer = malloc(piece);
        ssize_t got;
        while ((got = read(fd, buffer, piece)) > 0) sum += sum_bytes(buffer, (size_t)got);
    } else if (strcmp(mode, "write") == 0 && argc >= 4) {
        unsigned char *data = malloc(n);
        for (size_t off = 0; off < n;) {
            ssize_t got = read(fd, data + off, n - off);
            if (got <= 0) { perror("read"); return 1; }
            off += (size_t)got;
        }
        t0 = now();
        if (write_out(argv[3], data, n, NULL) != 0) return 1;
        sum = n;
    } else if ((strcmp(mode, "copy") == 0 || strcmp(mode, "zip") == 0) && argc >= 4) {
        struct populating map = { .length = n, .checksum = strcmp(mode, "zip") == 0, .crc = 0xFFFFFFFFu };
        map.base = mmap(NULL, n, PROT_READ, MAP_PRIVATE, fd, 0);
        if (map.base == MAP_FAILED) { perror("mmap"); return 1; }
        pthread_t helper;
        pthread_create(&helper, NULL, populate_ahead, &map);
        if (write_out(argv[3], map.base, n, &map.ready) != 0) return 1;
        pthread_join(helper, NULL);
        munmap(map.base, n);
        sum = map.checksum ? (uint64_t)(map.crc ^ 0xFFFFFFFFu) : n;
    } else {
        fprintf(stderr, "unknown mode %s\n", mode);
        return 2;
    }
    printf("%.6f %llu\n", now() - t0, (unsigned long long)sum);
    return 0;
}
