// A model of the best a `convert` could do by writing the tensors while it maps their names
// (README, issue #14, "Why convert stays above 1.5x the write floor"): not a benchmark of
// weightport, a bound for a design it does not use.
//
//   cc -O2 -pthread bench/overlap_model.c -o bench/out/overlap_model
//   chrt -f 10 bench/out/overlap_model SRC OUT MAP_MS PREFAULT
//
// Busy 8 ms (start-up) and 4.5 ms (the pickle's structure), as weightport's timelines show;
// then a thread writes SRC's bytes from its map into OUT (space reserved, 1 MiB a write) while
// the main thread is busy MAP_MS (detection, mapping, the header), with PREFAULT=1 a third thread
// prefaulting the map as weightport's does. Prints the whole run's milliseconds.
#define _GNU_SOURCE
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#ifndef MADV_POPULATE_READ
#define MADV_POPULATE_READ 22
#endif

static double now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec + t.tv_nsec * 1e-9;
}

static void busy(double ms) {
    double end = now() + ms / 1e3;
    volatile unsigned spin = 0;
    while (now() < end) spin++;
}

static unsigned char *source;
static size_t length;
static const char *output;

static void *prefault(void *unused) {
    (void)unused;
    madvise(source, length, MADV_POPULATE_READ);
    return NULL;
}

static void *writer(void *unused) {
    (void)unused;
    int out = open(output, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (out < 0) { perror(output); exit(1); }
    fallocate(out, FALLOC_FL_KEEP_SIZE, 0, (off_t)length);
    for (size_t offset = 0; offset < length; offset += 1u << 20) {
        size_t piece = length - offset < (1u << 20) ? length - offset : (1u << 20);
        if (write(out, source + offset, piece) != (ssize_t)piece) { perror("write"); exit(1); }
    }
    close(out);
    return NULL;
}

int main(int argc, char **argv) {
    if (argc < 5) { fprintf(stderr, "usage: overlap_model SRC OUT MAP_MS PREFAULT\n"); return 2; }
    double start = now();
    busy(8);
    int fd = open(argv[1], O_RDONLY);
    if (fd < 0) { perror(argv[1]); return 1; }
    struct stat info;
    fstat(fd, &info);
    length = (size_t)info.st_size;
    output = argv[2];
    source = mmap(NULL, length, PROT_READ, MAP_PRIVATE, fd, 0);
    if (source == MAP_FAILED) { perror("mmap"); return 1; }
    busy(4.5);
    pthread_t faulting, writing;
    int prefaulting = atoi(argv[4]);
    if (prefaulting) pthread_create(&faulting, NULL, prefault, NULL);
    pthread_create(&writing, NULL, writer, NULL);
    busy(atof(argv[3]));
    pthread_join(writing, NULL);
    if (prefaulting) pthread_join(faulting, NULL);
    printf("%.1f ms\n", (now() - start) * 1e3);
    unlink(output);
    return 0;
}
