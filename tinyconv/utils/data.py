"""Datasets and the DataLoader (torch.utils.data's names and semantics, NumPy underneath).

Fast path: a dataset that can produce a whole batch from an index array exposes
``_get_batch(indices)`` returning the collated batch as NumPy arrays (a tuple, a dict or an
array). ``TensorDataset``, ``Subset`` of such a dataset and the image datasets in
``tinyconv.datasets`` do, so a batch costs one fancy-indexing gather plus the batched transforms,
never a Python loop over samples. Other datasets go through ``__getitem__`` and ``collate_fn``.

Reproducibility: each pass over a ``DataLoader`` draws one 64-bit seed from its ``generator``
(or, with ``seed=``, derives it from ``(seed, epoch)``; otherwise from the package generator, so
``tc.manual_seed`` fixes it) in the calling thread. The shuffle order and the random transforms of
that pass use only the stream derived from this seed, so the batches are the same with or without
the background prefetch thread.
"""
import math
import numbers
import queue
import threading

import numpy as np

from .._random import Generator, _gen, using_rng
from ..tensor import Tensor

__all__ = ["Dataset", "TensorDataset", "Subset", "ConcatDataset", "random_split", "DataLoader",
           "Sampler", "SequentialSampler", "RandomSampler", "default_collate"]


class Dataset:
    """Base class: map-style datasets implement ``__getitem__(index)`` and ``__len__()``."""

    def __getitem__(self, index):
        raise NotImplementedError(f"{type(self).__name__} must implement __getitem__")

    def __len__(self):
        raise NotImplementedError(f"{type(self).__name__} must implement __len__")

    def __add__(self, other):
        return ConcatDataset([self, other])


def _as_array(x):
    if isinstance(x, Tensor):
        return x.data
    return np.asarray(x)


class TensorDataset(Dataset):
    """Samples are the i-th rows of the given tensors/arrays (all sharing their first dimension).

    Args:
        *tensors: ``tc.Tensor`` or ndarrays with the same size in dimension 0.
    """

    def __init__(self, *tensors):
        if not tensors:
            raise ValueError("TensorDataset: at least one tensor is required")
        arrays = [_as_array(t) for t in tensors]
        for a in arrays:
            if a.ndim == 0:
                raise ValueError("TensorDataset: tensors must have at least one dimension")
        n = arrays[0].shape[0]
        if any(a.shape[0] != n for a in arrays):
            raise ValueError(f"TensorDataset: size mismatch between tensors "
                             f"(first dimensions {[a.shape[0] for a in arrays]})")
        self.tensors = tuple(t if isinstance(t, Tensor) else Tensor._make(a, False, None)
                             for t, a in zip(tensors, arrays))
        self._arrays = arrays

    def __getitem__(self, index):
        return tuple(Tensor._make(np.asarray(a[index]), False, None) for a in self._arrays)

    def __len__(self):
        return self._arrays[0].shape[0]

    def _get_batch(self, indices):
        return tuple(a[indices] for a in self._arrays)


class Subset(Dataset):
    """The samples of ``dataset`` at ``indices``.

    Args:
        dataset (Dataset): the full dataset.
        indices (sequence of int): positions in ``dataset``.
    """

    def __init__(self, dataset, indices):
        self.dataset = dataset
        self.indices = np.asarray(indices, dtype=np.int64).reshape(-1)
        n = len(dataset)
        if self.indices.size and (self.indices.min() < -n or self.indices.max() >= n):
            raise IndexError(f"Subset: indices out of range for a dataset of length {n}")

    def __getitem__(self, idx):
        if isinstance(idx, (list, np.ndarray)):
            return [self.dataset[int(self.indices[i])] for i in idx]
        return self.dataset[int(self.indices[idx])]

    def __len__(self):
        return len(self.indices)

    def __getattr__(self, name):
        # only reached for missing attributes; expose the fast path when the base has it
        if name == "_get_batch" and hasattr(self.__dict__.get("dataset"), "_get_batch"):
            return lambda indices: self.dataset._get_batch(self.indices[indices])
        raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")


