"""Worker script that tests/test_distributed.py launches under ``mpiexec -n P``.

    python tests/mpi_worker.py MODE OUTDIR [key=value ...]
    python tests/mpi_worker.py OUTDIR TAG:MODE[:key=value...] ...   (several modes, one job)

Each rank writes ``OUTDIR/<mode>_rank<r>.npz``; the assertions (against single-process runs
and torch) live in the test file, which also imports the model and data builders from here so
that both sides build exactly the same thing.
"""
import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import tinyconv as tc  # noqa: E402
import tinyconv.distributed as dist  # noqa: E402
from tinyconv import nn  # noqa: E402
from tinyconv.models import LeNet5  # noqa: E402
from tinyconv.nn import functional as F  # noqa: E402

GLOBAL_BATCH = 8
IN_FEATURES, HIDDEN, OUT_FEATURES = 6, 5, 3


class TinyNet(nn.Module):
    """Dense net built from engine ops only: a weight used twice, one parameter never used."""

    def __init__(self, seed, dtype):
        super().__init__()
        rng = np.random.default_rng(seed)

        def param(*shape):
            return nn.Parameter(tc.tensor(rng.standard_normal(shape).astype(dtype) * 0.5))

        self.w1 = param(IN_FEATURES, HIDDEN)
        self.b1 = param(HIDDEN)
        self.shared = param(HIDDEN, HIDDEN)
        self.w2 = param(HIDDEN, OUT_FEATURES)
        self.b2 = param(OUT_FEATURES)
        self.unused = param(4)

    def forward(self, x):
        z = x @ self.w1 + self.b1
        h = z * (z * z * -0.1).exp()
        h = h + (h @ self.shared) @ self.shared * 0.3
        return h @ self.w2 + self.b2


def build(kind, seed, dtype):
    """The model of a test: ``tiny`` (engine ops, MSE), ``lenet`` (LeNet-5 on 28x28),
    ``convbn`` (conv - BatchNorm - ReLU - pool - linear)."""
    if kind == "tiny":
        return TinyNet(seed, dtype)
    tc.manual_seed(seed)
    if kind == "lenet":
        model = LeNet5(in_channels=1, num_classes=10, input_size=28)
    elif kind == "convbn":
        model = nn.Sequential(nn.Conv2d(2, 4, 3, padding=1), nn.BatchNorm2d(4, momentum=0.2),
                              nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(), nn.Linear(4 * 4 * 4, 3))
    else:
        raise ValueError(f"unknown model kind {kind!r}")
    return model.to(dtype)


def make_batch(kind, step, dtype, n=GLOBAL_BATCH):
    """The global batch of one step (every rank builds it and takes its own slice)."""
    rng = np.random.default_rng(1000 + step)
    if kind == "tiny":
        x = rng.standard_normal((n, IN_FEATURES)).astype(dtype)
        y = rng.standard_normal((n, OUT_FEATURES)).astype(dtype)
        return tc.tensor(x), tc.tensor(y)
    shape, classes = ((n, 1, 28, 28), 10) if kind == "lenet" else ((n, 2, 8, 8), 3)
    x = rng.standard_normal(shape).astype(dtype)
    return tc.tensor(x), tc.tensor(rng.integers(0, classes, n))


def loss_fn(kind, out, y):
    if kind == "tiny":
        d = out - y
        return (d * d).mean()
    return F.cross_entropy(out, y)


def train(model, kind, steps, rank, world, dtype, step_fn=None, chunks=1):
    """``steps`` steps of SGD (momentum, weight decay); rank r of world P uses rows
    r*B/P .. (r+1)*B/P of each global batch.  ``chunks > 1`` (single process only) runs the
    forward once per chunk and averages the losses: what P ranks with local BatchNorm
    statistics compute together."""
    opt = tc.optim.SGD(model.parameters(), lr=0.05, momentum=0.9, weight_decay=1e-2)
    per = GLOBAL_BATCH // world
    for step in range(steps):
        x, y = make_batch(kind, step, dtype)
        x, y = x[rank * per:(rank + 1) * per], y[rank * per:(rank + 1) * per]
        opt.zero_grad()
        c = per // chunks
        loss = loss_fn(kind, model(x[:c]), y[:c])
        for k in range(1, chunks):
            loss = loss + loss_fn(kind, model(x[k * c:(k + 1) * c]), y[k * c:(k + 1) * c])
        if chunks > 1:
            loss = loss * (1.0 / chunks)
        loss.backward()
        if step_fn is not None:
            step_fn()
        opt.step()
    return model


def _save(outdir, mode, rank, arrays):
    np.savez(os.path.join(outdir, f"{mode}_rank{rank}.npz"), **arrays)


