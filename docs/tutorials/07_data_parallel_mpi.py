# ---
# jupyter:
#   jupytext:
#     text_representation:
#       extension: .py
#       format_name: percent
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # 7. Data-parallel training with MPI
#
# Data parallelism is the simplest way to train on several processes: every process (a
# *rank*) holds a full copy of the model, each computes the gradients of its own share of
# the batch, the ranks **average their gradients** (an allreduce), and all of them apply
# the same update, so the copies stay identical. With the same global batch, P processes
# compute exactly the gradient one process would, only faster.
#
# `tinyconv.distributed` does this over MPI with torch's names: `init()`,
# `DistributedDataParallel` (which broadcasts rank 0's weights, then averages gradients with
# bucketed non-blocking allreduces that overlap the backward pass) and
# `DistributedSampler` (each rank's shard of the data, reshuffled per epoch).
#
# An MPI job is started by `mpiexec`, which runs one Python process per rank, so the
# training code lives in a script. This notebook writes the script, runs it with one and
# with two processes on **a subset of Fashion-MNIST (6,000 images, 2 epochs)**, and checks
# that both runs follow the same optimisation path. It needs the `distributed` extra
# (`pip install -e '.[distributed]'`: mpi4py and the MPICH wheel, which brings `mpiexec`)
# and runs in about a minute on two cores.

# %%
import json
import os
import shutil
import subprocess
import sys
import tempfile

import matplotlib.pyplot as plt
import numpy as np

FIGURES = os.environ.get("TINYCONV_FIGURES", "figures")
os.makedirs(FIGURES, exist_ok=True)

# %% [markdown]
# ## The training script
#
# Three things make a script data-parallel: `dist.init()`, wrapping the model in
# `DistributedDataParallel`, and a `DistributedSampler` in the `DataLoader`. The batch size
# is per rank, so each rank takes `64 / world_size` images to keep the global batch at 64.
# Only rank 0 writes the results. Each rank records the loss of its share of every batch;
# one `all_reduce` at the end averages them into the loss of each global batch (a collective
# per step would add a synchronisation to every step).

# %%
SCRIPT = '''
import json
import sys
import time

import numpy as np

import tinyconv as tc
import tinyconv.distributed as dist
import tinyconv.nn.functional as F
from tinyconv import transforms as T
from tinyconv.utils.data import DataLoader, Subset

dist.init()                                   # the MPI world that mpiexec started
rank, world = dist.get_rank(), dist.get_world_size()

transform = T.Compose([T.ToTensor(), T.Normalize((0.286,), (0.353,))])
full = tc.datasets.FashionMNIST(train=True, transform=transform)
train_set = Subset(full, np.random.default_rng(0).permutation(len(full))[:6000].tolist())

tc.manual_seed(0)
model = tc.models.LeNet5(in_channels=1, num_classes=10, input_size=28)
model = dist.DistributedDataParallel(model)   # broadcasts rank 0's weights to every rank
sampler = dist.DistributedSampler(train_set, shuffle=True, seed=0)
loader = DataLoader(train_set, batch_size=64 // world, sampler=sampler)
opt = tc.optim.SGD(model.parameters(), lr=0.05, momentum=0.9)

losses, start = [], time.perf_counter()
for epoch in range(2):
    sampler.set_epoch(epoch)                  # a new shuffle each epoch, the same on all ranks
    for x, y in loader:
        loss = F.cross_entropy(model(x), y)
        opt.zero_grad()
        loss.backward()                       # gradients averaged over the ranks here
        opt.step()
        losses.append(loss.item())            # this rank's share of the batch
seconds = time.perf_counter() - start
# the loss of each global batch: the mean over the ranks, in one collective at the end
losses = tc.tensor(np.array(losses, dtype=np.float64))
dist.all_reduce(losses, op="mean")
losses = losses.tolist()

if rank == 0:
    with open(sys.argv[1], "w") as f:
        json.dump({"world": world, "losses": losses, "seconds": seconds,
                   "images": 2 * len(train_set)}, f)
    print(f"{world} process(es): {len(losses)} steps in {seconds:.1f} s, "
          f"final loss {losses[-1]:.3f}")
'''
WORK = tempfile.mkdtemp()                     # the script and its results go here
script = os.path.join(WORK, "ddp_train.py")
with open(script, "w") as f:
    f.write(SCRIPT)

