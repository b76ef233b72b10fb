"""Pooling benchmark: tinyconv vs torch (CPU, default threads) on the same work, one process.

Cases: max_pool2d 2x2 and avg_pool2d 2x2 on a (128, 64, 32, 32) float32 input, forward (the
input requires grad, as an activation in training does, so max pool also records its argmax)
and forward+backward.  Prints, per case, both medians and the ratio tinyconv/torch.

    python benchmarks/bench_pool.py
"""
import os
import sys

# as users run: numpy and torch imported before tinyconv (see harness.py)
import numpy as np
import torch
import torch.nn.functional as TF

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))  # this checkout
import tinyconv as tc  # noqa: E402
import tinyconv.nn.functional as F  # noqa: E402
from harness import CASE_HEADERS, format_table, machine_line, run_cases  # noqa: E402

SHAPE = (128, 64, 32, 32)


def _pair(shape, seed):
    x = np.random.default_rng(seed).standard_normal(shape, dtype=np.float32)
    return tc.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)


def cases():
    """(name, tinyconv callable, torch callable) for each pooling case."""
    xa, xb = _pair(SHAPE, 0)
    out_shape = SHAPE[:2] + (SHAPE[2] // 2, SHAPE[3] // 2)
    gy = np.random.default_rng(1).standard_normal(out_shape, dtype=np.float32)
    gya, gyb = tc.tensor(gy), torch.tensor(gy)
    result = []
    for name, fa, fb in [("max_pool2d 2x2", F.max_pool2d, TF.max_pool2d),
                         ("avg_pool2d 2x2", F.avg_pool2d, TF.avg_pool2d)]:
        def fwd_tc(fa=fa):
            fa(xa, 2)

        def fwd_torch(fb=fb):
            fb(xb, 2)

        def step_tc(fa=fa):
            xa.grad = None
            fa(xa, 2).backward(gya)

        def step_torch(fb=fb):
            xb.grad = None
            fb(xb, 2).backward(gyb)

        shape = "x".join(map(str, SHAPE))
        result.append((f"{name} fwd {shape} f32", fwd_tc, fwd_torch))
        result.append((f"{name} fwd+bwd {shape} f32", step_tc, step_torch))
    return result


def run(case_list, repeat=7, rounds=3):
    """Table rows (name, tinyconv ms, torch ms, ratio) for the given cases."""
    return run_cases(case_list, repeat=repeat, rounds=rounds)


def main():
    print(f"# pooling benchmark: {machine_line()}, torch {torch.__version__} "
          f"({torch.get_num_threads()} threads)")
    print(format_table(run(cases()), CASE_HEADERS))


if __name__ == "__main__":
    main()