class ConcatDataset(Dataset):
    """The concatenation of several datasets.

    Args:
        datasets: a sequence of datasets; index ``i`` runs through them in order.
    """

    def __init__(self, datasets):
        self.datasets = list(datasets)
        if not self.datasets:
            raise ValueError("ConcatDataset: datasets should not be an empty iterable")
        self.cumulative_sizes = np.cumsum([len(d) for d in self.datasets]).tolist()

    def __len__(self):
        return self.cumulative_sizes[-1]

    def __getitem__(self, idx):
        if idx < 0:
            if -idx > len(self):
                raise IndexError("ConcatDataset: index out of range")
            idx += len(self)
        d = int(np.searchsorted(self.cumulative_sizes, idx, side="right"))
        start = 0 if d == 0 else self.cumulative_sizes[d - 1]
        return self.datasets[d][idx - start]


def random_split(dataset, lengths, generator=None):
    """Split ``dataset`` into non-overlapping random ``Subset``s.

    Args:
        dataset (Dataset): the dataset to split.
        lengths (sequence): sizes, or fractions summing to 1 (remainders go round-robin to the
            first splits, as in torch).
        generator: ``tc.Generator`` for the permutation (default: the package generator).
    Returns:
        list[Subset]
    """
    n = len(dataset)
    lengths = list(lengths)
    if lengths and all(isinstance(x, numbers.Real) and not isinstance(x, numbers.Integral)
                       for x in lengths) and math.isclose(sum(lengths), 1.0):
        if any(f < 0 or f > 1 for f in lengths):
            raise ValueError(f"random_split: fractions must be in [0, 1], got {lengths}")
        sizes = [int(math.floor(n * f)) for f in lengths]
        for i in range(n - sum(sizes)):
            sizes[i % len(sizes)] += 1
        lengths = sizes
    if any(not isinstance(x, numbers.Integral) or x < 0 for x in lengths):
        raise ValueError(f"random_split: lengths must be non-negative ints or fractions summing "
                         f"to 1, got {lengths}")
    if sum(lengths) != n:
        raise ValueError(f"random_split: sum of input lengths ({sum(lengths)}) does not equal the "
                         f"length of the input dataset ({n})")
    perm = _gen(generator).permutation(n)
    out, start = [], 0
    for length in lengths:
        out.append(Subset(dataset, perm[start:start + length]))
        start += length
    return out


class Sampler:
    """Base class for index samplers: iterables of dataset indices with a length."""

    def __iter__(self):
        raise NotImplementedError

    def __len__(self):
        raise NotImplementedError


class SequentialSampler(Sampler):
    """Indices ``0, 1, ..., len(data_source) - 1``, in order.

    Args:
        data_source: the dataset (only its length is used).
    """

    def __init__(self, data_source):
        self.data_source = data_source

    def __iter__(self):
        return iter(range(len(self.data_source)))

    def __len__(self):
        return len(self.data_source)


class RandomSampler(Sampler):
    """A random permutation of the indices on each pass.

    Args:
        data_source (Dataset): the dataset.
        generator: ``tc.Generator`` (default: the package generator).
    """

    def __init__(self, data_source, generator=None):
        self.data_source = data_source
        self.generator = generator

    def __iter__(self):
        return iter(_gen(self.generator).permutation(len(self.data_source)).tolist())

    def __len__(self):
        return len(self.data_source)


def default_collate(batch):
    """Stack a list of samples into NumPy arrays, recursing into tuples, lists and dicts.

    Tensors and arrays are stacked along a new first dimension; Python ints become int64,
    floats float64 and bools bool arrays (torch's rules); strings stay a list.

    Args:
        batch (list): samples as returned by ``dataset[i]``.
    Returns:
        the batch with the structure of one sample, leaves being ndarrays.
    """
    if not batch:
        raise ValueError("default_collate: empty batch")
    elem = batch[0]
    if isinstance(elem, Tensor):
        return np.stack([b.data for b in batch])
    if isinstance(elem, np.ndarray):
        return np.stack(batch)
    if isinstance(elem, np.generic):
        return np.array(batch, dtype=elem.dtype)
    if isinstance(elem, bool):
        return np.array(batch, dtype=np.bool_)
    if isinstance(elem, numbers.Integral):
        return np.array(batch, dtype=np.int64)
    if isinstance(elem, numbers.Real):
        return np.array(batch, dtype=np.float64)
    if isinstance(elem, (str, bytes)):
        return list(batch)
    if isinstance(elem, dict):
        return {k: default_collate([b[k] for b in batch]) for k in elem}
    if isinstance(elem, tuple) and hasattr(elem, "_fields"):   # namedtuple
        return type(elem)(*(default_collate(list(s)) for s in zip(*batch)))
    if isinstance(elem, (tuple, list)):
        if any(len(b) != len(elem) for b in batch):
            raise RuntimeError("default_collate: each element in the batch should be of equal size")
        return [default_collate(list(s)) for s in zip(*batch)]
    raise TypeError(f"default_collate: batch elements must be tensors, arrays, numbers, strings, "
                    f"dicts or sequences; found {type(elem).__name__}")


