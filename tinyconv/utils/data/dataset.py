"""Datasets: map-style (``__getitem__``/``__len__``) and iterable-style (``__iter__``), with
torch's composition helpers (Subset, ConcatDataset, ChainDataset, random_split).

A map-style dataset that can produce a whole batch from an index array exposes
``_get_batch(indices)`` returning the collated batch as NumPy arrays (a tuple, a dict or an
array). ``TensorDataset``, ``Subset`` of such a dataset and the image datasets in
``tinyconv.datasets`` do, so a DataLoader batch costs one fancy-indexing gather plus the
batched transforms, never a Python loop over samples.
"""
import bisect
import math
import numbers

import numpy as np

from ..._random import _gen
from ...tensor import Tensor

__all__ = ["Dataset", "IterableDataset", "TensorDataset", "Subset", "ConcatDataset",
           "ChainDataset", "random_split"]


class Dataset:
    """Base class: map-style datasets implement ``__getitem__(index)`` and ``__len__()``."""

    def __getitem__(self, index):
        raise NotImplementedError(f"{type(self).__name__} must implement __getitem__")

    def __len__(self):
        raise NotImplementedError(f"{type(self).__name__} must implement __len__")

    def __add__(self, other):
        return ConcatDataset([self, other])


class IterableDataset(Dataset):
    """Base class of datasets that are streams: implement ``__iter__``.

    With ``num_workers > 0`` every worker process iterates its own copy of the dataset; use
    ``get_worker_info()`` inside ``__iter__`` to give each worker its share, as in torch.
    """

    def __iter__(self):
        raise NotImplementedError(f"{type(self).__name__} must implement __iter__")

    def __getitem__(self, index):
        raise TypeError(f"{type(self).__name__} is an IterableDataset: iterate it instead of "
                        f"indexing it")

    def __add__(self, other):
        return ChainDataset([self, other])


def _as_array(x):
    if isinstance(x, Tensor):
        return x._data
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
            return _SubsetBatch(self.dataset, self.indices)
        raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")


class _SubsetBatch:
    """``Subset._get_batch``: a picklable callable (worker processes may receive it)."""

    def __init__(self, dataset, indices):
        self.dataset = dataset
        self.indices = indices

    def __call__(self, indices):
        return self.dataset._get_batch(self.indices[indices])


class ConcatDataset(Dataset):
    """The concatenation of several map-style datasets.

    Index ``i`` reads from the first dataset until its length, then from the next, and so on
    (negative indices count from the end of the whole).

    Args:
        datasets (iterable of Dataset): the map-style datasets, in order (not empty).
    """

    def __init__(self, datasets):
        self.datasets = list(datasets)
        if not self.datasets:
            raise ValueError("ConcatDataset: datasets should not be an empty iterable")
        for d in self.datasets:
            if isinstance(d, IterableDataset):
                raise TypeError("ConcatDataset does not support IterableDataset")
        self.cumulative_sizes = np.cumsum([len(d) for d in self.datasets]).tolist()

    def __len__(self):
        return self.cumulative_sizes[-1]

    def __getitem__(self, idx):
        if idx < 0:
            if -idx > len(self):
                raise ValueError("absolute value of index should not exceed dataset length")
            idx += len(self)
        d = bisect.bisect_right(self.cumulative_sizes, idx)
        start = 0 if d == 0 else self.cumulative_sizes[d - 1]
        return self.datasets[d][idx - start]


class ChainDataset(IterableDataset):
    """Iterate several iterable datasets one after the other (lazily).

    Args:
        datasets: the iterable datasets.
    """

    def __init__(self, datasets):
        self.datasets = datasets

    def __iter__(self):
        for d in self.datasets:
            if not isinstance(d, IterableDataset):
                raise AssertionError("ChainDataset only supports IterableDataset")
            yield from d

    def __len__(self):
        total = 0
        for d in self.datasets:
            if not isinstance(d, IterableDataset):
                raise AssertionError("ChainDataset only supports IterableDataset")
            total += len(d)
        return total


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
