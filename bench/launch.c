// Times one command the way every benchmark here reports it: wall time from spawning it to
// reaping it, and its peak resident set, measured by this small parent (built by measure.py with
// the system C compiler on first use).
//
//   launch REPORT COMMAND [ARG...]   runs COMMAND (PATH is searched), writes
//                                    `seconds peak_rss_kib exit_code` to REPORT, exits as it did
//
// Why not GNU time, as before: the interval Python measured around `/usr/bin/time COMMAND` also
// held Python's own fork and exec of time and time's fork and exec of the command, 0.7-2.3 ms per
// run here (`/bin/true` 1.6 ms, under time 2.3-2.8 ms), charged to weightport in every ratio.
// The peak is wait4's ru_maxrss: posix_spawn shares this parent's (tiny) memory until exec, so
// the figure is the command's own, as GNU time's was.
#define _GNU_SOURCE
#include <spawn.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>

extern char **environ;

int main(int argc, char **argv) {
    if (argc < 3) {
        fprintf(stderr, "usage: launch REPORT COMMAND [ARG...]\n");
        return 2;
    }
    struct timespec start, end;
    clock_gettime(CLOCK_MONOTONIC, &start);
    pid_t pid;
    int failed = posix_spawnp(&pid, argv[2], NULL, NULL, argv + 2, environ);
    if (failed) {
        fprintf(stderr, "launch: cannot run %s: %s\n", argv[2], strerror(failed));
        return 127;
    }
    int status = 0;
    struct rusage usage;
    if (wait4(pid, &status, 0, &usage) != pid) {
        perror("launch: wait4");
        return 127;
    }
    clock_gettime(CLOCK_MONOTONIC, &end);
    int code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    FILE *report = fopen(argv[1], "w");
    if (!report) {
        perror(argv[1]);
        return 127;
    }
    double seconds = (double)(end.tv_sec - start.tv_sec) + (double)(end.tv_nsec - start.tv_nsec) * 1e-9;
    fprintf(report, "%.9f %ld %d\n", seconds, usage.ru_maxrss, code);
    fclose(report);
    return code;
}