def mode_train(outdir, opts):
    kind = opts.get("model", "tiny")
    dtype = np.dtype(opts.get("dtype", "float64"))
    steps = int(opts.get("steps", 5))
    cap = float(opts.get("bucket_cap_mb", 25))
    sync_bn = opts.get("sync_batchnorm", "0") == "1"
    rank, world = dist.get_rank(), dist.get_world_size()
    # a different initialisation per rank: DDP must broadcast rank 0's
    model = build(kind, seed=rank, dtype=dtype)
    ddp = dist.DistributedDataParallel(model, bucket_cap_mb=cap, sync_batchnorm=sync_bn)
    train(ddp, kind, steps, rank, world, dtype)
    model = ddp.module
    out = {n: p._data for n, p in model.named_parameters()}
    out.update({n: b._data for n, b in model.named_buffers()})
    out.update({"grad." + n: p.grad._data for n, p in model.named_parameters()
                if p.grad is not None})
    out["n_buckets"] = np.array(len(ddp.reducer.buckets))
    out["reductions"] = np.array(ddp.reducer.reductions)
    out["early_launches"] = np.array(ddp.reducer.early_launches)
    out["n_syncbn"] = np.array(sum(isinstance(m, dist.SyncBatchNorm) for m in model.modules()))
    _save(outdir, "train", rank, out)


def mode_collectives(outdir, opts):
    """all_reduce with every op (blocking, async, non-contiguous), broadcast and
    broadcast_parameters on a model whose parameters and buffers differ per rank."""
    rank = dist.get_rank()
    base = np.array([[1.0, -2.0, 3.0], [0.5, 4.0, -1.0]])
    out = {}
    for op in ("sum", "mean", "max", "min", "product"):
        t = tc.tensor(base * (rank + 1))
        dist.all_reduce(t, op=op)
        out[op] = t._data
    t = tc.tensor(base * (rank + 1))
    work = dist.all_reduce(t, op=dist.ReduceOp.AVG, async_op=True)
    work.wait()
    out["async_mean"] = t._data
    full = tc.tensor(base * (rank + 1))
    view = full.T  # non-contiguous: reduced into a copy, written back through the view
    dist.all_reduce(view, op="sum")
    out["noncontig"] = full._data
    t = tc.tensor(base * (rank + 1))
    dist.broadcast(t, src=1)
    out["broadcast"] = t._data
    tc.manual_seed(rank)
    model = nn.Sequential(nn.Linear(3, 2), nn.BatchNorm1d(2)).to(np.float64)
    model[1].running_mean._data[...] = rank + 1.0
    model[1].num_batches_tracked._data[...] = 10 * rank
    dist.broadcast_parameters(model)
    out.update({"model." + n: v._data for n, v in model.state_dict().items()})
    _save(outdir, "collectives", rank, out)


def mode_sampler(outdir, opts):
    n = int(opts["n"])
    rank = dist.get_rank()
    out = {}
    for shuffle in (False, True):
        for drop_last in (False, True):
            s = dist.DistributedSampler(list(range(n)), shuffle=shuffle, seed=7,
                                        drop_last=drop_last)
            for epoch in range(3):
                s.set_epoch(epoch)
                out[f"{int(shuffle)}{int(drop_last)}{epoch}"] = np.array(list(s), dtype=np.int64)
                out[f"len{int(shuffle)}{int(drop_last)}"] = np.array(len(s))
    _save(outdir, "sampler", rank, out)


def mode_fail(outdir, opts):
    """Rank 1 raises in the forward of step 2 while rank 0 waits for its gradients."""
    rank, world = dist.get_rank(), dist.get_world_size()
    model = TinyNet(seed=0, dtype=np.float64)
    ddp = dist.DistributedDataParallel(model)

    class Boom:
        step = 0

    def step_fn():
        Boom.step += 1
        if rank == 1 and Boom.step == 2:
            raise RuntimeError("deliberate failure on rank 1 at step 2")

    train(ddp, "tiny", 5, rank, world, np.float64, step_fn)
    print(f"rank {rank} finished training", flush=True)


def mode_unused(outdir, opts):
    """A parameter used on rank 0 only: every rank must end with rank 0's gradient / P."""
    rank = dist.get_rank()

    class Branchy(nn.Module):
        def __init__(self):
            super().__init__()
            self.a = nn.Parameter(tc.tensor(np.arange(1.0, 4.0)))
            self.b = nn.Parameter(tc.tensor(np.array([2.0, -1.0, 0.5])))
            self.never = nn.Parameter(tc.tensor(np.ones(2)))

        def forward(self, x, use_b):
            y = x * self.a
            return y * self.b if use_b else y

    model = Branchy()
    ddp = dist.DistributedDataParallel(model, bucket_cap_mb=1e-5)
    x = tc.tensor(np.array([1.0, 2.0, 3.0]) * (rank + 1))
    ddp(x * 5.0, use_b=True)  # a forward without backward must not disturb the next one
    ddp(x, use_b=(rank == 0)).sum().backward()
    out = {n: p.grad._data for n, p in model.named_parameters() if p.grad is not None}
    _save(outdir, "unused", rank, out)


