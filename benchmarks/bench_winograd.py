"""Winograd vs im2col vs torch on the mini-VGG 3x3 layers, in one process run.

    python benchmarks/bench_winograd.py             # all layers; updates benchmarks/README.md
    python benchmarks/bench_winograd.py vgg_c2      # only layers whose name contains a filter
    python benchmarks/bench_winograd.py --no-write  # print only

Per layer (N=128 float32, k3 p1, bias): conv2d forward (under no_grad) and forward+backward
(input, weight and bias gradients) through ``F.conv2d``, on the Winograd path, on the im2col
path, and on the automatic choice, each as the ratio of its median to torch's median measured
in the same rounds (the machine is shared: the ratios are the numbers to read).  Only the
``## Winograd`` section of benchmarks/README.md is rewritten.
"""
import os
import statistics
import sys
import time

# as users run: numpy and torch imported before tinyconv (see harness.py)
import numpy as np
import torch

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))
sys.path.insert(0, HERE)

import bench_conv  # noqa: E402
import harness  # noqa: E402

import tinyconv as tc  # noqa: E402
from tinyconv.ops import conv as C  # noqa: E402
from tinyconv.ops._kernels import num_threads  # noqa: E402

LAYERS = {name: spec for name, spec in bench_conv.CASES.items() if name.startswith("vgg_")}
# path name -> tinyconv.backends.conv settings: "winograd" is the default float32 Winograd
# (transformed domain in float64), "wino f32" the float32 one (winograd_precision="float32",
# the path before issue 21), measured in the same rounds
PATHS = {"winograd": dict(algorithm="winograd"),
         "wino f32": dict(algorithm="winograd", winograd_precision="float32"),
         "im2col": dict(algorithm="im2col"), "auto": dict(algorithm=None)}
HEADERS = ["layer", "auto picks", "torch fwd ms", "fwd wino", "fwd wino f32", "fwd im2col",
           "fwd auto", "torch f+b ms", "f+b wino", "f+b wino f32", "f+b im2col", "f+b auto"]


def forced(settings):
    """Run conv2d with these ``tinyconv.backends.conv`` settings."""
    return tc.backends.conv.flags(**settings)


def measure(spec, rounds=3, repeat=2):
    """{(kind, path): median seconds} with kind 'fwd'/'train', path a PATHS key or 'torch';
    every path timed in every round, so all see the same noise."""
    tc_fwd, torch_fwd, tc_step, torch_step = bench_conv.conv_fns(spec)
    times = {}
    for kind, mine, theirs in (("fwd", tc_fwd, torch_fwd), ("train", tc_step, torch_step)):
        for r in range(rounds):
            warm = 1 if r == 0 else 0
            times.setdefault((kind, "torch"), []).append(
                harness.time_fn(theirs, repeat=repeat, warmup=warm))
            for path, algo in PATHS.items():
                with forced(algo):
                    times.setdefault((kind, path), []).append(
                        harness.time_fn(mine, repeat=repeat, warmup=warm))
    return {k: statistics.median(v) for k, v in times.items()}


def picked(spec):
    Cin, H, Wd, Fo, k, s, p, g = spec
    geom = C.ConvGeometry((s, s), (p,) * 4, (1, 1), g, bench_conv._flops(spec)[1])
    return C.select_algorithm((bench_conv.N, Cin, H, Wd), (Fo, Cin // g, k, k), geom,
                              np.float32).name


def update_readme(section):
    """Replace (or append) the '## Winograd' section of benchmarks/README.md."""
    path = os.path.join(HERE, "README.md")
    text = open(path).read() if os.path.exists(path) else "# Benchmarks\n"
    start = text.find("\n## Winograd")
    if start < 0:
        text = text.rstrip("\n") + "\n\n" + section
    else:
        end = text.find("\n## ", start + 1)
        text = text[:start + 1] + section + (text[end + 1:] if end >= 0 else "")
    with open(path, "w") as f:
        f.write(text if text.endswith("\n") else text + "\n")


def main(argv):
    write = "--no-write" not in argv
    filters = [a for a in argv if not a.startswith("--")]
    t0 = time.perf_counter()
    rows = []
    for name, spec in LAYERS.items():
        if filters and not any(f in name for f in filters):
            continue
        t = measure(spec)
        fr = [t[("fwd", p)] / t[("fwd", "torch")] for p in PATHS]
        tr = [t[("train", p)] / t[("train", "torch")] for p in PATHS]
        rows.append((name, picked(spec), t[("fwd", "torch")] * 1e3, *fr,
                     t[("train", "torch")] * 1e3, *tr))
        print(harness.format_table(rows[-1:], HEADERS).splitlines()[-1], flush=True)
    table = harness.format_table(rows, HEADERS)
    print(table)
    section = "\n".join([
        "## Winograd", "",
        f"`python benchmarks/bench_winograd.py` ({harness.machine_line()}; torch "
        f"{torch.__version__} with {torch.get_num_threads()} threads; conv kernel threads "
        f"{num_threads()}; run took {time.perf_counter() - t0:.0f} s).", "",
        f"conv2d on the mini-VGG 3x3 layers, N={bench_conv.N}, float32, padding 1, with bias, "
        "through `F.conv2d`: ratio of the tinyconv median to torch's median in the same rounds "
        "(lower is better; 1.0 = as fast as torch), on the Winograd F(4x4,3x3) path (`wino`: "
        "the default, its GEMMs in float64 for float32 tensors; `wino f32`: "
        "`winograd_precision=\"float32\"`), the im2col path, and the automatic choice "
        "(`auto picks`).  fwd = forward under no_grad; "
        "f+b = forward + backward (input, weight and bias gradients).  Targets: f+b <= 1.3, "
        "fwd <= 1.1.", "",
        table, ""])
    if write and rows and not filters:
        update_readme(section)
        print("updated benchmarks/README.md (## Winograd)")


if __name__ == "__main__":
    tc.manual_seed(0)
    main(sys.argv[1:])
