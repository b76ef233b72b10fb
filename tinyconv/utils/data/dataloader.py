"""The DataLoader: batches of tensors from a dataset, in the main process (with a background
prefetch thread) or in worker processes.

Reproducibility: each pass over a ``DataLoader`` takes its entropy from its ``generator`` (or,
with ``seed=``, from ``(seed, epoch)``; otherwise from the package generator, so
``tc.manual_seed`` fixes it) in the calling thread.  The shuffle order comes from that entropy,
and batch ``i`` is assembled while the random transforms draw from a stream seeded by
``(entropy, i)``: the batches of a seeded run are the same with or without the prefetch
thread and whatever the number of worker processes.

Workers (``num_workers > 0``) are processes of ``multiprocessing_context`` (the platform's
default start method unless given).  They are stopped and joined when a pass ends, when its
iterator is closed or garbage-collected (an early ``break``), or, with
``persistent_workers``, when the loader itself goes away.
"""
import multiprocessing
import numbers
import os
import pickle
import queue
import threading
import time
import warnings
import weakref

import numpy as np

from ..._random import Generator, _gen, using_rng
from ._collate import default_collate, default_convert
from ._worker import IterableFetcher, MapFetcher, _Exhausted, get_worker_info, worker_loop
from .dataset import IterableDataset
from .sampler import RandomSampler, SequentialSampler

# the collate functions and get_worker_info are importable from here too, as in torch
__all__ = ["DataLoader", "get_worker_info", "default_collate", "default_convert"]

_STOP = object()
_PIN_MEMORY_WARNING = ("'pin_memory' argument is set as true but no accelerator is found, then "
                       "device pinned memory won't be used.")


