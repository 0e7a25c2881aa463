// Child processes for the isolated HDF5 reader (see csystem.h).
#define _GNU_SOURCE
#include "csystem.h"
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

int wp_memfd(const char *name) {
#if defined(SYS_memfd_create)
    return (int)syscall(SYS_memfd_create, name, MFD_CLOEXEC);
#else
    (void)name;
    errno = ENOSYS;
    return -1;
#endif
}

int wp_allocate_range(int fd, int64_t offset, int64_t length) {
    return fallocate(fd, 0, (off_t)offset, (off_t)length);
}

int wp_spawn(const char *path, char *const argv[], const int *fds, int count) {
    posix_spawn_file_actions_t actions;
    if (posix_spawn_file_actions_init(&actions) != 0) return -1;
    int status = 0;
    // Two steps, so that a descriptor already numbered 3 + j is not overwritten before it is
    // moved: first to high numbers, then down to 3 + i (dup2 clears close-on-exec).
    for (int i = 0; i < count && status == 0; i++) status = posix_spawn_file_actions_adddup2(&actions, fds[i], 100 + i);
    for (int i = 0; i < count && status == 0; i++) status = posix_spawn_file_actions_adddup2(&actions, 100 + i, 3 + i);
    // The child's diagnostics (a library's abort message) are not the caller's: its outcome is.
    if (status == 0) status = posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0);
    // The child dies of its own limits: a signal the parent ignores (the CLI ignores SIGXFSZ, so
    // that a write past `ulimit -f` fails with EFBIG) is back to its default there.
    posix_spawnattr_t attributes;
    int have_attributes = status == 0 && posix_spawnattr_init(&attributes) == 0;
    if (have_attributes) {
        sigset_t defaults;
        sigemptyset(&defaults);
        sigaddset(&defaults, SIGXFSZ);
        sigaddset(&defaults, SIGXCPU);
        posix_spawnattr_setsigdefault(&attributes, &defaults);
        posix_spawnattr_setflags(&attributes, POSIX_SPAWN_SETSIGDEF);
    }
    pid_t pid = -1;
    if (status == 0) status = posix_spawn(&pid, path, &actions, have_attributes ? &attributes : NULL, argv, environ);
    if (have_attributes) posix_spawnattr_destroy(&attributes);
    posix_spawn_file_actions_destroy(&actions);
    if (status != 0) { errno = status; return -1; }
    return pid;
}

/// A forked child dies of its own signals: the parent's handlers (libFuzzer's crash handlers,
/// a sanitizer's death callback that would write the parent's input out as a crash) are not its.
static void reset_inherited_handlers(void) {
    const int signals[] = { SIGSEGV, SIGBUS, SIGABRT, SIGILL, SIGFPE, SIGTRAP, SIGALRM, SIGINT, SIGTERM, SIGHUP,
                            SIGXCPU, SIGXFSZ, SIGUSR1, SIGUSR2, SIGPIPE };
    for (unsigned i = 0; i < sizeof signals / sizeof signals[0]; i++) signal(signals[i], SIG_DFL);
    // Nor is its stderr the parent's: a library's abort message (or a sanitizer's report, under
    // the fuzzer) would interleave with the caller's output; the parent reports the outcome.
    int null = open("/dev/null", O_WRONLY | O_CLOEXEC);
    if (null >= 0) { dup2(null, 2); close(null); }
    void (*set_death_callback)(void (*)(void)) =
        (void (*)(void (*)(void)))dlsym(RTLD_DEFAULT, "__sanitizer_set_death_callback");
    if (set_death_callback != NULL) set_death_callback(NULL);
}

int wp_fork(void) {
    pid_t parent = getpid();
    pid_t pid = fork();
    if (pid == 0) {
        prctl(PR_SET_PDEATHSIG, SIGKILL);
        if (getppid() != parent) _exit(125);  // the parent died before the request took effect
        reset_inherited_handlers();
    }
    return pid;
}

static long now_ms(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (long)t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

int wp_wait_child(int pid, int timeout_ms, int *status) {
    long deadline = now_ms() + timeout_ms;
#if defined(SYS_pidfd_open)
    int pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
    if (pidfd >= 0) {
        for (;;) {
            long left = deadline - now_ms();
            struct pollfd p = { pidfd, POLLIN, 0 };
            int ready = left > 0 ? poll(&p, 1, (int)left) : 0;
            if (ready < 0 && errno == EINTR) continue;
            close(pidfd);
            if (ready > 0) break;
            kill(pid, SIGKILL);
            while (waitpid(pid, status, 0) < 0 && errno == EINTR) {}
            return 1;
        }
        while (waitpid(pid, status, 0) < 0) { if (errno != EINTR) return -1; }
        return 0;
    }
#endif
    for (;;) {
        pid_t done = waitpid(pid, status, WNOHANG);
        if (done == pid) return 0;
        if (done < 0 && errno != EINTR) return -1;
        if (now_ms() >= deadline) {
            kill(pid, SIGKILL);
            while (waitpid(pid, status, 0) < 0 && errno == EINTR) {}
            return 1;
        }
        struct timespec pause = { 0, 1000000 };
        nanosleep(&pause, NULL);
    }
}

/// The process's mapped address space in bytes (the first field of /proc/self/statm, in pages).
static long mapped_bytes(void) {
    int fd = open("/proc/self/statm", O_RDONLY | O_CLOEXEC);
    if (fd < 0) return 0;
    char text[64] = {0};
    ssize_t n = read(fd, text, sizeof text - 1);
    close(fd);
    long pages = 0;
    for (ssize_t i = 0; i < n && text[i] >= '0' && text[i] <= '9'; i++) pages = pages * 10 + (text[i] - '0');
    return pages * sysconf(_SC_PAGESIZE);
}

void wp_limit_self(long cpu_seconds, long address_space_bytes, long file_size_bytes) {
    if (cpu_seconds > 0) {
        struct rlimit cpu = { (rlim_t)cpu_seconds, (rlim_t)cpu_seconds + 1 };
        setrlimit(RLIMIT_CPU, &cpu);
    }
    // AddressSanitizer (the fuzz build) reserves terabytes of shadow memory at start-up; any
    // address-space limit would make its next mapping fail. Its allocator refuses huge
    // allocations itself.
    int sanitized = dlsym(RTLD_DEFAULT, "__asan_init") != NULL;
    if (address_space_bytes > 0 && !sanitized) {
        // On top of what the process already has mapped (a forked child inherits its parent's).
        rlim_t limit = (rlim_t)address_space_bytes + (rlim_t)mapped_bytes();
        struct rlimit as;
        if (getrlimit(RLIMIT_AS, &as) == 0 && (as.rlim_max == RLIM_INFINITY || as.rlim_max > limit)) {
            as.rlim_cur = limit;
            setrlimit(RLIMIT_AS, &as);
        }
    }
    if (file_size_bytes > 0) {
        struct rlimit fsize;
        if (getrlimit(RLIMIT_FSIZE, &fsize) == 0 && (fsize.rlim_max == RLIM_INFINITY || fsize.rlim_max > (rlim_t)file_size_bytes)) {
            fsize.rlim_cur = (rlim_t)file_size_bytes;
            setrlimit(RLIMIT_FSIZE, &fsize);
        }
    }
}

_Noreturn void wp_exit_now(int status) { _exit(status); }

int wp_wait_status(int status, int *exit_code) {
    *exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    return WIFSIGNALED(status) ? WTERMSIG(status) : 0;
}
