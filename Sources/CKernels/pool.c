// A fork-join pool whose helper threads spin for a short while after each job before sleeping.
//
// Why: on this project's 2-vCPU virtual machine, waking a sleeping thread (what GCD's
// concurrentPerform does for every loop) measured 25-55 µs (a loop of two 33 µs halves took
// 59-90 µs; the idle vCPU is presumably halted by the hypervisor); a ResNet-50
// pass at 224×224 makes 88 such loops of about half a millisecond each, so its second core started
// every one of them late. A helper that is still spinning from the previous loop starts at once.
// The spin is bounded (WP_POOL_SPIN_NS), so an idle process costs nothing.
#include "ckernels.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <time.h>
#include <unistd.h>
#if defined(__x86_64__)
#include <immintrin.h>
#endif

// How long a helper keeps polling for the next job before it sleeps.
#define WP_POOL_SPIN_NS 200000L
#define WP_POOL_MAX_HELPERS 63
// The job word: generation in the high 32 bits, next unclaimed index in the low 32; an index of
// PREPARING means the caller is still writing the job's fields.
#define PREPARING 0xFFFFFFFFu

static pthread_once_t once = PTHREAD_ONCE_INIT;
static int helper_count;
static _Atomic uint64_t job_word;
static _Atomic long job_count;
static _Atomic(wp_pool_body) job_body;
static void *_Atomic job_context;
static _Atomic long finished;
static _Atomic int sleepers;
static atomic_flag busy = ATOMIC_FLAG_INIT;
static pthread_mutex_t mutex = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t wake = PTHREAD_COND_INITIALIZER;

static inline void relax(void) {
#if defined(__x86_64__)
    _mm_pause();
#endif
}

static long now_ns(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (long)t.tv_sec * 1000000000L + t.tv_nsec;
}

// Claims and runs iterations of generation `generation` until none is left. A claim is a CAS on
// the job word, so it fails once the caller has moved on: the body is only ever called for an
// unfinished job, whose caller is still waiting in wp_pool_run.
static void work(uint32_t generation) {
    for (;;) {
        uint64_t word = atomic_load(&job_word);
        uint32_t index = (uint32_t)word;
        if ((uint32_t)(word >> 32) != generation || index == PREPARING || (long)index >= atomic_load(&job_count)) return;
        if (!atomic_compare_exchange_weak(&job_word, &word, word + 1)) continue;
        atomic_load(&job_body)(atomic_load(&job_context), (long)index);
        atomic_fetch_add(&finished, 1);
    }
}

static void *helper(void *unused) {
    (void)unused;
    uint32_t seen = (uint32_t)(atomic_load(&job_word) >> 32);
    for (;;) {
        long deadline = now_ns() + WP_POOL_SPIN_NS;
        uint64_t word;
        for (int polls = 0;; polls++) {
            word = atomic_load(&job_word);
            if ((uint32_t)(word >> 32) != seen && (uint32_t)word != PREPARING) break;
            relax();
            if ((polls & 255) == 255 && now_ns() > deadline) {
                pthread_mutex_lock(&mutex);
                atomic_fetch_add(&sleepers, 1);
                while ((uint32_t)((word = atomic_load(&job_word)) >> 32) == seen || (uint32_t)word == PREPARING)
                    pthread_cond_wait(&wake, &mutex);
                atomic_fetch_sub(&sleepers, 1);
                pthread_mutex_unlock(&mutex);
                break;
            }
        }
        seen = (uint32_t)(word >> 32);
        work(seen);
    }
    return NULL;
}

static void start(void) {
    long cpus = sysconf(_SC_NPROCESSORS_ONLN);
    int wanted = cpus > 1 ? (int)(cpus - 1) : 0;
    if (wanted > WP_POOL_MAX_HELPERS) wanted = WP_POOL_MAX_HELPERS;
    for (int i = 0; i < wanted; i++) {
        pthread_t thread;
        if (pthread_create(&thread, NULL, helper, NULL) != 0) break;
        pthread_detach(thread);
        helper_count++;
    }
}

int wp_pool_run(long count, wp_pool_body body, void *context) {
    pthread_once(&once, start);
    if (helper_count == 0 || count < 2 || count >= (long)PREPARING) return -1;
    // One job at a time: a nested or concurrent caller gets -1 and runs its loop elsewhere.
    if (atomic_flag_test_and_set(&busy)) return -1;
    uint32_t generation = (uint32_t)(atomic_load(&job_word) >> 32) + 1;
    atomic_store(&job_word, ((uint64_t)generation << 32) | PREPARING);
    atomic_store(&job_count, count);
    atomic_store(&job_body, body);
    atomic_store(&job_context, context);
    atomic_store(&finished, 0);
    atomic_store(&job_word, (uint64_t)generation << 32);
    if (atomic_load(&sleepers) > 0) {
        pthread_mutex_lock(&mutex);
        pthread_cond_broadcast(&wake);
        pthread_mutex_unlock(&mutex);
    }
    work(generation);
    while (atomic_load(&finished) < count) relax();
    atomic_flag_clear(&busy);
    return 0;
}