class DataLoader:
    """Iterate over a dataset in (shuffled) batches of tinyconv tensors.

    Args:
        dataset (Dataset): where samples come from (map-style or an ``IterableDataset``).
        batch_size (int or None): samples per batch (None: single samples, not collated).
        shuffle (bool): a new random order on every pass.
        sampler (Sampler or iterable of int, optional): explicit index order (excludes
            ``shuffle``).
        batch_sampler (iterable of index lists, optional): explicit batches.
        num_workers (int): worker processes assembling batches (0: the main process, with
            the ``prefetch`` thread).
        collate_fn (callable, optional): turns a list of samples into a batch (disables the
            vectorised fast path); with ``batch_size=None`` it receives each single sample.
        pin_memory (bool): accepted; there is no accelerator (torch's warning is given).
        drop_last (bool): drop the last incomplete batch.
        timeout (float): with workers, the longest wait for one batch (0: no limit).
        worker_init_fn (callable, optional): called as ``worker_init_fn(worker_id)`` in each
            worker, after its seeding.
        multiprocessing_context: a start method name ('fork', 'spawn', 'forkserver') or a
            multiprocessing context.
        generator (tc.Generator, optional): source of each pass's seed.
        prefetch_factor (int, optional): batches each worker prepares ahead (default 2).
        persistent_workers (bool): keep the workers alive between passes.
        pin_memory_device (str), in_order (bool): accepted (batches always come in order).
        seed (int, optional): fixed base seed; pass ``e`` then uses ``(seed, e)`` (see
            ``set_epoch``), independent of any other random state.
        prefetch (bool): without workers, assemble the next batch in a background thread.
    Yields:
        batches with the structure of a sample (e.g. ``[images, labels]``), leaves as tensors.
    """

    def __init__(self, dataset, batch_size=1, shuffle=None, sampler=None, batch_sampler=None,
                 num_workers=0, collate_fn=None, pin_memory=False, drop_last=False, timeout=0,
                 worker_init_fn=None, multiprocessing_context=None, generator=None, *,
                 prefetch_factor=None, persistent_workers=False, pin_memory_device="",
                 in_order=True, seed=None, prefetch=True):
        if not isinstance(num_workers, numbers.Integral) or num_workers < 0:
            raise ValueError("num_workers option should be non-negative; use num_workers=0 to "
                             "disable multiprocessing.")
        if timeout < 0:
            raise ValueError("timeout option should be non-negative")
        if num_workers == 0 and prefetch_factor is not None:
            raise ValueError("prefetch_factor option could only be specified in "
                             "multiprocessing.let num_workers > 0 to enable multiprocessing, "
                             "otherwise set prefetch_factor to None.")
        if num_workers > 0 and prefetch_factor is None:
            prefetch_factor = 2
        elif prefetch_factor is not None and prefetch_factor < 0:
            raise ValueError("prefetch_factor option should be non-negative")
        if persistent_workers and num_workers == 0:
            raise ValueError("persistent_workers option needs num_workers > 0")
        iterable = isinstance(dataset, IterableDataset)
        if iterable:
            if shuffle not in (False, None):
                raise ValueError(f"DataLoader with IterableDataset: expected unspecified shuffle "
                                 f"option, but got shuffle={shuffle}")
            if sampler is not None:
                raise ValueError(f"DataLoader with IterableDataset: expected unspecified sampler "
                                 f"option, but got sampler={sampler}")
            if batch_sampler is not None:
                raise ValueError(f"DataLoader with IterableDataset: expected unspecified "
                                 f"batch_sampler option, but got batch_sampler={batch_sampler}")
        if sampler is not None and shuffle:
            raise ValueError("sampler option is mutually exclusive with shuffle")
        if batch_sampler is not None:
            if batch_size != 1 or shuffle or sampler is not None or drop_last:
                raise ValueError("batch_sampler option is mutually exclusive with batch_size, "
                                 "shuffle, sampler, and drop_last")
            batch_size = None
        elif batch_size is None:
            if drop_last:
                raise ValueError("batch_size=None option disables auto-batching and is "
                                 "mutually exclusive with drop_last")
        elif (not isinstance(batch_size, numbers.Integral) or isinstance(batch_size, bool)
              or batch_size <= 0):
            raise ValueError(f"batch_size should be a positive integer value, but got "
                             f"batch_size={batch_size}")
        if generator is not None and not isinstance(generator, (Generator, np.random.Generator)):
            raise TypeError(f"DataLoader: generator must be a tinyconv.Generator, "
                            f"got {type(generator).__name__}")
        self.dataset = dataset
        self.batch_size = batch_size
        self.drop_last = bool(drop_last)
        self._iterable = iterable
        self._user_sampler = sampler
        if sampler is None and not iterable:
            sampler = (RandomSampler(dataset, generator=generator) if shuffle
                       else SequentialSampler(dataset))
        self.sampler = sampler
        self.shuffle = bool(shuffle)
        self.batch_sampler = batch_sampler
        self.num_workers = int(num_workers)
        self.collate_fn = collate_fn
        self.pin_memory = pin_memory
        self.pin_memory_device = pin_memory_device
        self.timeout = timeout
        self.worker_init_fn = worker_init_fn
        self.multiprocessing_context = _check_context(multiprocessing_context, num_workers)
        self.prefetch_factor = prefetch_factor
        self.persistent_workers = bool(persistent_workers)
        self.in_order = in_order
        self.generator = generator
        self.seed = seed
        self.prefetch = bool(prefetch)
        self.epoch = 0
        self._pool = None

    @property
    def _auto_collation(self):
        return self.batch_sampler is not None or self.batch_size is not None

    def set_epoch(self, epoch):
        """With ``seed=``, choose which pass's order the next iteration uses."""
        self.epoch = int(epoch)

    def __len__(self):
        if self._iterable:
            n = len(self.dataset)
            if self.batch_size is not None:
                n = n // self.batch_size if self.drop_last else -(-n // self.batch_size)
            return n
        if self.batch_sampler is not None:
            return len(self.batch_sampler)
        n = len(self.sampler)
        if self.batch_size is None:
            return n
        return n // self.batch_size if self.drop_last else -(-n // self.batch_size)

    # ------------------------------------------------------------------------- one pass
    def _pass_entropy(self):
        if self.seed is not None:
            entropy = [int(self.seed), self.epoch]
        else:
            entropy = [int(_gen(self.generator).integers(0, 2**63 - 1))]
        self.epoch += 1
        return entropy

    def _index_batches(self, entropy):
        """The index batches of one pass (ints without auto-collation)."""
        if self.batch_sampler is not None:
            return [np.asarray(list(b), dtype=np.int64) for b in self.batch_sampler]
        user = self._user_sampler
        if user is not None:
            indices = getattr(user, "_indices", None)
            order = indices() if indices is not None else np.fromiter(iter(user), np.int64)
        elif self.shuffle:
            order = np.random.default_rng(entropy).permutation(len(self.dataset))
        else:
            order = np.arange(len(self.dataset), dtype=np.int64)
        if self.batch_size is None:
            return [int(i) for i in order]
        bs = self.batch_size
        stop = (len(order) // bs) * bs if self.drop_last else len(order)
        return [order[s:s + bs] for s in range(0, stop, bs)]

    def _fetcher(self):
        if self._iterable:
            return IterableFetcher(self.dataset, self._auto_collation, self.collate_fn,
                                   self.batch_size, self.drop_last)
        return MapFetcher(self.dataset, self._auto_collation, self.collate_fn)

    def __iter__(self):
        if self.pin_memory:
            warnings.warn(_PIN_MEMORY_WARNING, UserWarning, stacklevel=2)
        entropy = self._pass_entropy()
        if self.num_workers > 0:
            return self._iter_workers(entropy)
        if self._iterable:
            return _iter_iterable(self._fetcher(), entropy)
        batches = self._index_batches(entropy)
        if not self.prefetch or len(batches) <= 1:
            return _iter_sync(self._fetcher(), batches, entropy)
        return _PrefetchIterator(self._fetcher(), batches, entropy)

    def _iter_workers(self, entropy):
        _check_worker_number(self.num_workers)
        tasks = None if self._iterable else self._index_batches(entropy)
        base_seed = int(np.random.default_rng([*entropy, 2]).integers(0, 2**62))
        if self.persistent_workers:
            if self._pool is None or self._pool.closed:
                self._pool = _WorkerPool(self, base_seed)
            pool, owns = self._pool, False
        else:
            pool, owns = _WorkerPool(self, base_seed), True
        return _WorkerIterator(pool, owns, tasks, entropy, self.prefetch_factor, self.timeout)

    def __repr__(self):
        return (f"DataLoader(dataset={type(self.dataset).__name__}, batch_size={self.batch_size}, "
                f"shuffle={self.shuffle}, drop_last={self.drop_last}, "
                f"num_workers={self.num_workers})")


def _check_context(ctx, num_workers):
    if ctx is None:
        return None
    if num_workers == 0:
        raise ValueError(f"multiprocessing_context can only be used with multi-process loading "
                         f"(num_workers > 0), but got num_workers={num_workers}")
    if isinstance(ctx, str):
        methods = multiprocessing.get_all_start_methods()
        if ctx not in methods:
            raise ValueError(f"multiprocessing_context option should specify a valid start "
                             f"method in {methods!r}, but got multiprocessing_context={ctx!r}")
        return multiprocessing.get_context(ctx)
    if not isinstance(ctx, multiprocessing.context.BaseContext):
        raise TypeError(f"multiprocessing_context option should be a valid context object or a "
                        f"string specifying the start method, but got "
                        f"multiprocessing_context={ctx}")
    return ctx


def _check_worker_number(num_workers):
    """torch's warning when there are more workers than CPUs this process may use."""
    try:
        cpus = len(os.sched_getaffinity(0))
    except AttributeError:
        cpus = os.cpu_count()
    if cpus is not None and num_workers > cpus:
        warnings.warn(
            f"This DataLoader will create {num_workers} worker processes in total. Our suggested "
            f"max number of worker in current system is {cpus}, which is smaller than what this "
            f"DataLoader is going to create. Please be aware that excessive worker creation "
            f"might get DataLoader running slow or even freeze, lower the worker number to "
            f"avoid potential slowness/freeze if necessary.", UserWarning, stacklevel=3)


def _batch_rng(entropy, i):
    return np.random.default_rng([*entropy, 1, i])


def _iter_sync(fetcher, batches, entropy):
    for i, idx in enumerate(batches):
        with using_rng(_batch_rng(entropy, i)):
            batch = fetcher.fetch(idx)
        yield batch


def _iter_iterable(fetcher, entropy):
    rng = np.random.default_rng([*entropy, 3, 0])
    with using_rng(rng):
        fetcher.start()
    while True:
        try:
            with using_rng(rng):
                batch = fetcher.fetch()
        except _Exhausted:
            return
        yield batch


# ------------------------------------------------------------------ the prefetch thread
def _prefetch_worker(fetcher, batches, entropy, out, stop):
    """Body of the prefetch thread: put ``(ok, batch)`` items on ``out`` until done or stopped.

    A plain function, not a method of the iterator: a thread whose target were bound to the
    iterator would keep it alive, so an abandoned iterator (``break``, ``next(iter(loader))``)
    would never be collected and its thread never told to stop.
    """

    def put(item):
        while not stop.is_set():
            try:
                out.put(item, timeout=0.05)
                return True
            except queue.Full:
                continue
        return False

    try:
        for i, idx in enumerate(batches):
            if stop.is_set():
                return
            with using_rng(_batch_rng(entropy, i)):
                batch = fetcher.fetch(idx)
            if not put((True, batch)):
                return
    except BaseException as e:  # handed to the consumer, re-raised there
        put((False, e))
        return
    put((True, _STOP))


class _PrefetchIterator:
    """Assembles batches in a daemon thread, at most ``depth`` ahead of the consumer.

    The thread stops, and the batches it holds are freed, when the pass ends, when ``close()``
    is called, or when the iterator is garbage-collected (an unfinished pass: ``break``,
    ``next(iter(loader))``); the last two wait for it to finish the batch it is assembling,
    as torch's iterators wait for their workers.
    """

    def __init__(self, fetcher, batches, entropy, depth=2):
        self._queue = queue.Queue(maxsize=depth)
        self._stop = threading.Event()
        self._n = len(batches)
        self._done = 0
        self._thread = threading.Thread(
            target=_prefetch_worker, args=(fetcher, batches, entropy, self._queue, self._stop),
            daemon=True, name="tinyconv-prefetch")
        self._thread.start()

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

    def _shutdown(self):
        self._stop.set()
        # drop the prefetched batches now and unblock a worker waiting for room in the queue
        while True:
            try:
                self._queue.get_nowait()
            except queue.Empty:
                break

    def close(self):
        """Stop the prefetch thread and wait for it (at most 5 s)."""
        self._shutdown()
        if self._thread.is_alive() and self._thread is not threading.current_thread():
            self._thread.join(timeout=5.0)

    def __del__(self):
        # joined, not just told to stop: a pass started while this thread still runs would get
        # another malloc arena, and each arena keeps freed batches (RSS creeps up per break)
        self.close()


# ------------------------------------------------------------------- worker processes
def _shutdown_workers(workers, index_queues, data_queue, done_event):
    """Stop and reap the worker processes (a plain function: ``weakref.finalize`` calls it
    without keeping the pool alive)."""
    done_event.set()
    for q in index_queues:
        try:
            q.put(None)
        except (OSError, ValueError):
            pass
    # a worker in the middle of a batch gets a second to notice, then is terminated: its
    # result would be dropped anyway
    deadline = time.monotonic() + 1.0
    for p in workers:
        p.join(timeout=max(0.0, deadline - time.monotonic()))
    for p in workers:
        if p.is_alive():
            p.terminate()
            p.join(timeout=1.0)
    for q in (*index_queues, data_queue):
        q.cancel_join_thread()
        q.close()


class _WorkerPool:
    """The worker processes of a loader, their queues, and the pass they are serving."""

    def __init__(self, loader, base_seed):
        ctx = loader.multiprocessing_context or multiprocessing.get_context()
        n = loader.num_workers
        fetcher = loader._fetcher()
        self.data_queue = ctx.Queue()
        self.done_event = ctx.Event()
        self.index_queues, self.workers = [], []
        self.pass_id = 0
        for w in range(n):
            iq = ctx.Queue()
            p = ctx.Process(target=worker_loop,
                            args=(fetcher, iq, self.data_queue, self.done_event, w, n,
                                  base_seed + w, loader.worker_init_fn, os.getpid()),
                            daemon=True, name=f"tinyconv-dataloader-worker-{w}")
            p.start()
            self.index_queues.append(iq)
            self.workers.append(p)
        self._finalizer = weakref.finalize(self, _shutdown_workers, self.workers,
                                           self.index_queues, self.data_queue, self.done_event)

    @property
    def closed(self):
        return not self._finalizer.alive

    def shutdown(self):
        self._finalizer()

    def dead_workers(self):
        return [p for p in self.workers if p.exitcode is not None]


class _WorkerIterator:
    """One pass over worker processes: keeps ``prefetch_factor`` batches per worker in flight
    and yields them in task order (deterministic whatever the timing)."""

    def __init__(self, pool, owns_pool, tasks, entropy, prefetch_factor, timeout):
        self._pool = pool
        self._owns_pool = owns_pool
        pool.pass_id += 1
        self._pass_id = pool.pass_id
        self._tasks = tasks                   # index batches, or None for an iterable
        self._entropy = entropy
        self._timeout = timeout
        n = len(pool.workers)
        self._active = [True] * n
        self._next_worker = 0
        self._task_worker = {}
        self._sent = 0
        self._yielded = 0
        self._buffer = {}
        self._closed = False
        for _ in range(max(1, prefetch_factor) * n):
            self._send()

    def __iter__(self):
        return self

    def __len__(self):
        return len(self._tasks) - self._yielded if self._tasks is not None else 0

    def _send(self):
        n = len(self._active)
        if self._tasks is not None:
            if self._sent >= len(self._tasks):
                return
            w = self._sent % n
            task = (self._pass_id, self._sent, self._tasks[self._sent],
                    [*self._entropy, 1, self._sent])
        else:
            if not any(self._active):
                return
            while not self._active[self._next_worker % n]:
                self._next_worker += 1
            w = self._next_worker % n
            self._next_worker += 1
            task = (self._pass_id, self._sent, None, [*self._entropy, 3, w])
        self._pool.index_queues[w].put(task)
        self._task_worker[self._sent] = w
        self._sent += 1

    def __next__(self):
        while True:
            if self._closed or self._pool.pass_id != self._pass_id:
                raise StopIteration
            if self._yielded >= self._sent:
                # nothing in flight: every batch was yielded, or every worker is exhausted
                self.close()
                raise StopIteration
            if self._yielded not in self._buffer:
                self._receive()
                continue
            kind, payload, w = self._buffer.pop(self._yielded)
            self._yielded += 1
            if kind == "stop":
                self._active[w] = False
                self._send()
                continue
            if kind == "error":
                self.close()
                payload.reraise()
            self._send()
            return payload

    def _receive(self):
        start = time.monotonic()
        while True:
            try:
                buf = self._pool.data_queue.get(timeout=1.0 if not self._timeout
                                                else min(1.0, self._timeout))
            except queue.Empty:
                dead = self._pool.dead_workers()
                if dead:
                    self.close()
                    pids = ", ".join(str(p.pid) for p in dead)
                    raise RuntimeError(f"DataLoader worker (pid(s) {pids}) exited "
                                       f"unexpectedly") from None
                if self._timeout and time.monotonic() - start >= self._timeout:
                    self.close()
                    raise RuntimeError(f"DataLoader timed out after {self._timeout} "
                                       f"seconds") from None
                continue
            pass_id, task_id, w, kind, payload = pickle.loads(buf)
            if pass_id == self._pass_id:
                self._buffer[task_id] = (kind, payload, w)
                return

    def close(self):
        """End the pass: stop and reap the workers unless they are persistent."""
        if self._closed:
            return
        self._closed = True
        self._buffer.clear()
        if self._owns_pool:
            self._pool.shutdown()

    def __del__(self):
        self.close()
