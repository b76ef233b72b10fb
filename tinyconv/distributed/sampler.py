"""DistributedSampler: each rank's share of the dataset indices, reshuffled every epoch."""
from __future__ import annotations

import math
import numbers

import numpy as np

from ..utils.data.sampler import IndexArraySampler
from . import process_group as pg

__all__ = ["DistributedSampler"]


class DistributedSampler(IndexArraySampler):
    """Restrict a DataLoader to this rank's shard of the dataset (torch's semantics).

    Every epoch the indices are permuted with a generator seeded by ``seed + epoch`` (the
    same on every rank), then padded by repeating the first indices so the total divides
    evenly (or truncated with ``drop_last``), and rank ``r`` takes positions
    ``r, r + P, r + 2P, ...``.  The shards of one epoch are disjoint (apart from the padding)
    and together cover the dataset.  Call ``set_epoch(epoch)`` before each epoch, otherwise
    every epoch uses the same order.

    Args:
        dataset: anything with ``len()``.
        num_replicas (int, optional): number of shards (default: the world size).
        rank (int, optional): this shard (default: this process's rank).
        shuffle (bool): permute the indices every epoch (default True).
        seed (int): base seed, identical on every rank (default 0).
        drop_last (bool): drop the tail so shards are equal without padding.
    """

    def __init__(self, dataset, num_replicas=None, rank=None, shuffle=True, seed=0,
                 drop_last=False):
        if num_replicas is None:
            num_replicas = pg.get_world_size()
        if rank is None:
            rank = pg.get_rank()
        if not isinstance(num_replicas, numbers.Integral) or num_replicas < 1:
            raise ValueError(f"DistributedSampler: num_replicas must be a positive integer, "
                             f"got {num_replicas!r}")
        if not isinstance(rank, numbers.Integral) or not 0 <= rank < num_replicas:
            raise ValueError(f"Invalid rank {rank}, rank should be in the interval "
                             f"[0, {num_replicas - 1}]")
        self.dataset = dataset
        self.num_replicas = int(num_replicas)
        self.rank = int(rank)
        self.epoch = 0
        self.drop_last = bool(drop_last)
        self.shuffle = bool(shuffle)
        self.seed = int(seed)
        n = len(dataset)
        if self.drop_last and n % self.num_replicas != 0:
            self.num_samples = math.ceil((n - self.num_replicas) / self.num_replicas)
        else:
            self.num_samples = math.ceil(n / self.num_replicas)
        self.total_size = self.num_samples * self.num_replicas

    def _indices(self):
        n = len(self.dataset)
        if self.shuffle:
            order = np.random.default_rng(self.seed + self.epoch).permutation(n)
        else:
            order = np.arange(n, dtype=np.int64)
        if not self.drop_last:
            pad = self.total_size - n
            if pad > 0:
                # repeat the permutation as often as needed (pad can exceed n for tiny sets)
                order = np.concatenate([order, np.resize(order, pad)])
        else:
            order = order[:self.total_size]
        return order[self.rank:self.total_size:self.num_replicas]

    def set_epoch(self, epoch):
        """Choose the epoch whose permutation the next iteration uses (same on every rank)."""
        self.epoch = int(epoch)

    def __repr__(self):
        return (f"DistributedSampler(num_replicas={self.num_replicas}, rank={self.rank}, "
                f"shuffle={self.shuffle}, seed={self.seed}, drop_last={self.drop_last})")
