"""Samplers: iterables of dataset indices (torch.utils.data.sampler's names and checks).

Random samplers draw from their ``generator`` (a ``tc.Generator``) or, without one, from the
package generator (``tc.manual_seed``), at the start of each pass. They also expose
``_indices()``: the whole pass as one int64 array, which the DataLoader uses instead of a
Python iteration.
"""
import itertools
import numbers

import numpy as np

from ..._random import _gen
from ...tensor import Tensor

__all__ = ["Sampler", "SequentialSampler", "RandomSampler", "SubsetRandomSampler",
           "WeightedRandomSampler", "BatchSampler"]


class Sampler:
    """Base class for index samplers: iterables of dataset indices (usually with a length).

    Subclasses implement ``__iter__`` (and ``__len__`` when they know it).

    Args:
        data_source (Dataset, optional): ignored, as in torch (kept for subclasses that pass
            it on).
    """

    def __init__(self, data_source=None):
        pass

    def __iter__(self):
        raise NotImplementedError

    def _indices(self):
        return np.fromiter(iter(self), dtype=np.int64)


class IndexArraySampler(Sampler):
    """A sampler whose pass is one index array, drawn by the subclass's ``_indices()``, of
    ``num_samples`` indices."""

    def __iter__(self):
        return iter(self._indices().tolist())

    def __len__(self):
        return self.num_samples


class SequentialSampler(Sampler):
    """0, 1, ..., len(data_source) - 1.

    Args:
        data_source (Dataset): the dataset (only its length is used).
    """

    def __init__(self, data_source):
        self.data_source = data_source

    def __iter__(self):
        return iter(range(len(self.data_source)))

    def __len__(self):
        return len(self.data_source)

    def _indices(self):
        return np.arange(len(self.data_source), dtype=np.int64)


def _is_int(x):
    return isinstance(x, numbers.Integral) and not isinstance(x, bool)


class RandomSampler(IndexArraySampler):
    """Random indices on each pass: a permutation (repeated whole, then cut, when
    ``num_samples`` exceeds the length), or independent draws with ``replacement``.

    Args:
        data_source (Dataset): the dataset.
        replacement (bool): draw with replacement.
        num_samples (int, optional): indices per pass (default: ``len(data_source)``).
        generator: ``tc.Generator`` (default: the package generator).
    """

    def __init__(self, data_source, replacement=False, num_samples=None, generator=None):
        self.data_source = data_source
        self.replacement = replacement
        self._num_samples = num_samples
        self.generator = generator
        if not isinstance(self.replacement, bool):
            raise TypeError(f"replacement should be a boolean value, but got "
                            f"replacement={self.replacement}")
        if not _is_int(self.num_samples) or self.num_samples <= 0:
            raise ValueError(f"num_samples should be a positive integer value, but got "
                             f"num_samples={self.num_samples}")

    @property
    def num_samples(self):
        if self._num_samples is None:
            return len(self.data_source)
        return self._num_samples

    def _indices(self):
        n = len(self.data_source)
        rng = _gen(self.generator)
        if self.replacement:
            return rng.integers(0, n, size=self.num_samples, dtype=np.int64)
        reps, rest = divmod(self.num_samples, n)
        parts = [rng.permutation(n) for _ in range(reps)]
        parts.append(rng.permutation(n)[:rest])
        return np.concatenate(parts).astype(np.int64, copy=False)


class SubsetRandomSampler(Sampler):
    """The given ``indices`` in a random order on each pass.

    Args:
        indices (sequence of int): the indices to draw from.
        generator: ``tc.Generator`` (default: the package generator).
    """

    def __init__(self, indices, generator=None):
        self.indices = indices
        self.generator = generator

    def _indices(self):
        perm = _gen(self.generator).permutation(len(self.indices))
        return np.asarray(self.indices, dtype=np.int64).reshape(-1)[perm]

    def __iter__(self):
        for i in _gen(self.generator).permutation(len(self.indices)).tolist():
            yield self.indices[i]

    def __len__(self):
        return len(self.indices)


class WeightedRandomSampler(IndexArraySampler):
    """Indices ``0..len(weights)-1`` drawn with probabilities proportional to ``weights``.

    Args:
        weights (sequence): non-negative weights (need not sum to 1).
        num_samples (int): indices per pass.
        replacement (bool): with replacement (without, each index appears at most once, and
            ``num_samples`` may not exceed the number of non-zero weights).
        generator: ``tc.Generator`` (default: the package generator).
    """

    def __init__(self, weights, num_samples, replacement=True, generator=None):
        if not _is_int(num_samples) or num_samples <= 0:
            raise ValueError(f"num_samples should be a positive integer value, but got "
                             f"num_samples={num_samples}")
        if not isinstance(replacement, bool):
            raise ValueError(f"replacement should be a boolean value, but got "
                             f"replacement={replacement}")
        w = np.asarray(weights._data if isinstance(weights, Tensor) else weights,
                       dtype=np.float64)
        if w.ndim != 1:
            raise ValueError(f"weights should be a 1d sequence but given weights have shape "
                             f"{tuple(w.shape)}")
        self.weights = w
        self.num_samples = num_samples
        self.replacement = replacement
        self.generator = generator

    def _indices(self):
        w = self.weights
        # torch.multinomial's checks, at sampling time as there
        if not np.all(np.isfinite(w)):
            raise RuntimeError("probability tensor contains either `inf`, `nan` or element < 0")
        if np.any(w < 0):
            raise RuntimeError("invalid multinomial distribution (encountering probability "
                               "entry < 0)")
        total = w.sum()
        if not total > 0:
            raise RuntimeError("invalid multinomial distribution (sum of probabilities <= 0)")
        rng = _gen(self.generator)
        if self.replacement:
            return rng.choice(w.size, size=self.num_samples, p=w / total).astype(np.int64)
        if self.num_samples > w.size:
            raise RuntimeError("cannot sample n_sample > prob_dist.size(-1) samples without "
                               "replacement")
        # torch's draw without replacement: the largest w / Exp(1) keys (the zero weights
        # come last, once the others are used up)
        keys = w / rng.exponential(size=w.size)
        return np.argsort(-keys, kind="stable")[:self.num_samples].astype(np.int64)


class BatchSampler(Sampler):
    """Group the indices of ``sampler`` into lists of ``batch_size``.

    Args:
        sampler: an iterable of indices (a Sampler).
        batch_size (int): indices per batch.
        drop_last (bool): drop the last batch when it is short.
    """

    def __init__(self, sampler, batch_size, drop_last):
        if not _is_int(batch_size) or batch_size <= 0:
            raise ValueError(f"batch_size should be a positive integer value, but got "
                             f"batch_size={batch_size}")
        if not isinstance(drop_last, bool):
            raise ValueError(f"drop_last should be a boolean value, but got "
                             f"drop_last={drop_last}")
        self.sampler = sampler
        self.batch_size = batch_size
        self.drop_last = drop_last

    def __iter__(self):
        it = iter(self.sampler)
        while True:
            batch = list(itertools.islice(it, self.batch_size))
            if not batch or (self.drop_last and len(batch) < self.batch_size):
                return
            yield batch

    def __len__(self):
        if self.drop_last:
            return len(self.sampler) // self.batch_size
        return (len(self.sampler) + self.batch_size - 1) // self.batch_size