# %% [markdown]
# ## Running it under `mpiexec`
#
# The MPICH wheel installs `mpiexec` next to the Python interpreter. Each rank gets one
# thread for tinyconv's kernels and the BLAS (two ranks on two cores), and imports the
# same tinyconv as this notebook.

# %%
def find_mpiexec():
    local = os.path.join(os.path.dirname(sys.executable), "mpiexec")
    return local if os.access(local, os.X_OK) else shutil.which("mpiexec")


MPIEXEC = find_mpiexec()
assert MPIEXEC is not None, "mpiexec not found: pip install -e '.[distributed]'"
env = dict(os.environ, OMP_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1", MKL_NUM_THREADS="1")
env["PYTHONPATH"] = os.pathsep.join(p for p in [os.environ.get("PYTHONPATH", "")] + sys.path
                                    if p)

results = {}
for n in (1, 2):
    out = os.path.join(WORK, f"metrics_{n}.json")
    run = subprocess.run([MPIEXEC, "-n", str(n), sys.executable, script, out],
                         env=env, capture_output=True, text=True, timeout=600)
    print(run.stdout.strip())
    if run.returncode != 0:
        raise RuntimeError(f"mpiexec -n {n} failed:\n{run.stdout}\n{run.stderr}")
    with open(out) as f:
        results[n] = json.load(f)

# %% [markdown]
# ## One process or two: the same training
#
# Both runs see the same global batches (the sampler shards each shuffled epoch between the
# ranks) and average gradients over the same 64 images, so they take the same steps, up to
# float32 rounding: the sums run in a different order. Those 1e-7 differences are not zero,
# and training amplifies them, as it amplifies any difference (another thread count, another
# BLAS): the runs agree to 1e-4 over the first half epoch and then drift apart slowly, to
# curves that are the same statistically rather than digit for digit. LeNet-5 has no batch
# norm; with batch norm, each rank would normalise with its own 32 images unless the model
# is wrapped with `DistributedDataParallel(model, sync_batchnorm=True)`.

# %%
one, two = results[1], results[2]
gaps = np.abs(np.array(one["losses"]) - np.array(two["losses"]))
print(f"steps: {len(one['losses'])} and {len(two['losses'])}")
print(f"largest loss difference over the first 40 steps: {gaps[:40].max():.1e}; "
      f"over all: {gaps.max():.1e}")
print(f"mean loss over the last 40 steps: {np.mean(one['losses'][-40:]):.3f} (1 process), "
      f"{np.mean(two['losses'][-40:]):.3f} (2 processes)")
assert len(one["losses"]) == len(two["losses"])
assert gaps[:40].max() < 1e-4
assert abs(np.mean(one["losses"][-40:]) - np.mean(two["losses"][-40:])) < 0.1

fig, axes = plt.subplots(1, 2, figsize=(10, 3.5), gridspec_kw={"width_ratios": [2, 1]})
axes[0].plot(one["losses"], label="1 process, batch 64")
axes[0].plot(two["losses"], "--", label="2 processes, 32 images each")
axes[0].set_xlabel("step")
axes[0].set_ylabel("training loss (global batch)")
axes[0].legend()
throughput = [r["images"] / r["seconds"] for r in (one, two)]
axes[1].bar(["1 process", "2 processes"], throughput, color=["tab:blue", "tab:orange"])
axes[1].set_ylabel("images / s")
axes[1].set_title("throughput (one thread each)")
fig.tight_layout()
fig.savefig(os.path.join(FIGURES, "07_ddp_curves.png"), dpi=100)
print("images/s:", [round(t) for t in throughput])

# %% [markdown]
# The two curves lie on top of each other. Two processes are not faster here, and can be
# slower: a LeNet-5 step on 32 images takes a few milliseconds, about as long as averaging its
# 62,000 gradients across processes, so communication eats the gain. Data parallelism pays
# when a step's computation dwarfs its communication (bigger models and batches, more
# cores). `benchmarks/bench_distributed.py` measures images/s and the share of each step
# spent waiting for communication, and `examples/train.py --distributed` is a complete
# data-parallel training program (checkpoints and `--resume` on every rank, rank 0 writing
# the metrics).
