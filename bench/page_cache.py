"""How a source sits in the page cache, which decides what reading it through a map costs.

Linux 6.18 caches an ext4 file in folios of up to 2 MiB. A sequential read() (a copy, a
checksum, a file read from disk after a reboot) leaves most of a large file in 2 MiB folios,
which a map takes in one page-table entry each; a file written a few KiB at a time (a program
writing through a small buffer) stays in 4 KiB folios: one entry per page to make present and
one to drop, about 60,000 each way for 254 MB. The same bytes, either way, cost the write floor
nothing (it reads them into its own memory first), so the convert benchmarks name the state they
ran in and can run in both:

- `read`: the file dropped from the cache (after a sync) and read back with read() in 1 MiB pieces;
- `small`: a copy written with 4 KiB write() calls, then synced, so it stays cached in 4 KiB folios.
"""
import os

import floor

STATES = ("read", "small")


def read_back(path):
    """Drops `path` from the page cache and reads it back sequentially."""
    os.sync()
    fd = os.open(path, os.O_RDONLY)
    try:
        os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)
        buffer = bytearray(1 << 20)
        while os.readv(fd, [buffer]):
            pass
    finally:
        os.close(fd)


def written_small(source, copy):
    """A copy of `source` written 4 KiB per call (made once), synced so its pages stay clean."""
    if not copy.exists() or copy.stat().st_size != source.stat().st_size:
        data = source.read_bytes()
        fd = os.open(copy, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
        try:
            for offset in range(0, len(data), 4096):
                os.write(fd, data[offset:offset + 4096])
        finally:
            os.close(fd)
    os.sync()


def prepare(state, source):
    """The path of `source` in `state` (`read` reads it back in place, `small` makes a sibling copy)."""
    if state == "read":
        read_back(source)
        return source
    copy = source.with_name(source.stem + "_small_folios" + source.suffix)
    written_small(source, copy)
    return copy


def describe(path):
    """`floor pages`: 'cached 84% in 2 MiB folios (populate 7.4 ms, unmap 0.4 ms)'."""
    populate, unmap, fraction = floor.pages(path)
    return (f"cached {fraction * 100:.0f}% in 2 MiB folios (mapping it: populate {populate * 1e3:.1f} ms, "
            f"unmap {unmap * 1e3:.1f} ms)")
