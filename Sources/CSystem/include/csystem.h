#ifndef CSYSTEM_H
#define CSYSTEM_H
// Linux system calls that Swift's Glibc module does not import: glibc declares them only under
// _GNU_SOURCE, which the module is built without. Each wrapper is a direct pass-through.
#include <stddef.h>
#include <stdint.h>

/// copy_file_range(2): copies `length` bytes from `in` at `*in_offset` (advanced) to `out` at its
/// file position, inside the kernel. Returns the bytes copied, 0 at the end of `in`, or -1 with
/// errno set (ENOSYS where the call does not exist).
long wp_copy_file_range(int in, int64_t *in_offset, int out, size_t length);

/// fallocate(2) with FALLOC_FL_KEEP_SIZE: reserves `length` bytes of blocks for `fd` without
/// changing its size. Returns 0, or -1 with errno set (EOPNOTSUPP, ENOSYS, ...).
int wp_reserve_space(int fd, int64_t length);

/// 1 when `fd` lies on a file system whose copy_file_range(2) shares or offloads the copy
/// (btrfs, XFS, bcachefs, ZFS: extents shared; NFS, SMB, Ceph: copied on the server); 0 where
/// it would copy the bytes through the page cache like write(2) (ext4, tmpfs, ...), or unknown.
int wp_copy_is_offloaded(int fd);

/// Maps every page of [address, address + length) of a file map into the process, reading it in
/// if needed: madvise(MADV_POPULATE_READ) in 2 MiB pieces where the kernel has it (5.14+), else
/// one read per page.
void wp_prefault(const void *address, size_t length);

/// Queues the whole pages inside [address, address + length) of a private read-only file map to
/// be dropped (MADV_DONTNEED) on a background thread; a later read of them faults them back in
/// from the page cache. Returns at once (page_release.c).
void wp_release_pages(const void *address, size_t length);

/// Waits until every queued release is done. Call before unmapping a map that had pages queued:
/// a release still pending could otherwise drop pages of a later map at the same address.
void wp_release_pages_drain(void);

/// Lowers the calling thread below the process's other threads: one real-time priority step
/// (SCHED_OTHER from the lowest), else five nice steps. For helpers whose work is not on a
/// command's critical path (parsing the tables while tensors are written, page release), so
/// that two cores keep serving the writer and the main thread first.
void wp_yield_to_critical_threads(void);

// ---- temporary outputs removed on SIGINT/SIGTERM/SIGHUP (temp_cleanup.c)

/// Records `path` as a temporary file to remove if the process is interrupted; returns its slot
/// (for `wp_temp_unregister`), or -1 when all 64 slots are taken or the path is too long.
int wp_temp_register(const char *path);

/// Forgets slot `slot` if it still holds `path` (a copy of a publisher may ask twice).
void wp_temp_unregister(int slot, const char *path);

/// Installs the handlers that remove the registered files and then die of the signal (the
/// command line's choice; a library leaves the process's signals alone). Signals the process
/// ignores stay ignored.
void wp_temp_cleanup_on_signals(void);

// ---- child processes (the isolated HDF5 reader; process.c)

/// memfd_create(name, MFD_CLOEXEC): an anonymous file in memory. Returns the descriptor or -1.
int wp_memfd(const char *name);

/// fallocate(2) with mode 0: allocates [offset, offset + length) of `fd`, growing it as needed
/// (on a memory file, the pages at once instead of one fault each). Returns 0 or -1 with errno.
int wp_allocate_range(int fd, int64_t offset, int64_t length);

/// posix_spawn of `path` with `argv` (NULL-terminated), the descriptors `fds[i]` appearing as
/// 3 + i in the child (all others close on exec as usual), its stderr /dev/null. Returns the pid,
/// or -1 with errno set.
int wp_spawn(const char *path, char *const argv[], const int *fds, int count);

/// fork(); in the child, asks for SIGKILL when the parent dies, resets the crash-signal handlers
/// (and a sanitizer's death callback) it inherited to the defaults and points stderr at
/// /dev/null. Returns as fork does.
int wp_fork(void);

/// Waits for `pid` at most `timeout_ms` milliseconds (poll on a pidfd; waitpid polling where the
/// kernel has no pidfd_open), then kills it (SIGKILL) and reaps it. Returns 0 when it ended by
/// itself, 1 when it was killed for the time, -1 on error; `*status` is waitpid's status.
int wp_wait_child(int pid, int timeout_ms, int *status);

/// Limits the calling process: CPU seconds (SIGXCPU past the soft limit, SIGKILL one second on),
/// address space bytes beyond what is mapped already (0 = unchanged; skipped under AddressSanitizer, whose shadow memory needs
/// terabytes of address space), and the largest file it may write (0 = unchanged).
void wp_limit_self(long cpu_seconds, long address_space_bytes, long file_size_bytes);

/// Async-signal-safe _exit for a forked child.
_Noreturn void wp_exit_now(int status);

/// Decodes a waitpid status: returns the terminating signal (0 when it exited), `*exit_code`
/// the exit status when it exited.
int wp_wait_status(int status, int *exit_code);
#endif
