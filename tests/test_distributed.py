"""tinyconv.distributed: DDP, DistributedSampler, SyncBatchNorm and abort-on-failure, checked by
launching ``mpiexec -n 2`` on tests/mpi_worker.py and comparing with single-process runs / torch.
"""
import importlib.util
import inspect
import json
import os
import shutil
import signal
import subprocess
import sys
import threading

import numpy as np
import pytest
import torch

import tinyconv as tc
import tinyconv.distributed as dist
from tests import mpi_worker as W
from tests.utils import assert_close
from tinyconv.distributed.sync_batchnorm import _SyncBatchNormFn
from tinyconv.nn.modules.normalization import _BatchNorm

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
WORKER = os.path.join(ROOT, "tests", "mpi_worker.py")


def _find_mpiexec():
    # the mpich wheel puts mpiexec next to the interpreter; prefer it over any other MPI
    local = os.path.join(os.path.dirname(sys.executable), "mpiexec")
    if os.access(local, os.X_OK):
        return local
    return shutil.which("mpiexec")


MPIEXEC = _find_mpiexec()
needs_mpi = pytest.mark.skipif(
    not dist.is_available() or MPIEXEC is None,
    reason="mpi4py or mpiexec not installed (pip install -e '.[distributed]')")


def run_mpi(*worker_args, n=2, timeout=120):
    """Run ``mpiexec -n n python tests/mpi_worker.py *worker_args``; (returncode, output).

    The timeout only guards against a hang (the whole process group is killed then)."""
    env = dict(os.environ, OMP_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1", MKL_NUM_THREADS="1",
               PYTHONPATH=ROOT + os.pathsep + os.environ.get("PYTHONPATH", ""))
    cmd = [MPIEXEC, "-n", str(n), sys.executable, WORKER, *map(str, worker_args)]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                            env=env, start_new_session=True)
    try:
        out, _ = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        out, _ = proc.communicate()
        pytest.fail(f"mpiexec {worker_args[:1]} hung for {timeout} s; output:\n{out}")
    return proc.returncode, out


# every run that must succeed, launched once as a single MPI job (each launch costs seconds)
RUNS = {
    "tiny25": "train:model=tiny:bucket_cap_mb=25:steps=5",
    "tiny_small": "train:model=tiny:bucket_cap_mb=0.00005:steps=5",
    "lenet": "train:model=lenet:bucket_cap_mb=0.05:steps=5",
    "lenet32": "train:model=lenet:bucket_cap_mb=0.05:steps=5:dtype=float32",
    "convbn_sync": "train:model=convbn:sync_batchnorm=1:steps=5",
    "convbn_local": "train:model=convbn:steps=5",
    "unused": "unused",
    "partial": "partial:finish=1",
    "nosync": "nosync",
    "syncbn": "syncbn:ndim=4:dtype=float64",
    "syncbn_2d_f32": "syncbn:ndim=2:dtype=float32:momentum=none",
    "syncbn_3d": "syncbn:ndim=3:dtype=float64:momentum=0.1",
    "collectives": "collectives",
    "sampler11": "sampler:n=11",
    "sampler12": "sampler:n=12",
}


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    """Directory holding every successful run's results (OUTDIR/TAG/MODE_rank<r>.npz)."""
    outdir = tmp_path_factory.mktemp("mpi")
    specs = [f"{tag}:{spec}" for tag, spec in RUNS.items()]
    rc, out = run_mpi(outdir, *specs, timeout=300)
    assert rc == 0, f"the MPI test job failed (rc={rc}):\n{out}"
    return outdir


def result(runs, tag, n=2):
    mode = RUNS[tag].split(":")[0]
    return load(os.path.join(runs, tag), mode, n)


def load(outdir, mode, n=2):
    return [dict(np.load(os.path.join(outdir, f"{mode}_rank{r}.npz"))) for r in range(n)]


