"""DataLoader with worker processes: the same batches as the main process for a seeded run
(random transforms included), get_worker_info / worker_init_fn / seeds, iterable datasets split
among workers as torch does, errors re-raised with the worker's traceback, and no process left
behind (early break, exhausted pass, persistent workers, a killed worker, a timeout)."""
import gc
import multiprocessing
import os
import signal
import threading
import time
import warnings

import numpy as np
import pytest
import torch.utils.data as tud

import tinyconv as tc
from tests.data_worker_datasets import Boom, FastAug, Slow, SlowAug, WhoAmI, _init
from tests.test_data import Range, TorchRange
from tinyconv.utils.data import DataLoader, TensorDataset, get_worker_info

def _images(n=40):
    return np.random.default_rng(0).integers(0, 255, (n, 8, 8, 3)).astype(np.uint8)


def _batches(loader):
    return [[t.numpy().copy() for t in b] for b in loader]


def _no_children_left():
    deadline = time.monotonic() + 5
    while multiprocessing.active_children() and time.monotonic() < deadline:
        time.sleep(0.05)
    return not multiprocessing.active_children()


@pytest.mark.parametrize("cls", [FastAug, SlowAug])
def test_seeded_batches_are_identical_whatever_the_workers(cls):
    x = _images()
    ds = FastAug(x, np.arange(len(x))) if cls is FastAug else SlowAug(x)
    runs = {}
    for workers, prefetch in ((0, False), (0, True), (1, True), (2, True)):
        tc.manual_seed(11)
        dl = DataLoader(ds, batch_size=6, shuffle=True, num_workers=workers, prefetch=prefetch)
        runs[workers, prefetch] = _batches(dl)
    ref = runs[0, False]
    assert len(ref) == 7
    for key, run in runs.items():
        for a, b in zip(ref, run):
            for u, v in zip(a, b):
                np.testing.assert_array_equal(u, v, err_msg=str(key))
    assert _no_children_left()


def test_worker_info_seeds_and_init_fn():
    dl = DataLoader(WhoAmI(), batch_size=2, num_workers=2, worker_init_fn=_init, seed=3)
    rows = np.concatenate([b.numpy() for b in dl])
    ids = rows[:, 0]
    assert sorted(set(ids.tolist())) == [0, 1] and set(rows[:, 1].tolist()) == {2}
    # batches go round-robin to the workers; seeds are base_seed + worker id (torch's rule)
    np.testing.assert_array_equal(ids, [0, 0, 1, 1, 0, 0, 1, 1])
    seeds = {int(i): int(s) for i, s in zip(ids, rows[:, 2])}
    assert (seeds[1] - seeds[0]) % 1000003 == 1
    assert set(rows[:, 3].tolist()).isdisjoint({os.getpid()})
    np.testing.assert_array_equal(rows[:, 4], ids * 10)
    assert get_worker_info() is None


@pytest.mark.parametrize("workers,bs,drop_last", [(2, 3, False), (3, 2, True), (2, None, False)])
def test_iterable_dataset_with_workers_matches_torch(workers, bs, drop_last):
    many = workers > len(os.sched_getaffinity(0))
    with pytest.warns(UserWarning, match="will create 3 worker processes") if many \
            else warnings.catch_warnings():
        ours = [b.tolist() for b in DataLoader(Range(0, 11), batch_size=bs,
                                               drop_last=drop_last, num_workers=workers)]
    with pytest.warns(UserWarning, match="will create 3 worker processes") if many \
            else warnings.catch_warnings():
        theirs = [b.tolist() for b in tud.DataLoader(TorchRange(0, 11), batch_size=bs,
                                                     drop_last=drop_last, num_workers=workers)]
    assert ours == theirs


def test_worker_errors_reach_the_consumer_with_their_traceback():
    got = []
    with pytest.raises(KeyError, match="Caught KeyError in DataLoader worker process 1") as e:
        for b in DataLoader(Boom(), batch_size=2, num_workers=2):
            got.append(b.tolist())
    assert "boom at 7" in str(e.value) and "__getitem__" in str(e.value)
    assert got == [[0.0, 1.0], [2.0, 3.0], [4.0, 5.0]]
    with pytest.raises(ZeroDivisionError, match="Caught ZeroDivisionError in DataLoader worker"):
        next(iter(DataLoader(Boom(), num_workers=1, worker_init_fn=lambda w: 1 / 0)))
    # a batch that cannot be sent back is an error too, not a hang
    with pytest.raises(AttributeError, match="(?s)Caught AttributeError.*Can't pickle"):
        next(iter(DataLoader(Boom(), num_workers=1, collate_fn=lambda s: lambda: s)))
    assert _no_children_left()


def _prefetch_threads():
    return [t for t in threading.enumerate() if t.name == "tinyconv-prefetch"]


def test_early_break_stops_workers_and_threads():
    ds = TensorDataset(np.arange(400))
    before = len(_prefetch_threads())
    for workers in (0, 2):
        for _ in range(3):
            for i, _ in enumerate(DataLoader(ds, batch_size=4, num_workers=workers)):
                if i == 2:
                    break
        next(iter(DataLoader(ds, batch_size=4, num_workers=workers)))
        gc.collect()
        assert _no_children_left()
    deadline = time.monotonic() + 5
    while len(_prefetch_threads()) > before and time.monotonic() < deadline:
        time.sleep(0.05)
    assert len(_prefetch_threads()) == before


def test_persistent_workers_serve_every_pass_then_go_with_the_loader():
    dl = DataLoader(WhoAmI(), batch_size=4, num_workers=2, persistent_workers=True,
                    prefetch_factor=1)
    pids = [set(np.concatenate([b.numpy() for b in dl])[:, 3].tolist()) for _ in range(3)]
    assert pids[0] == pids[1] == pids[2] and len(pids[0]) == 2
    # an abandoned pass does not disturb the next one
    next(iter(dl))
    assert len(list(dl)) == 2
    assert len(multiprocessing.active_children()) == 2
    del dl
    gc.collect()
    assert _no_children_left()


def test_a_killed_worker_and_a_timeout_are_errors_not_hangs():
    it = iter(DataLoader(Slow(), num_workers=1))
    time.sleep(0.3)
    os.kill(it._pool.workers[0].pid, signal.SIGKILL)
    with pytest.raises(RuntimeError, match=r"DataLoader worker \(pid\(s\) \d+\) exited "
                                           r"unexpectedly"):
        next(it)
    with pytest.raises(RuntimeError, match="DataLoader timed out after 0.2 seconds"):
        next(iter(DataLoader(Slow(), num_workers=1, timeout=0.2)))
    assert _no_children_left()


def test_spawned_workers_import_the_package_and_give_the_same_batches():
    x = _images(12)
    ds = FastAug(x, np.arange(12))
    ref = _batches(DataLoader(ds, batch_size=4, shuffle=True, seed=1))
    got = _batches(DataLoader(ds, batch_size=4, shuffle=True, seed=1, num_workers=1,
                              multiprocessing_context="spawn"))
    for a, b in zip(ref, got):
        for u, v in zip(a, b):
            np.testing.assert_array_equal(u, v)
    assert _no_children_left()
