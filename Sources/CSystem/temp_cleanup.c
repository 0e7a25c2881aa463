// Hidden temporary files removed when the process is interrupted (SIGINT, SIGTERM, SIGHUP).
//
// Every output is written to `.name.tmp-…` beside the destination and renamed when complete;
// a conversion stopped with Ctrl-C used to leave that file behind (up to the output's size).
// The handler only calls unlink(2), which is async-signal-safe, on paths registered in fixed
// slots, then dies of the signal as it would have.
#define _GNU_SOURCE
#include "csystem.h"

#include <limits.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>

enum { slot_count = 64, free_slot = 0, filling = 1, ready = 2 };

static char paths[slot_count][PATH_MAX];
static int states[slot_count];

int wp_temp_register(const char *path) {
    size_t length = strlen(path);
    if (length >= PATH_MAX) return -1;
    for (int i = 0; i < slot_count; i++) {
        int expected = free_slot;
        if (!__atomic_compare_exchange_n(&states[i], &expected, filling, 0, __ATOMIC_ACQ_REL, __ATOMIC_RELAXED)) continue;
        memcpy(paths[i], path, length + 1);
        __atomic_store_n(&states[i], ready, __ATOMIC_RELEASE);
        return i;
    }
    return -1;  // more outputs in flight than slots: these are not cleaned up on a signal
}

void wp_temp_unregister(int slot, const char *path) {
    if (slot < 0 || slot >= slot_count) return;
    if (__atomic_load_n(&states[slot], __ATOMIC_ACQUIRE) != ready || strcmp(paths[slot], path) != 0) return;
    __atomic_store_n(&states[slot], free_slot, __ATOMIC_RELEASE);
}

static void remove_and_die(int sig) {
    for (int i = 0; i < slot_count; i++) {
        if (__atomic_load_n(&states[i], __ATOMIC_ACQUIRE) == ready) unlink(paths[i]);
    }
    signal(sig, SIG_DFL);
    raise(sig);
}

void wp_temp_cleanup_on_signals(void) {
    const int signals[] = { SIGINT, SIGTERM, SIGHUP };
    for (unsigned i = 0; i < sizeof signals / sizeof signals[0]; i++) {
        struct sigaction action;
        memset(&action, 0, sizeof action);
        action.sa_handler = remove_and_die;
        sigemptyset(&action.sa_mask);
        // A signal the caller ignores (nohup's SIGHUP) stays ignored.
        struct sigaction previous;
        if (sigaction(signals[i], NULL, &previous) == 0 && previous.sa_handler == SIG_IGN) continue;
        sigaction(signals[i], &action, NULL);
    }
}
