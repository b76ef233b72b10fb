"""Datasets for tests/test_data_workers.py, in a module without torch: a worker process that
is spawned (not forked) imports the module of the dataset it receives."""
import os
import time

import numpy as np

from tinyconv import transforms as T
from tinyconv._random import stream
from tinyconv.utils.data import Dataset, TensorDataset, get_worker_info

AUG = T.Compose([T.ToTensor(), T.RandomCrop(6, padding=1), T.RandomHorizontalFlip()])


class FastAug(TensorDataset):
    """Vectorised path: whole batches, batched random transforms."""

    def _get_batch(self, idx):
        x, y = super()._get_batch(idx)
        return T.apply_batch(AUG, x), y


class SlowAug(Dataset):
    """Per-sample path: random transforms and a raw draw from the stream in __getitem__."""

    def __init__(self, x):
        self.x = x

    def __len__(self):
        return len(self.x)

    def __getitem__(self, i):
        return AUG(self.x[i]), np.float64(stream().random()), i


class WhoAmI(Dataset):
    def __len__(self):
        return 8

    def __getitem__(self, i):
        info = get_worker_info()
        return np.array([info.id, info.num_workers, info.seed % 1000003, os.getpid(),
                         _INIT.get("worker", -1)], dtype=np.int64)


_INIT = {}


def _init(worker_id):
    _INIT["worker"] = worker_id * 10


class Boom(Dataset):
    def __len__(self):
        return 12

    def __getitem__(self, i):
        if i == 7:
            raise KeyError("boom at 7")
        return np.float32(i)


class Slow(Dataset):
    def __len__(self):
        return 4

    def __getitem__(self, i):
        time.sleep(0.5 if i else 30)
        return np.float32(i)