# ------------------------------------------------------------------------------------ DDP
def _check_against(ranks, ref, buffers=True, dtype=np.float64):
    for r, got in enumerate(ranks):
        assert int(got["reductions"]) == 5
        for name, p in ref.named_parameters():
            assert_close(got[name], p._data, dtype=dtype, what=f"rank {r} {name}")
            if p.grad is None:
                assert "grad." + name not in got, f"rank {r}: unused {name} got a gradient"
            else:
                assert_close(got["grad." + name], p.grad._data, dtype=dtype,
                             what=f"rank {r} grad {name}")
        if buffers:
            for name, b in ref.named_buffers():
                if b._data.dtype.kind == "f":
                    assert_close(got[name], b._data, what=f"rank {r} buffer {name}")
                else:
                    np.testing.assert_array_equal(got[name], b._data, err_msg=name)
    # every rank holds exactly the same parameters and gradients
    for name, _ in ref.named_parameters():
        for key in (name, "grad." + name):
            if key in ranks[0]:
                np.testing.assert_array_equal(ranks[0][key], ranks[1][key], err_msg=key)


@needs_mpi
@pytest.mark.parametrize("tag,kind,cap,dtype", [
    ("tiny25", "tiny", "25", np.float64), ("tiny_small", "tiny", "0.00005", np.float64),
    ("lenet", "lenet", "0.05", np.float64), ("lenet32", "lenet", "0.05", np.float32)])
def test_ddp_sgd_matches_single_process_on_concatenated_batch(runs, tag, kind, cap, dtype):
    """5 SGD steps on 2 ranks (each with half of every batch) == 5 steps on the whole batch."""
    ranks = result(runs, tag)
    ref = W.build(kind, seed=0, dtype=dtype)  # rank 0's initialisation
    W.train(ref, kind, 5, 0, 1, dtype)
    _check_against(ranks, ref, dtype=dtype)
    n_params = len(list(ref.parameters()))
    for got in ranks:
        if cap == "25":
            assert int(got["n_buckets"]) == 1
        else:  # several buckets, reduced while backward was still running
            assert 1 < int(got["n_buckets"]) <= n_params
            assert int(got["early_launches"]) >= 5 * (int(got["n_buckets"]) - 1)
    # the parameters moved: the comparison is not between two untouched copies
    fresh = W.build(kind, seed=0, dtype=dtype)
    first = next(iter(dict(fresh.named_parameters())))
    assert not np.allclose(ranks[0][first], dict(fresh.named_parameters())[first]._data)


@needs_mpi
def test_ddp_sync_batchnorm_matches_single_process_batchnorm(runs):
    ranks = result(runs, "convbn_sync")
    assert all(int(got["n_syncbn"]) == 1 for got in ranks)
    ref = W.build("convbn", seed=0, dtype=np.float64)
    W.train(ref, "convbn", 5, 0, 1, np.float64)
    _check_against(ranks, ref)


@needs_mpi
def test_ddp_batchnorm_statistics_are_local_by_default(runs):
    """Without sync, each rank normalises with its own batch's statistics: the same as one
    process running the two halves separately and averaging their losses."""
    ranks = result(runs, "convbn_local")
    assert all(int(got["n_syncbn"]) == 0 for got in ranks)
    ref = W.build("convbn", seed=0, dtype=np.float64)
    W.train(ref, "convbn", 5, 0, 1, np.float64, chunks=2)
    _check_against(ranks, ref, buffers=False)
    whole = W.build("convbn", seed=0, dtype=np.float64)
    W.train(whole, "convbn", 5, 0, 1, np.float64)
    assert not np.allclose(ranks[0]["0.weight"], whole[0].weight._data, rtol=0, atol=1e-6)


@needs_mpi
def test_ddp_parameter_used_on_one_rank_only(runs):
    g0, g1 = result(runs, "unused")
    # rank r's input is r+1 times [1, 2, 3]; rank 0 computes sum(x*a*b), rank 1 sum(x*a)
    x0, x1 = np.array([1.0, 2.0, 3.0]), np.array([2.0, 4.0, 6.0])
    a, b = np.arange(1.0, 4.0), np.array([2.0, -1.0, 0.5])
    for g in (g0, g1):
        assert_close(g["a"], (x0 * b + x1) / 2, dtype=np.float64, what="grad a")
        assert_close(g["b"], (x0 * a) / 2, dtype=np.float64, what="grad b")
        assert "never" not in g  # no rank produced a gradient: stays None


