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
/// if needed: madvise(MADV_POPULATE_READ) where the kernel has it (5.14+), else one read per page.
void wp_prefault(const void *address, size_t length);
#endif
