"""Work memory of the convolution algorithms: chunk sizes and per-thread scratch buffers.

Memory stays bounded: the im2col (or Winograd tile) matrix is built for a chunk of the batch
at a time, sized to stay under ``tinyconv.backends.conv.workspace_limit`` bytes (and, for
speed, near the last-level cache).
"""
import threading

import numpy as np

from ... import backends

__all__ = ["chunk_size", "scratch", "release_scratch", "CACHE_CHUNK_BYTES"]

# the chunk that keeps an im2col buffer hot in cache for the GEMM that reads it next
CACHE_CHUNK_BYTES = 16 << 20


def chunk_size(N, per_sample_bytes, cache_bytes=CACHE_CHUNK_BYTES):
    """Samples per chunk: under the workspace limit, and near ``cache_bytes``."""
    budget = min(backends.conv.workspace_limit, cache_bytes)
    return int(max(1, min(N, budget // max(per_sample_bytes, 1))))


# Work buffers (im2col columns, GEMM outputs, Winograd tiles) are kept between calls, per
# thread and slot, up to ``backends.conv.scratch_limit`` bytes per thread in all.  A fresh
# NumPy array above glibc's mmap threshold (32 MB at most) is a new mapping whose every page
# faults on first write, on every call.  The gain measured is small: on the Winograd path of a
# 64->128 14x14 layer (N=128) forward 80 -> 78 ms, backward 147 -> 141 ms; on LeNet-5's
# (smaller, below the threshold) buffers none.
_SCRATCH = threading.local()


def scratch(slot, size, dtype):
    """A 1-D array of ``size`` elements of ``dtype``, as workspace inside one conv call.

    Its contents are undefined, and the next request for the same ``slot`` on the same thread
    gets the same memory: callers never return it or keep it past the call, and distinct
    buffers of one call use distinct slots.  Requests that would take this thread's kept
    buffers past the scratch limit get a plain temporary array instead.
    """
    dtype = np.dtype(dtype)
    nbytes = int(size) * dtype.itemsize
    bufs = getattr(_SCRATCH, "bufs", None)
    if bufs is None:
        bufs = _SCRATCH.bufs = {}
    buf = bufs.get(slot)
    if buf is None or buf.nbytes < nbytes:
        others = sum(b.nbytes for k, b in bufs.items() if k != slot)
        if others + nbytes > backends.conv.scratch_limit:
            return np.empty(size, dtype=dtype)
        bufs.pop(slot, None)
        buf = bufs[slot] = np.empty(nbytes, dtype=np.uint8)
    return buf[:nbytes].view(dtype)


def release_scratch():
    """Free this thread's kept conv work buffers (the next convolutions make them again)."""
    _SCRATCH.bufs = {}
