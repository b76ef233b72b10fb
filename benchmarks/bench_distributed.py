"""Data-parallel LeNet-5 training throughput on 1 and 2 MPI processes, and the share of a step
spent waiting for gradient communication.

    python benchmarks/bench_distributed.py [--global-batch 128] [--steps 30] [--procs 1 2]

The script launches itself under ``mpiexec -n P`` (one BLAS/OpenMP thread per rank) for each P.
Each run trains LeNet-5 (Fashion-MNIST shapes, 1x28x28, float32, SGD with momentum) on random
data with the same global batch, split over the ranks (strong scaling: the same work per step
as one process).  Reported per P (medians over the timed steps):

- step time and images/s (global batch / step time; every rank is timed, the slowest counts),
- comm wait: time inside the reducer's MPI waits and progress polls per step, and its share of
  the step (it includes waiting for a slower rank, so on a busy machine it shows imbalance too),
- for P=1 also the same loop without the DDP wrapper, i.e. the wrapper's own overhead,
- one blocking allreduce of all LeNet-5 gradients alone (after a barrier): the pure
  communication cost, without the waiting for a slower rank that ``comm wait`` also contains.

On a 2-core machine shared with other work the point is correctness and overhead, not speed-up.
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))


def _mpiexec():
    import shutil

    local = os.path.join(os.path.dirname(sys.executable), "mpiexec")
    return local if os.access(local, os.X_OK) else shutil.which("mpiexec")


def worker(args):
    import numpy as np

    import tinyconv as tc
    import tinyconv.distributed as dist
    from tinyconv.models import LeNet5
    from tinyconv.nn import functional as F

    dist.init()
    rank, world = dist.get_rank(), dist.get_world_size()
    per = args.global_batch // world
    rng = np.random.default_rng(rank)
    x = tc.tensor(rng.standard_normal((per, 1, 28, 28)).astype(np.float32))
    y = tc.tensor(rng.integers(0, 10, per))

    def run(wrap):
        tc.manual_seed(0)
        model = LeNet5(in_channels=1, num_classes=10, input_size=28)
        net = dist.DistributedDataParallel(model) if wrap else model
        opt = tc.optim.SGD(net.parameters(), lr=0.01, momentum=0.9)
        steps, waits = [], []
        for i in range(args.warmup + args.steps):
            dist.barrier()  # start every step together: the step time is the slowest rank's
            w0 = net.comm_wait_time if wrap else 0.0
            t0 = time.perf_counter()
            opt.zero_grad()
            loss = F.cross_entropy(net(x), y)
            loss.backward()
            opt.step()
            t = time.perf_counter() - t0
            if i >= args.warmup:
                steps.append(t)
                waits.append((net.comm_wait_time - w0) if wrap else 0.0)
        return steps, waits

    result = {}
    for wrap in ([True, False] if world == 1 else [True]):
        steps, waits = run(wrap)
        comm = dist.process_group._state.world
        all_steps = comm.gather(steps, root=0)
        all_waits = comm.gather(waits, root=0)
        if rank == 0:
            slowest = [max(s) for s in zip(*all_steps)]
            share = [w / s for ws, ss in zip(all_waits, all_steps) for w, s in zip(ws, ss)]
            result["ddp" if wrap else "plain"] = {
                "step": statistics.median(slowest),
                "wait": statistics.median([w for ws in all_waits for w in ws]),
                "share": statistics.median(share),
            }
    # the communication alone: one allreduce of all gradients (what a bucket costs when no
    # rank is late), timed after a barrier
    comm = dist.process_group._state.world
    n_params = sum(p.numel() for p in LeNet5(in_channels=1, num_classes=10,
                                             input_size=28).parameters())
    buf = np.ones(n_params, dtype=np.float32)
    times = []
    for _ in range(25):
        comm.Barrier()
        t0 = time.perf_counter()
        comm.Allreduce(dist.process_group._state.MPI.IN_PLACE, buf)
        times.append(time.perf_counter() - t0)
    times = comm.gather(times, root=0)
    if rank == 0:
        result["allreduce"] = statistics.median([max(t) for t in zip(*times)][5:])
        result["n_params"] = n_params
        print("RESULT " + json.dumps(result), flush=True)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--global-batch", type=int, default=128)
    ap.add_argument("--steps", type=int, default=30)
    ap.add_argument("--warmup", type=int, default=5)
    ap.add_argument("--procs", type=int, nargs="+", default=[1, 2])
    ap.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.worker:
        return worker(args)

    from harness import format_table, machine_line

    mpiexec = _mpiexec()
    if mpiexec is None:
        sys.exit("bench_distributed: mpiexec not found; pip install -e '.[distributed]'")
    env = dict(os.environ, OMP_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1", MKL_NUM_THREADS="1")
    rows = []
    base = None
    for p in args.procs:
        cmd = [mpiexec, "-n", str(p), sys.executable, os.path.abspath(__file__), "--worker",
               "--global-batch", str(args.global_batch), "--steps", str(args.steps),
               "--warmup", str(args.warmup)]
        out = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=1800)
        if out.returncode != 0:
            sys.exit(f"bench_distributed: {p} processes failed:\n{out.stdout}\n{out.stderr}")
        line = next(ln for ln in out.stdout.splitlines() if ln.startswith("RESULT "))
        res = json.loads(line[len("RESULT "):])
        if "plain" in res:
            r = res["plain"]
            rows.append((f"{p} (no DDP)", args.global_batch, r["step"] * 1e3,
                         args.global_batch / r["step"], "-", "-", "-", "-"))
        r = res["ddp"]
        ips = args.global_batch / r["step"]
        if base is None:
            base = ips
        rows.append((f"{p}", args.global_batch // p, r["step"] * 1e3, ips,
                     f"{ips / base:.2f}x", r["wait"] * 1e3, f"{100 * r['share']:.1f}%",
                     res["allreduce"] * 1e3))
        n_params = res["n_params"]
    print(f"# DDP LeNet-5 (1x28x28, float32), global batch {args.global_batch}, "
          f"{args.steps} timed steps, 1 thread per rank")
    print(f"# {machine_line()}")
    print(format_table(rows, ["processes", "batch/rank", "step ms", "images/s",
                              "vs 1 proc DDP", "comm wait ms", "comm share",
                              f"allreduce {4 * n_params // 1024} KiB alone ms"]))


if __name__ == "__main__":
    main()
