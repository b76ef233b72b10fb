"""Normalization, GELU and loss benchmark: tinyconv vs torch (CPU, default threads), one process.

Cases (forward+backward, float32): batch_norm (training, affine, running stats), group_norm
(8 groups, affine) and the exact (erf) GELU on a (128, 64, 32, 32) input, and cross_entropy on
(128, 10) logits.  Prints,
per case, both medians and the ratio tinyconv/torch.

    python benchmarks/bench_norm.py
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
LOGITS = (128, 10)


def _pair(arr, requires_grad=True):
    return tc.tensor(arr, requires_grad=requires_grad), torch.tensor(arr,
                                                                     requires_grad=requires_grad)


def cases():
    """(name, tinyconv callable, torch callable) for each case."""
    rng = np.random.default_rng(0)
    C = SHAPE[1]
    xa, xb = _pair(rng.standard_normal(SHAPE, dtype=np.float32))
    gya, gyb = _pair(rng.standard_normal(SHAPE, dtype=np.float32), requires_grad=False)
    wa, wb = _pair(np.ones(C, dtype=np.float32))
    ba, bb = _pair(np.zeros(C, dtype=np.float32))
    rma, rmb = _pair(np.zeros(C, dtype=np.float32), requires_grad=False)
    rva, rvb = _pair(np.ones(C, dtype=np.float32), requires_grad=False)

    def clear(*ts):
        for t in ts:
            t.grad = None

    def bn_tc():
        clear(xa, wa, ba)
        F.batch_norm(xa, rma, rva, wa, ba, training=True).backward(gya)

    def bn_torch():
        clear(xb, wb, bb)
        TF.batch_norm(xb, rmb, rvb, wb, bb, training=True).backward(gyb)

    def gn_tc():
        clear(xa, wa, ba)
        F.group_norm(xa, 8, wa, ba).backward(gya)

    def gn_torch():
        clear(xb, wb, bb)
        TF.group_norm(xb, 8, wb, bb).backward(gyb)

    def gelu_tc():
        clear(xa)
        F.gelu(xa).backward(gya)

    def gelu_torch():
        clear(xb)
        TF.gelu(xb).backward(gyb)

    la, lb = _pair(rng.standard_normal(LOGITS, dtype=np.float32) * 3)
    t = rng.integers(0, LOGITS[1], LOGITS[0])
    ta, tb = tc.tensor(t), torch.tensor(t)

    def ce_tc():
        la.grad = None
        F.cross_entropy(la, ta).backward()

    def ce_torch():
        lb.grad = None
        TF.cross_entropy(lb, tb).backward()

    shape = "x".join(map(str, SHAPE))
    # the sub-millisecond case runs first: right after the large ops, idle BLAS/OpenMP worker
    # threads of both libraries still spin and can distort it
    return [(f"cross_entropy fwd+bwd {'x'.join(map(str, LOGITS))} f32", ce_tc, ce_torch),
            (f"batch_norm train fwd+bwd {shape} f32", bn_tc, bn_torch),
            (f"group_norm G=8 fwd+bwd {shape} f32", gn_tc, gn_torch),
            (f"gelu (exact) fwd+bwd {shape} f32", gelu_tc, gelu_torch)]


def run(case_list, repeat=7, rounds=5):
    """Table rows (name, tinyconv ms, torch ms, ratio) for the given cases."""
    # the sub-millisecond cross_entropy case gets more repeats
    return run_cases(case_list, repeat=repeat, rounds=rounds,
                     repeat_for=lambda name: repeat * 20 if "cross_entropy" in name else repeat)


def main():
    print(f"# normalization and loss benchmark: {machine_line()}, torch {torch.__version__} "
          f"({torch.get_num_threads()} threads)")
    print(format_table(run(cases()), CASE_HEADERS))


if __name__ == "__main__":
    main()
