"""Does tinyconv's speed depend on import order?  LeNet-5 on Fashion-MNIST, three ways, alternating.

    python benchmarks/import_order.py                   # 3 rounds of the README recipe, 2 epochs
    python benchmarks/import_order.py --rounds 5 --limit-train 20000 --epochs 1   # shorter runs

Each round runs, each in a fresh process and in rotating order so that a noisy shared machine
slows all alike:
- ``numpy, torch, tinyconv``: ``examples/train.py`` from a script that imports numpy and torch
  first, as most scripts and notebooks do;
- ``tinyconv first``: the same run from a script that imports tinyconv before anything else;
- ``torch``: ``benchmarks/train_fashion_torch.py``, the same recipe in torch (same initial
  weights, same batches in the same order).
No tinyconv-specific environment variable is set (OPENBLAS_THREAD_TIMEOUT, OMP_WAIT_POLICY and
TINYCONV_* are removed from the children's environment).  Prints every run's wall time (training
and the per-epoch test evaluation, as ``final: ... wall time`` reports it) with the load average
before it, the medians, and the medians of the per-round ratios.  Target (issue 21): numpy-first
within 5% of tinyconv-first, and both at most torch's time.
"""
import argparse
import os
import re
import statistics
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, HERE)
sys.path.insert(0, ROOT)

from harness import format_table, load_average, machine_line  # noqa: E402

TRAIN = os.path.join(ROOT, "examples", "train.py")
TORCH = os.path.join(HERE, "train_fashion_torch.py")
# a user's script: imports, then the recipe as ``python examples/train.py ARGS`` would run it
PRELUDES = {
    "numpy, torch, tinyconv": "import numpy, torch, tinyconv\n",
    "tinyconv first": "import tinyconv\nimport numpy, torch\n",
}
# --with-openblas: numpy first with OpenBLAS's own threads, i.e. tinyconv before issue 21
OPENBLAS_OWN = "numpy first, OpenBLAS's threads"
OPENBLAS_PRELUDE = ("import numpy, torch, tinyconv\n"
                    "tinyconv.backends.kernels.blas_threads = 'openblas'\n")
RUN = ("import runpy, sys\n"
       "sys.argv = [{path!r}] + {args!r}\n"
       "runpy.run_path({path!r}, run_name='__main__')\n")
_DROP = ("OPENBLAS_THREAD_TIMEOUT", "OMP_WAIT_POLICY", "GOMP_SPINCOUNT")
_WALL = re.compile(r"^final.*wall time ([0-9.]+)s", re.M)


def child_env():
    """The environment without tinyconv-specific variables, with the checkout importable."""
    env = {k: v for k, v in os.environ.items()
           if k not in _DROP and not k.startswith("TINYCONV_")}
    env["PYTHONPATH"] = ROOT + os.pathsep + env.get("PYTHONPATH", "")
    return env


def run_once(kind, recipe, out_dir):
    """Wall time in seconds of one run of ``kind`` (a key of PRELUDES, or "torch")."""
    args = recipe + ["--out", out_dir]
    if kind == "torch":
        cmd = [sys.executable, TORCH] + args
    else:
        prelude = OPENBLAS_PRELUDE if kind == OPENBLAS_OWN else PRELUDES[kind]
        cmd = [sys.executable, "-c", prelude + RUN.format(path=TRAIN, args=args)]
    out = subprocess.run(cmd, capture_output=True, text=True, env=child_env(), cwd=ROOT)
    m = _WALL.search(out.stdout)
    if out.returncode != 0 or m is None:
        raise RuntimeError(f"{kind} run failed ({out.returncode}):\n{out.stdout[-2000:]}\n"
                           f"{out.stderr[-3000:]}")
    return float(m.group(1))


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--epochs", type=int, default=2)
    ap.add_argument("--batch-size", type=int, default=64)
    ap.add_argument("--limit-train", type=int, default=None)
    ap.add_argument("--limit-test", type=int, default=None)
    ap.add_argument("--with-openblas", action="store_true",
                    help="also run numpy-first with blas_threads='openblas' (the old behaviour)")
    args = ap.parse_args(argv)

    recipe = ["--model", "lenet5", "--dataset", "fashion-mnist", "--epochs", str(args.epochs),
              "--batch-size", str(args.batch_size), "--no-progress", "--no-plots"]
    if args.limit_train:
        recipe += ["--limit-train", str(args.limit_train)]
    if args.limit_test:
        recipe += ["--limit-test", str(args.limit_test)]
    kinds = list(PRELUDES) + ["torch"] + ([OPENBLAS_OWN] if args.with_openblas else [])
    print(machine_line())
    print("recipe: examples/train.py " + " ".join(recipe))
    times = {k: [] for k in kinds}
    with tempfile.TemporaryDirectory() as tmp:
        for r in range(args.rounds):
            for k in kinds[r % len(kinds):] + kinds[:r % len(kinds)]:
                load = load_average()
                t = run_once(k, recipe, os.path.join(tmp, f"{r}-{kinds.index(k)}"))
                times[k].append(t)
                print(f"  round {r + 1} {k:34s} {t:7.1f} s  (load before {load:.1f})",
                      flush=True)
    np_first, tc_first, torch_t = (times[k] for k in kinds[:3])
    rows = [(k, statistics.median(v), " ".join(f"{t:.1f}" for t in v)) for k, v in times.items()]
    print("\n## LeNet-5 Fashion-MNIST run, wall time by import order (medians over rounds)")
    print(format_table(rows, ["run", "median s", "every round s"]))
    ratios = [
        ("numpy-first / tinyconv-first", [a / b for a, b in zip(np_first, tc_first)]),
        ("numpy-first / torch", [a / b for a, b in zip(np_first, torch_t)]),
        ("tinyconv-first / torch", [a / b for a, b in zip(tc_first, torch_t)]),
    ]
    if args.with_openblas:
        ratios.append(("numpy-first, OpenBLAS's threads / torch",
                       [a / b for a, b in zip(times[OPENBLAS_OWN], torch_t)]))
    print(format_table([(n, statistics.median(v), " ".join(f"{x:.3f}" for x in v))
                        for n, v in ratios], ["ratio", "median", "every round"]))
    return times


if __name__ == "__main__":
    main()
