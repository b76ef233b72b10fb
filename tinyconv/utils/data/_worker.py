"""What runs in a DataLoader worker process: the batch fetchers, the worker loop, and
``get_worker_info``.

Protocol (main -> worker, on the worker's own index queue): ``(pass_id, task_id, indices,
entropy)`` asks for one batch (``indices`` is None for an iterable dataset: its next batch);
``None`` asks the worker to exit.  Worker -> main, on the shared result queue:
``(pass_id, task_id, worker_id, kind, payload)`` with ``kind`` 'ok' (payload: the batch),
'stop' (the worker's iterable is exhausted for this pass) or 'error' (payload: an
``_ExceptionWrapper``).  ``entropy`` seeds the random stream the transforms draw from while
this batch (or, for an iterable, this pass) is assembled, so a seeded run gives the same
batches whatever the number of workers.
"""
import os
import pickle
import queue
import random
import signal
import traceback
from multiprocessing.reduction import ForkingPickler

import numpy as np

from ..._random import manual_seed, using_rng
from ._collate import default_collate, default_convert, to_tensors

__all__ = ["WorkerInfo", "get_worker_info"]

_worker_info = None


class WorkerInfo:
    """What a worker process knows about itself (``get_worker_info()``'s result).

    Attributes:
        id (int): this worker's index, 0 .. num_workers - 1.
        num_workers (int): the number of workers.
        seed (int): the seed this worker's random generators were set to.
        dataset: this worker's copy of the dataset.
    """

    def __init__(self, **kwargs):
        for k, v in kwargs.items():
            object.__setattr__(self, k, v)
        object.__setattr__(self, "_keys", tuple(kwargs))

    def __setattr__(self, key, value):
        raise RuntimeError(f"Cannot assign attributes to {type(self).__name__} objects")

    def __repr__(self):
        items = ", ".join(f"{k}={getattr(self, k)}" for k in self._keys)
        return f"{type(self).__name__}({items})"


def get_worker_info():
    """In a DataLoader worker process, its ``WorkerInfo``; in the main process, None.

    Use it in an ``IterableDataset.__iter__`` or a ``worker_init_fn`` to split the work among
    the workers.
    """
    return _worker_info


class _Exhausted(Exception):
    """An iterable dataset has no further batch for this pass."""


class MapFetcher:
    """Assembles the batch of a map-style dataset for an index array (or one index)."""

    def __init__(self, dataset, auto_collation, collate_fn):
        self.dataset = dataset
        self.auto_collation = auto_collation
        self.collate_fn = collate_fn

    def fetch(self, indices):
        ds = self.dataset
        if not self.auto_collation:
            sample = ds[indices]
            return self.collate_fn(sample) if self.collate_fn else default_convert(sample)
        if self.collate_fn is None:
            fast = getattr(ds, "_get_batch", None)
            if fast is not None:
                return to_tensors(fast(indices))
            return default_collate([ds[int(i)] for i in indices])
        return self.collate_fn([ds[int(i)] for i in indices])


class IterableFetcher:
    """Assembles the next batch of an iterable dataset (``start()`` begins a pass)."""

    def __init__(self, dataset, auto_collation, collate_fn, batch_size, drop_last):
        self.dataset = dataset
        self.auto_collation = auto_collation
        self.collate_fn = collate_fn
        self.batch_size = batch_size
        self.drop_last = drop_last
        self.it = None
        self.ended = True

    def start(self):
        self.it = iter(self.dataset)
        self.ended = False

    def fetch(self, indices=None):
        if self.ended:
            raise _Exhausted
        if not self.auto_collation:
            try:
                item = next(self.it)
            except StopIteration:
                self.ended = True
                raise _Exhausted from None
            return self.collate_fn(item) if self.collate_fn else default_convert(item)
        batch = []
        for _ in range(self.batch_size):
            try:
                batch.append(next(self.it))
            except StopIteration:
                self.ended = True
                break
        if not batch or (self.drop_last and len(batch) < self.batch_size):
            raise _Exhausted
        return self.collate_fn(batch) if self.collate_fn else default_collate(batch)


class _ExceptionWrapper:
    """An exception raised in a worker, re-raised in the main process with its traceback."""

    def __init__(self, exc, where):
        exc_type = type(exc)
        try:
            pickle.loads(pickle.dumps(exc_type))
        except Exception:  # a class pickle cannot name: re-raised as RuntimeError
            exc_type = None
        self.exc_type = exc_type
        self.type_name = type(exc).__name__
        self.msg = (f"Caught {type(exc).__name__} in {where}.\nOriginal "
                    + "".join(traceback.format_exception(exc)))

    def reraise(self):
        msg = self.msg
        if self.exc_type is KeyError:
            # KeyError calls repr() on its argument (usually a dict key); this makes stack
            # traces unreadable, as torch notes: wrap the message in a str subclass
            msg = _KeyErrorMessage(msg)
        try:
            exc = self.exc_type(msg) if self.exc_type is not None else None
        except Exception:
            exc = None
        if exc is None:
            raise RuntimeError(msg)
        raise exc


class _KeyErrorMessage(str):
    def __repr__(self):
        return self


def _put(data_queue, item, where):
    # pickled here, not in the queue's feeder thread: there an unpicklable batch would only
    # be printed, and the main process would wait for it forever
    try:
        buf = ForkingPickler.dumps(item)
    except Exception as e:
        buf = ForkingPickler.dumps(item[:3] + ("error", _ExceptionWrapper(e, where)))
    data_queue.put(bytes(buf))


def worker_loop(fetcher, index_queue, data_queue, done_event, worker_id, num_workers, seed,
                init_fn, parent_pid):
    """The body of worker process ``worker_id`` (see the module docstring)."""
    global _worker_info
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the main process's to handle
    seed = int(seed)
    manual_seed(seed % 2**63)
    random.seed(seed)
    _worker_info = WorkerInfo(id=worker_id, num_workers=num_workers, seed=seed,
                              dataset=fetcher.dataset)
    where = f"DataLoader worker process {worker_id}"
    init_error = None
    if init_fn is not None:
        try:
            init_fn(worker_id)
        except Exception as e:
            init_error = _ExceptionWrapper(e, where)
    iterable = isinstance(fetcher, IterableFetcher)
    current_pass, pass_rng = None, None
    while True:
        try:
            task = index_queue.get(timeout=1.0)
        except queue.Empty:
            if done_event.is_set() or os.getppid() != parent_pid:
                break  # the main process is gone or shutting down
            continue
        if task is None:
            break
        if done_event.is_set():
            continue
        pass_id, task_id, indices, entropy = task
        if init_error is not None:
            _put(data_queue, (pass_id, task_id, worker_id, "error", init_error), where)
            continue
        try:
            if iterable:
                if pass_id != current_pass:
                    current_pass, pass_rng = pass_id, np.random.default_rng(entropy)
                    with using_rng(pass_rng):
                        fetcher.start()
                with using_rng(pass_rng):
                    data = fetcher.fetch()
            else:
                with using_rng(np.random.default_rng(entropy)):
                    data = fetcher.fetch(indices)
        except _Exhausted:
            _put(data_queue, (pass_id, task_id, worker_id, "stop", None), where)
            continue
        except Exception as e:
            _put(data_queue, (pass_id, task_id, worker_id, "error", _ExceptionWrapper(e, where)),
                 where)
            continue
        _put(data_queue, (pass_id, task_id, worker_id, "ok", data), where)
    data_queue.cancel_join_thread()
    data_queue.close()
