"""tinyconv.distributed: data-parallel training over MPI (mpi4py).

Launch every rank with ``mpiexec -n P python train.py``; inside::

    import tinyconv.distributed as dist
    dist.init()
    model = dist.DistributedDataParallel(model)          # broadcasts rank 0's weights
    sampler = dist.DistributedSampler(train_set, shuffle=True, seed=0)
    loader = DataLoader(train_set, batch_size=64, sampler=sampler)
    for epoch in range(epochs):
        sampler.set_epoch(epoch)
        for x, y in loader:
            opt.zero_grad()
            loss = F.cross_entropy(model(x), y)
            loss.backward()                               # gradients averaged over ranks
            opt.step()

The ``distributed`` extra (``pip install 'tinyconv[distributed]'``) installs mpi4py and the
MPICH wheel, which brings ``mpiexec``.  mpi4py is only imported by ``init()``.
"""
from .ddp import DistributedDataParallel
from .process_group import (ReduceOp, Work, abort, all_reduce, barrier, broadcast,
                            broadcast_parameters, destroy_process_group, get_rank, get_world_size,
                            init, init_process_group, is_available, is_initialized)
from .sampler import DistributedSampler
from .sync_batchnorm import SyncBatchNorm, sync_batch_norm

__all__ = [
    "init", "init_process_group", "is_available", "is_initialized", "destroy_process_group",
    "get_rank", "get_world_size", "barrier", "abort", "broadcast", "broadcast_parameters",
    "all_reduce", "ReduceOp", "Work", "DistributedDataParallel", "DistributedSampler",
    "SyncBatchNorm", "sync_batch_norm",
]