def _to_tensors(obj):
    """Turn the ndarray leaves of a collated batch into tinyconv tensors (no copy)."""
    if isinstance(obj, np.ndarray):
        return Tensor._make(obj, False, None)
    if isinstance(obj, Tensor):
        return obj
    if isinstance(obj, dict):
        return {k: _to_tensors(v) for k, v in obj.items()}
    if isinstance(obj, tuple) and hasattr(obj, "_fields"):
        return type(obj)(*(_to_tensors(v) for v in obj))
    if isinstance(obj, (list, tuple)):
        if obj and all(isinstance(v, (str, bytes)) for v in obj):
            return list(obj)
        return [_to_tensors(v) for v in obj]
    return obj


_STOP = object()


class DataLoader:
    """Iterate over a dataset in (shuffled) batches of tinyconv tensors.

    Args:
        dataset (Dataset): where samples come from.
        batch_size (int or None): samples per batch (None: yield single collated samples).
        shuffle (bool): a new random order on every pass.
        sampler (iterable of int, optional): explicit index order (excludes ``shuffle``).
        batch_sampler (iterable of index lists, optional): explicit batches.
        num_workers (int): accepted for torch compatibility; only 0 is supported (batching is
            vectorised, and ``prefetch`` overlaps it with training).
        collate_fn (callable, optional): turns a list of samples into a batch (disables the
            vectorised fast path).
        pin_memory (bool): ignored (CPU only).
        drop_last (bool): drop the last incomplete batch.
        generator (tc.Generator, optional): source of each pass's seed.
        seed (int, optional): fixed base seed; pass ``e`` then uses ``(seed, e)`` (see
            ``set_epoch``), independent of any other random state.
        prefetch (bool): assemble the next batch in a background thread.
    Yields:
        batches with the structure of a sample (e.g. ``[images, labels]``), leaves as tensors.
    """

    def __init__(self, dataset, batch_size=1, shuffle=False, sampler=None, batch_sampler=None,
                 num_workers=0, collate_fn=None, pin_memory=False, drop_last=False,
                 generator=None, seed=None, prefetch=True):
        if batch_size is not None and (not isinstance(batch_size, numbers.Integral)
                                       or isinstance(batch_size, bool) or batch_size <= 0):
            raise ValueError(f"DataLoader: batch_size should be a positive integer value, "
                             f"but got batch_size={batch_size}")
        if sampler is not None and shuffle:
            raise ValueError("DataLoader: sampler option is mutually exclusive with shuffle")
        if batch_sampler is not None and (batch_size != 1 or shuffle or sampler is not None
                                          or drop_last):
            raise ValueError("DataLoader: batch_sampler option is mutually exclusive with "
                             "batch_size, shuffle, sampler, and drop_last")
        if not isinstance(num_workers, numbers.Integral) or num_workers < 0:
            raise ValueError(f"DataLoader: num_workers option should be non-negative, "
                             f"got {num_workers}")
        if generator is not None and not isinstance(generator, (Generator, np.random.Generator)):
            raise TypeError(f"DataLoader: generator must be a tinyconv.Generator, "
                            f"got {type(generator).__name__}")
        self.dataset = dataset
        self.batch_size = None if batch_sampler is not None else batch_size
        self.shuffle = bool(shuffle)
        self.sampler = sampler
        self.batch_sampler = batch_sampler
        self.num_workers = num_workers
        self.collate_fn = collate_fn
        self.pin_memory = pin_memory
        self.drop_last = bool(drop_last)
        self.generator = generator
        self.seed = seed
        self.prefetch = bool(prefetch)
        self.epoch = 0

    def set_epoch(self, epoch):
        """With ``seed=``, choose which pass's order the next iteration uses."""
        self.epoch = int(epoch)

    def __len__(self):
        if self.batch_sampler is not None:
            return len(self.batch_sampler)
        n = len(self.sampler) if self.sampler is not None else len(self.dataset)
        if self.batch_size is None:
            return n
        return n // self.batch_size if self.drop_last else -(-n // self.batch_size)

    def _pass_rng(self):
        if self.seed is not None:
            rng = np.random.default_rng([int(self.seed), self.epoch])
        else:
            rng = np.random.default_rng(int(_gen(self.generator).integers(0, 2**63 - 1)))
        self.epoch += 1
        return rng

    def _index_batches(self, rng):
        """List of index batches for one pass (an int for batch_size=None)."""
        if self.batch_sampler is not None:
            return [np.asarray(list(b), dtype=np.int64) for b in self.batch_sampler]
        n = len(self.dataset)
        if self.sampler is not None:
            order = np.fromiter(iter(self.sampler), dtype=np.int64)
        elif self.shuffle:
            order = rng.permutation(n)
        else:
            order = np.arange(n, dtype=np.int64)
        if self.batch_size is None:
            return [int(i) for i in order]
        bs = self.batch_size
        stop = (len(order) // bs) * bs if self.drop_last else len(order)
        return [order[s:s + bs] for s in range(0, stop, bs)]

    def _make_batch(self, idx):
        if self.batch_size is None and self.batch_sampler is None:
            sample = self.dataset[idx]
            return _to_tensors(self.collate_fn([sample])[0] if self.collate_fn else sample)
        fast = getattr(self.dataset, "_get_batch", None) if self.collate_fn is None else None
        if fast is not None:
            return _to_tensors(fast(idx))
        samples = [self.dataset[int(i)] for i in idx]
        collate = self.collate_fn or default_collate
        return _to_tensors(collate(samples))

    def __iter__(self):
        rng = self._pass_rng()
        batches = self._index_batches(rng)
        if not self.prefetch or len(batches) <= 1:
            return self._iter_sync(batches, rng)
        return _PrefetchIterator(self, batches, rng)

    def _iter_sync(self, batches, rng):
        for idx in batches:
            with using_rng(rng):
                batch = self._make_batch(idx)
            yield batch

    def __repr__(self):
        return (f"DataLoader(dataset={type(self.dataset).__name__}, batch_size={self.batch_size}, "
                f"shuffle={self.shuffle}, drop_last={self.drop_last})")


class _PrefetchIterator:
    """Assembles batches in a daemon thread, at most ``depth`` ahead of the consumer."""

    def __init__(self, loader, batches, rng, depth=2):
        self._queue = queue.Queue(maxsize=depth)
        self._stop = threading.Event()
        self._n = len(batches)
        self._done = 0
        self._thread = threading.Thread(target=self._work, args=(loader, batches, rng),
                                        daemon=True, name="tinyconv-prefetch")
        self._thread.start()

    def _put(self, item):
        while not self._stop.is_set():
            try:
                self._queue.put(item, timeout=0.1)
                return True
            except queue.Full:
                continue
        return False

    def _work(self, loader, batches, rng):
        try:
            with using_rng(rng):
                for idx in batches:
                    if self._stop.is_set():
                        return
                    if not self._put((True, loader._make_batch(idx))):
                        return
        except BaseException as e:  # handed to the consumer, re-raised there
            self._put((False, e))
            return
        self._put((True, _STOP))

    def __iter__(self):
        return self

    def __len__(self):
        return self._n - self._done

    def __next__(self):
        if self._stop.is_set():
            raise StopIteration
        ok, item = self._queue.get()
        if not ok:
            self.close()
            raise item
        if item is _STOP:
            self.close()
            raise StopIteration
        self._done += 1
        return item

    def close(self):
        self._stop.set()
        if self._thread.is_alive() and self._thread is not threading.current_thread():
            self._thread.join(timeout=5.0)

    def __del__(self):
        self._stop.set()