@needs_mpi
def test_ddp_output_unused_by_the_loss(runs, tmp_path):
    g0, g1 = result(runs, "partial")
    for g in (g0, g1):  # rank r's input is (r+1) * [1, 2]; only head a reached the loss
        assert_close(g["a"], np.array([1.5, 3.0]), dtype=np.float64, what="grad a")
        assert "b" not in g
    rc, out = run_mpi("partial", tmp_path, "finish=0")
    assert rc != 0
    assert "did not receive all their gradients in backward: b" in out


@needs_mpi
def test_ddp_no_sync_accumulates_locally_then_averages(runs):
    ranks = result(runs, "nosync")
    ref = W.TinyNet(seed=0, dtype=np.float64)
    x, y = W.make_batch("tiny", 0, np.float64)
    grads = []
    for k in range(4):  # the 4 micro-batches of 2 rows: (rank 0, rank 1) x (first, second)
        for p in ref.parameters():
            p.grad = None
        W.loss_fn("tiny", ref(x[2 * k:2 * k + 2]), y[2 * k:2 * k + 2]).backward()
        grads.append({n: p.grad._data.copy() for n, p in ref.named_parameters()
                      if p.grad is not None})
    for r, got in enumerate(ranks):
        for n in grads[0]:
            # inside no_sync: this rank's own micro-batch gradient, not averaged
            assert_close(got["local." + n], grads[2 * r][n], dtype=np.float64, what=n)
            expected = (grads[0][n] + grads[1][n] + grads[2][n] + grads[3][n]) / 2
            assert_close(got[n], expected, dtype=np.float64, what=f"rank {r} {n}")