def mode_nosync(outdir, opts):
    """Gradient accumulation: micro-batch 1 under no_sync(), micro-batch 2 synchronised."""
    rank, world = dist.get_rank(), dist.get_world_size()
    model = TinyNet(seed=0, dtype=np.float64)
    ddp = dist.DistributedDataParallel(model, bucket_cap_mb=1e-4)
    x, y = make_batch("tiny", 0, np.float64)
    per = GLOBAL_BATCH // world
    half = per // 2
    x, y = x[rank * per:(rank + 1) * per], y[rank * per:(rank + 1) * per]
    with ddp.no_sync():
        loss_fn("tiny", ddp(x[:half]), y[:half]).backward()
    local = {n: p.grad._data.copy() for n, p in model.named_parameters() if p.grad is not None}
    loss_fn("tiny", ddp(x[half:]), y[half:]).backward()
    out = {n: p.grad._data for n, p in model.named_parameters() if p.grad is not None}
    out.update({"local." + n: g for n, g in local.items()})
    _save(outdir, "nosync", rank, out)


def mode_partial(outdir, opts):
    """The forward returns two heads and the loss uses one: the other head's parameters never
    get their gradient, so the reduction cannot finish inside backward."""
    rank = dist.get_rank()

    class TwoHeads(nn.Module):
        def __init__(self):
            super().__init__()
            self.a = nn.Parameter(tc.tensor(np.array([1.0, -2.0])))
            self.b = nn.Parameter(tc.tensor(np.array([0.5, 3.0])))

        def forward(self, x):
            return x * self.a, x * self.b

    model = TwoHeads()
    ddp = dist.DistributedDataParallel(model)
    x = tc.tensor(np.array([1.0, 2.0]) * (rank + 1))
    out_a, _ = ddp(x)
    out_a.sum().backward()
    if opts.get("finish", "1") == "1":
        ddp.finish_gradient_synchronization()
    ddp(x)  # without finish_gradient_synchronization() this raises
    _save(outdir, "partial", rank, {n: p.grad._data for n, p in model.named_parameters()
                                    if p.grad is not None})


def mode_syncbn(outdir, opts):
    """SyncBatchNorm on uneven shards (rank r holds 3 + 2r samples), two training passes."""
    rank = dist.get_rank()
    ndim, dtype = int(opts.get("ndim", 4)), np.dtype(opts.get("dtype", "float64"))
    momentum = None if opts.get("momentum") == "none" else float(opts.get("momentum", 0.3))
    x_all, g_all, sizes = syncbn_data(dist.get_world_size(), ndim, dtype)
    start = sum(sizes[:rank])
    sl = slice(start, start + sizes[rank])
    bn = dist.SyncBatchNorm(3, momentum=momentum, dtype=dtype)
    bn.weight._data[...] = [1.5, -0.5, 2.0]
    bn.bias._data[...] = [0.1, 0.2, -0.3]
    x = tc.tensor(x_all[sl], requires_grad=True)
    for _ in range(2):
        y = bn(x)
        (y * tc.tensor(g_all[sl])).sum().backward()
    _save(outdir, "syncbn", rank, {
        "y": y._data, "gx": x.grad._data, "gw": bn.weight.grad._data, "gb": bn.bias.grad._data,
        "running_mean": bn.running_mean._data, "running_var": bn.running_var._data,
        "num_batches_tracked": bn.num_batches_tracked._data})


def syncbn_data(world, ndim=4, dtype=np.float64):
    sizes = [3 + 2 * r for r in range(world)]
    rng = np.random.default_rng(5)
    shape = (sum(sizes), 3, 4, 5)[:ndim]
    x = rng.standard_normal(shape) * 2.0 + 1.0
    g = rng.standard_normal(shape)
    return x.astype(dtype), g.astype(dtype), sizes


MODES = {"train": mode_train, "sampler": mode_sampler, "fail": mode_fail,
         "unused": mode_unused, "syncbn": mode_syncbn, "partial": mode_partial,
         "nosync": mode_nosync, "collectives": mode_collectives}


def main(argv):
    """``MODE OUTDIR [key=value ...]``, or ``OUTDIR TAG:MODE[:key=value...] ...`` to run
    several modes in one job (each writes into OUTDIR/TAG)."""
    dist.init()
    if argv[0] in MODES:
        MODES[argv[0]](argv[1], dict(a.split("=", 1) for a in argv[2:]))
        return
    for spec in argv[1:]:
        tag, mode, *opts = spec.split(":")
        sub = os.path.join(argv[0], tag)
        os.makedirs(sub, exist_ok=True)
        MODES[mode](sub, dict(a.split("=", 1) for a in opts))


if __name__ == "__main__":
    main(sys.argv[1:])