# -------------------------------------------------------------------------------- sampler
@needs_mpi
@pytest.mark.parametrize("n", [11, 12])
def test_sampler_shards_without_overlap_and_covers(runs, n):
    r0, r1 = result(runs, f"sampler{n}")
    for shuffle in (0, 1):
        for drop_last in (0, 1):
            orders = []
            for epoch in range(3):
                key = f"{shuffle}{drop_last}{epoch}"
                a, b = r0[key], r1[key]
                assert len(a) == len(b) == int(r0[f"len{shuffle}{drop_last}"])
                both = np.concatenate([a, b])
                if drop_last:
                    assert len(both) == 2 * (n // 2)
                    assert len(set(both.tolist())) == len(both)  # no overlap
                else:
                    assert len(both) == 2 * ((n + 1) // 2)
                    assert set(both.tolist()) == set(range(n))  # covers the dataset
                    # the only repeats are the padding
                    assert len(set(both.tolist())) == n
                    assert len(set(a.tolist()) & set(b.tolist())) == len(both) - n
                # the in-process sampler with explicit rank gives the same shards
                for rank, got in ((0, a), (1, b)):
                    s = dist.DistributedSampler(list(range(n)), num_replicas=2, rank=rank,
                                                shuffle=bool(shuffle), seed=7,
                                                drop_last=bool(drop_last))
                    s.set_epoch(epoch)
                    np.testing.assert_array_equal(list(s), got)
                orders.append(both)
            if shuffle:
                assert not all(np.array_equal(orders[0], o) for o in orders[1:])


@pytest.mark.parametrize("n,replicas,drop_last", [(10, 3, False), (10, 3, True), (2, 5, False),
                                                  (9, 3, False), (7, 4, True)])
def test_sampler_unshuffled_equals_torch(n, replicas, drop_last):
    from torch.utils.data.distributed import DistributedSampler as TorchSampler

    for rank in range(replicas):
        ours = dist.DistributedSampler(range(n), num_replicas=replicas, rank=rank,
                                       shuffle=False, drop_last=drop_last)
        theirs = TorchSampler(range(n), num_replicas=replicas, rank=rank, shuffle=False,
                              drop_last=drop_last)
        assert list(ours) == list(theirs)
        assert len(ours) == len(theirs)


def test_sampler_bad_rank():
    with pytest.raises(ValueError, match=r"Invalid rank 3, rank should be in the interval"):
        dist.DistributedSampler(range(10), num_replicas=3, rank=3)


@needs_mpi
def test_collectives(runs):
    base = np.array([[1.0, -2.0, 3.0], [0.5, 4.0, -1.0]])
    a, b = base, 2 * base  # rank 0 and rank 1's values
    expected = {"sum": a + b, "mean": (a + b) / 2, "max": np.maximum(a, b),
                "min": np.minimum(a, b), "product": a * b, "async_mean": (a + b) / 2,
                "noncontig": a + b, "broadcast": b}
    ranks = result(runs, "collectives")
    for r, got in enumerate(ranks):
        for key, want in expected.items():
            np.testing.assert_array_equal(got[key], want, err_msg=f"rank {r} {key}")
    tc.manual_seed(0)  # rank 0's model: what broadcast_parameters gives every rank
    ref = tc.nn.Sequential(tc.nn.Linear(3, 2), tc.nn.BatchNorm1d(2)).to(np.float64)
    ref[1].running_mean._data[...] = 1.0
    for r, got in enumerate(ranks):
        for n, v in ref.state_dict().items():
            np.testing.assert_array_equal(got["model." + n], v._data, err_msg=f"rank {r} {n}")


# ------------------------------------------------------------------------------- failure
@needs_mpi
def test_exception_in_one_rank_aborts_the_job(tmp_path):
    rc, out = run_mpi("fail", tmp_path, timeout=60)
    assert rc != 0, out
    assert "deliberate failure on rank 1 at step 2" in out
    assert "rank 1 of 2 raised an uncaught exception" in out
    assert "finished training" not in out


# ----------------------------------------------------------------------------- SyncBN
@needs_mpi
@pytest.mark.parametrize("tag,ndim,dtype,momentum", [
    ("syncbn", 4, np.float64, 0.3), ("syncbn_2d_f32", 2, np.float32, None),
    ("syncbn_3d", 3, np.float64, 0.1)])
def test_sync_batchnorm_matches_batchnorm_on_concatenated_batch(runs, tag, ndim, dtype, momentum):
    """SyncBatchNorm over uneven shards == torch BatchNorm on the concatenated batch (two
    training passes: outputs, input gradients, summed weight/bias gradients, running stats)."""
    ranks = result(runs, tag)
    x, g, sizes = W.syncbn_data(2, ndim, dtype)
    tdt = torch.float64 if dtype == np.float64 else torch.float32
    bn = torch.nn.BatchNorm1d(3, momentum=momentum, dtype=tdt) if ndim < 4 else \
        torch.nn.BatchNorm2d(3, momentum=momentum, dtype=tdt)
    with torch.no_grad():
        bn.weight[...] = torch.tensor([1.5, -0.5, 2.0], dtype=tdt)
        bn.bias[...] = torch.tensor([0.1, 0.2, -0.3], dtype=tdt)
    xt = torch.tensor(x, requires_grad=True)
    for _ in range(2):
        y = bn(xt)
        (y * torch.tensor(g)).sum().backward()
    start = 0
    for r, got in enumerate(ranks):
        sl = slice(start, start + sizes[r])
        start += sizes[r]
        assert_close(got["y"], y[sl], dtype=dtype, what=f"rank {r} y")
        assert_close(got["gx"], xt.grad[sl], dtype=dtype, what=f"rank {r} gx")
        assert_close(got["running_mean"], bn.running_mean, dtype=dtype, what="running_mean")
        assert_close(got["running_var"], bn.running_var, dtype=dtype, what="running_var")
        assert int(got["num_batches_tracked"]) == 2
    # weight/bias gradients are per-rank partial sums (DDP then averages them)
    assert_close(ranks[0]["gw"] + ranks[1]["gw"], bn.weight.grad, dtype=dtype, what="gw")
    assert_close(ranks[0]["gb"] + ranks[1]["gb"], bn.bias.grad, dtype=dtype, what="gb")


# ------------------------------------------------------------------- single process API
class _Net(tc.nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = tc.nn.Linear(3, 2)
        self.head = tc.nn.Linear(3, 1)

    def forward(self, x):
        return self.fc(x), self.head(x)


@needs_mpi
def test_ddp_in_a_world_of_one_is_transparent():
    dist.init()
    tc.manual_seed(0)
    model = _Net()
    ddp = dist.DistributedDataParallel(model)
    assert list(ddp.state_dict()) == ["module." + k for k in model.state_dict()]
    assert [id(p) for p in ddp.parameters()] == [id(p) for p in model.parameters()]
    x = tc.randn(4, 3)
    a, b = ddp(x)
    (a.sum() + b.sum()).backward()
    got = {n: p.grad._data.copy() for n, p in model.named_parameters()}
    model.zero_grad()
    a, b = model(x)
    (a.sum() + b.sum()).backward()
    for n, p in model.named_parameters():
        np.testing.assert_array_equal(got[n], p.grad._data)


@needs_mpi
def test_ddp_misuse_raises():
    dist.init()
    with pytest.raises(TypeError, match="module must be a tinyconv.nn.Module"):
        dist.DistributedDataParallel(lambda x: x)
    tc.manual_seed(0)
    model = _Net()
    with pytest.raises(ValueError, match="bucket_cap_mb must be positive"):
        dist.DistributedDataParallel(model, bucket_cap_mb=0)
    ddp = dist.DistributedDataParallel(model)
    x = tc.randn(4, 3)
    # a parameter also used outside the forward (a penalty in the loss) is fine, as in torch:
    # the engine sums its contributions and calls its hook once
    a, b = ddp(x)
    (a.sum() + b.sum() + (model.fc.weight * model.fc.weight).sum()).backward()
    got = model.fc.weight.grad._data.copy()
    model.zero_grad()
    a, b = model(x)
    (a.sum() + b.sum() + (model.fc.weight * model.fc.weight).sum()).backward()
    np.testing.assert_array_equal(got, model.fc.weight.grad._data)
    model.zero_grad()
    # an output that never reaches the loss: reported at the next forward
    a, b = ddp(x)
    a.sum().backward()
    with pytest.raises(RuntimeError, match="did not receive all their gradients in backward: "
                                           "head.weight, head.bias"):
        ddp(x)
    # ... unless the reduction is finished explicitly
    ddp.finish_gradient_synchronization()
    a, b = ddp(x)
    a.sum().backward()
    ddp.finish_gradient_synchronization()
    ddp(x)



@needs_mpi
def test_single_process_world():
    dist.init()
    dist.init()  # idempotent
    assert dist.is_initialized()
    assert dist.get_rank() == 0 and dist.get_world_size() == 1
    t = tc.tensor(np.array([1.0, -2.0, 3.0]))
    for op in ("sum", "mean", "max", "min", dist.ReduceOp.SUM):
        dist.all_reduce(t, op=op)
        np.testing.assert_array_equal(t._data, [1.0, -2.0, 3.0])
    work = dist.all_reduce(t, op="mean", async_op=True)
    work.wait()
    assert work.is_completed()
    with pytest.raises(ValueError, match="all_reduce: op must be one of"):
        dist.all_reduce(t, op="median")
    dist.barrier()


@needs_mpi
def test_sync_batchnorm_in_a_world_of_one_and_eval_is_batchnorm():
    dist.init()
    rng = np.random.default_rng(0)
    x = rng.standard_normal((4, 3, 5, 5)) + 2.0
    bn = dist.SyncBatchNorm(3, momentum=0.2, dtype=np.float64)
    ref = torch.nn.BatchNorm2d(3, momentum=0.2, dtype=torch.float64)
    for train in (True, False):
        bn.train(train)
        ref.train(train)
        xa, xb = tc.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
        ya, yb = bn(xa), ref(xb)
        assert_close(ya, yb, dtype=np.float64, what=f"y train={train}")
        ya.sum().backward()
        yb.sum().backward()
        assert_close(xa.grad, xb.grad, dtype=np.float64, what=f"gx train={train}")
        assert_close(bn.running_var, ref.running_var, what=f"running_var train={train}")
    with pytest.raises(ValueError, match="input has 4 channels but the layer expects "
                                         "num_features=3"):
        bn(tc.randn(2, 4, 3, 3))


def test_convert_sync_batchnorm_shares_parameters_and_keeps_keys():
    tc.manual_seed(0)
    model = tc.nn.Sequential(tc.nn.Conv2d(1, 4, 3), tc.nn.BatchNorm2d(4),
                             tc.nn.Sequential(tc.nn.Flatten(), tc.nn.BatchNorm1d(4 * 4 * 4,
                                                                                affine=False)))
    model[1].running_mean._data[...] = 0.5
    keys = list(model.state_dict())
    weight = model[1].weight
    conv = dist.SyncBatchNorm.convert_sync_batchnorm(model)
    assert conv is model  # containers are converted in place, as torch does
    assert isinstance(model[1], dist.SyncBatchNorm)
    assert isinstance(model[2][1], dist.SyncBatchNorm)
    assert model[1].weight is weight and model[2][1].weight is None
    assert list(model.state_dict()) == keys
    np.testing.assert_array_equal(model[1].running_mean._data, np.full(4, 0.5, np.float32))
    lone = dist.SyncBatchNorm.convert_sync_batchnorm(tc.nn.BatchNorm2d(2).eval())
    assert isinstance(lone, dist.SyncBatchNorm) and not lone.training


class _ThreadComm:
    """P ranks as P threads of this process: ``Allreduce`` sums in place, the collective
    SyncBatchNorm needs, so that any shard layout can be run without launching MPI."""

    def __init__(self, size):
        self.barrier = threading.Barrier(size, timeout=60)  # a bug fails, not hangs
        self.lock = threading.Lock()
        self.acc = None

    def Allreduce(self, _in_place, buf):
        with self.lock:
            self.acc = buf.copy() if self.acc is None else self.acc + buf
        self.barrier.wait()
        buf[...] = self.acc
        if self.barrier.wait() == 0:
            self.acc = None
        self.barrier.wait()


def _sync_bn_on_threads(shards, grads, momentum, dtype):
    """Train-mode sync_batch_norm forward and backward on one thread per shard."""
    comm = _ThreadComm(len(shards))
    out = [None] * len(shards)

    def rank(r):
        try:
            x = tc.tensor(shards[r], requires_grad=True)
            w = tc.tensor(np.array([1.5, -0.5, 2.0], dtype=dtype), requires_grad=True)
            b = tc.tensor(np.array([0.1, 0.2, -0.3], dtype=dtype), requires_grad=True)
            rm, rv = np.zeros(3, dtype=dtype), np.ones(3, dtype=dtype)
            y = _SyncBatchNormFn.apply(x, w, b, comm=comm, eps=1e-5, momentum=momentum,
                                       running_mean=rm, running_var=rv)
            (y * tc.tensor(grads[r])).sum().backward()
            out[r] = {"y": y._data, "gx": x.grad._data, "gw": w.grad._data, "gb": b.grad._data,
                      "running_mean": rm, "running_var": rv}
        except ValueError as e:  # the caller checks that every rank raised it
            out[r] = e

    threads = [threading.Thread(target=rank, args=(r,)) for r in range(len(shards))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return out


@pytest.mark.skipif(not dist.is_available(), reason="mpi4py not installed")
@pytest.mark.parametrize("sizes,dtype", [([3, 0, 5], np.float64), ([1, 1], np.float64),
                                         ([2, 3, 4, 1], np.float64), ([4, 7], np.float32)])
def test_sync_batchnorm_over_any_shard_layout_matches_batchnorm(sizes, dtype):
    """Uneven shards, a rank without samples, one sample per rank: SyncBatchNorm's passes
    with sums over ranks == torch BatchNorm on the concatenated batch."""
    dist.init()  # for MPI.IN_PLACE
    rng = np.random.default_rng(1)
    x = (rng.standard_normal((sum(sizes), 3, 4, 5)) * 2.0 + 1.0).astype(dtype)
    g = rng.standard_normal(x.shape).astype(dtype)
    cut = np.cumsum(sizes)[:-1]
    got = _sync_bn_on_threads(np.split(x, cut), np.split(g, cut), 0.3, dtype)
    tdt = torch.float64 if dtype == np.float64 else torch.float32
    bn = torch.nn.BatchNorm2d(3, momentum=0.3, dtype=tdt)
    with torch.no_grad():
        bn.weight[...] = torch.tensor([1.5, -0.5, 2.0], dtype=tdt)
        bn.bias[...] = torch.tensor([0.1, 0.2, -0.3], dtype=tdt)
    xt = torch.tensor(x, requires_grad=True)
    y = bn(xt)
    (y * torch.tensor(g)).sum().backward()
    for r, (yr, gxr) in enumerate(zip(np.split(y.detach().numpy(), cut),
                                      np.split(xt.grad.numpy(), cut))):
        assert_close(got[r]["y"], yr, dtype=dtype, what=f"rank {r} y")
        assert_close(got[r]["gx"], gxr, dtype=dtype, what=f"rank {r} gx")
        assert_close(got[r]["running_mean"], bn.running_mean, dtype=dtype, what="running_mean")
        assert_close(got[r]["running_var"], bn.running_var, dtype=dtype, what="running_var")
    assert_close(sum(o["gw"] for o in got), bn.weight.grad, dtype=dtype, what="gw")
    assert_close(sum(o["gb"] for o in got), bn.bias.grad, dtype=dtype, what="gb")


@pytest.mark.skipif(not dist.is_available(), reason="mpi4py not installed")
@pytest.mark.parametrize("sizes", [[3, 0, 5], [2, 4]])
def test_sync_batchnorm_second_derivatives_match_batchnorm(sizes):
    """create_graph through SyncBatchNorm on every rank: the gradients' own gradients (w.r.t.
    x, the weight and the output gradient) are batch norm's on the concatenated batch."""
    dist.init()
    rng = np.random.default_rng(2)
    x = rng.standard_normal((sum(sizes), 3, 2, 3)) * 2.0 + 1.0
    g, v = rng.standard_normal(x.shape), rng.standard_normal(x.shape)
    w0, b0 = np.array([1.5, -0.5, 2.0]), np.array([0.1, 0.2, -0.3])
    vw, vb = rng.standard_normal(3), rng.standard_normal(3)
    cut = np.cumsum(sizes)[:-1]
    xs, gs, v_s = np.split(x, cut), np.split(g, cut), np.split(v, cut)
    comm = _ThreadComm(len(sizes))
    got = [None] * len(sizes)

    def rank(r):
        try:
            xr = tc.tensor(xs[r], requires_grad=True)
            gr = tc.tensor(gs[r], requires_grad=True)
            w, b = tc.tensor(w0, requires_grad=True), tc.tensor(b0, requires_grad=True)
            y = _SyncBatchNormFn.apply(xr, w, b, comm=comm, eps=1e-5)
            gx, gw, gb = tc.autograd.grad(y, [xr, w, b], gr, create_graph=True)
            s = (gx * tc.tensor(v_s[r])).sum() + (gw * tc.tensor(vw)).sum() + \
                (gb * tc.tensor(vb)).sum()
            got[r] = [gx, gw] + list(tc.autograd.grad(s, [xr, w, gr], allow_unused=True))
        except Exception as e:  # noqa: BLE001  (reported below, not lost in the thread)
            got[r] = e

    threads = [threading.Thread(target=rank, args=(r,)) for r in range(len(sizes))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for r in got:
        assert not isinstance(r, Exception), r
    xt, gt = torch.tensor(x, requires_grad=True), torch.tensor(g, requires_grad=True)
    wt, bt = torch.tensor(w0, requires_grad=True), torch.tensor(b0, requires_grad=True)
    y = torch.nn.functional.batch_norm(xt, None, None, wt, bt, training=True)
    gx, gw, gb = torch.autograd.grad(y, [xt, wt, bt], gt, create_graph=True)
    s = (gx * torch.tensor(v)).sum() + (gw * torch.tensor(vw)).sum() + \
        (gb * torch.tensor(vb)).sum()
    hx, hw, hg = torch.autograd.grad(s, [xt, wt, gt])
    for r, sl in enumerate(np.split(np.arange(len(x)), cut)):
        assert_close(got[r][0].detach().numpy(), gx[sl].detach(), what=f"rank {r} gx")
        assert_close(got[r][2].numpy(), hx[sl], what=f"rank {r} d(gx, gw, gb)/dx")
        assert_close(got[r][4].numpy(), hg[sl], what=f"rank {r} d(gx, gw, gb)/dgy")
    # weight gradients are per-rank shares, as the first-order ones
    assert_close(sum(o[1].detach().numpy() for o in got), gw.detach(), what="gw")
    assert_close(sum(o[3].numpy() for o in got), hw, what="d(gx, gw, gb)/dw")


@pytest.mark.skipif(not dist.is_available(), reason="mpi4py not installed")
def test_sync_batchnorm_with_one_value_over_all_ranks_raises_on_every_rank():
    dist.init()
    x = np.ones((1, 3, 1, 1))
    got = _sync_bn_on_threads([x, x[:0]], [x, x[:0]], 0.1, np.float64)
    for e in got:
        assert isinstance(e, ValueError), e
        assert "expected more than 1 value per channel when training, got 1 over all " \
               "processes" in str(e)


def test_sync_batchnorm_is_a_batchnorm_with_torch_signature_repr_and_state():
    assert issubclass(dist.SyncBatchNorm, _BatchNorm)
    names = [list(inspect.signature(cls.__init__).parameters)
             for cls in (dist.SyncBatchNorm, torch.nn.SyncBatchNorm)]
    assert names[0] == names[1]
    assert repr(dist.SyncBatchNorm(3, momentum=None, bias=False)) == \
        repr(torch.nn.SyncBatchNorm(3, momentum=None, bias=False))
    sbn, bn = dist.SyncBatchNorm(4, dtype=np.float64), tc.nn.BatchNorm2d(4, dtype=np.float64)
    tsd, ssd = bn.state_dict(), sbn.state_dict()
    assert list(ssd) == list(tsd) == list(torch.nn.SyncBatchNorm(4).state_dict())
    for k in tsd:
        assert ssd[k].dtype == tsd[k].dtype and np.array_equal(ssd[k]._data, tsd[k]._data), k
    with pytest.raises(NotImplementedError, match="process_group"):
        dist.SyncBatchNorm(3, process_group=object())


def test_convert_sync_batchnorm_keeps_a_batchnorm_without_bias():
    model = tc.nn.Sequential(tc.nn.BatchNorm2d(3, bias=False), tc.nn.BatchNorm1d(2))
    keys = list(model.state_dict())
    dist.SyncBatchNorm.convert_sync_batchnorm(model)
    assert isinstance(model[0], dist.SyncBatchNorm) and model[0].bias is None
    assert list(model.state_dict()) == keys


# ------------------------------------------------------------- examples/train.py --distributed
@needs_mpi
@pytest.mark.slow
def test_train_script_distributed_resume_and_metrics(tmp_path):
    """mpiexec -n 2 examples/train.py --distributed: rank 0 alone prints and writes; the
    reported test accuracy is over the whole test set; --resume continues exactly."""
    from tinyconv import datasets as D
    from tinyconv.utils.data import DataLoader

    root = str(tmp_path / "data")
    D.write_fake_mnist(os.path.join(root, "FashionMNIST", "raw"), n_train=40, n_test=15, seed=3)
    script = os.path.join(ROOT, "examples", "train.py")
    common = [script, "--distributed", "--data-root", root, "--batch-size", "8", "--seed", "3",
              "--optimizer", "sgd", "--no-progress", "--no-plots", "--epochs", "2"]
    straight, split = str(tmp_path / "straight"), str(tmp_path / "split")

    def run(*extra):
        env = dict(os.environ, OMP_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1",
                   PYTHONPATH=ROOT + os.pathsep + os.environ.get("PYTHONPATH", ""))
        proc = subprocess.run([MPIEXEC, "-n", "2", sys.executable, *common, *extra],
                              capture_output=True, text=True, env=env, timeout=300)
        assert proc.returncode == 0, proc.stdout + proc.stderr
        return proc.stdout

    out = run("--out", straight)
    assert out.count("final: test accuracy") == 1  # rank 0 alone prints
    assert out.count("epoch 2/2") == 1
    run("--out", split, "--stop-after", "1")
    run("--out", split, "--resume")
    a = tc.load(os.path.join(straight, "checkpoint_last.tc"))
    b = tc.load(os.path.join(split, "checkpoint_last.tc"))
    assert int(a["epoch"]) == int(b["epoch"]) == 2
    for k in a["model"]:
        np.testing.assert_array_equal(np.asarray(a["model"][k]), np.asarray(b["model"][k]),
                                      err_msg=k)
    with open(os.path.join(straight, "metrics.jsonl")) as f:
        rows = [json.loads(line) for line in f]
    assert [r["epoch"] for r in rows] == [1, 2]
    # the reported accuracy covers all 15 test images, not one rank's share
    spec = importlib.util.spec_from_file_location("tinyconv_example_train_dist", script)
    train = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(train)
    args = train.parse_args(["--data-root", root])
    _, test_set, (c, size) = train.build_data(args)
    model = train.build_model("lenet5", c, size)
    model.load_state_dict(a["model"])
    loss, acc = train.evaluate(model, DataLoader(test_set, batch_size=1000))
    assert acc == rows[-1]["test_acc"]
    assert abs(loss - rows[-1]["test_loss"]) <= 1e-5 * max(1.0, abs(loss))
