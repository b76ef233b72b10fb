"""conv2d (and pooling) in tinyconv vs torch on the same work, in one process run.

    python benchmarks/bench_conv.py            # all cases, writes benchmarks/README.md
    python benchmarks/bench_conv.py vgg_c2     # only cases whose name contains a filter
    python benchmarks/bench_conv.py --no-write # print only
    python benchmarks/bench_conv.py --auto-only # skip the forced-im2col comparison rows
    python benchmarks/bench_conv.py --no-winograd  # tc.backends.conv.winograd = False

Per case: the medians of tinyconv and torch (forward, and forward+backward), their ratio
tinyconv/torch, the GFLOP/s both reach, and the GFLOP/s numpy's float32 matmul reaches on
the GEMM shapes the im2col path runs (the ceiling of any im2col convolution here).  Then the
split of the im2col path into its kernels and GEMMs, and the peak memory of one convolution
forward+backward.  Pooling cases come from bench_pool.py when that file exists.
"""
import os
import subprocess
import sys
import time
import tracemalloc

# as users run: numpy and torch imported before tinyconv (see harness.py)
import numpy as np
import torch

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))
sys.path.insert(0, HERE)

import harness  # noqa: E402

import tinyconv as tc  # noqa: E402
import tinyconv.nn.functional as F  # noqa: E402
from tinyconv.ops import conv as C  # noqa: E402
from tinyconv.ops._kernels import conv as KC  # noqa: E402
from tinyconv.ops._kernels import num_threads  # noqa: E402
from tinyconv.ops.conv.workspace import chunk_size  # noqa: E402

N = 128
# name: (C, H, W, F, k, stride, padding, groups)
CASES = {
    "lenet_c1 3->6 k5 32x32": (3, 32, 32, 6, 5, 1, 0, 1),
    "lenet_c2 6->16 k5 14x14": (6, 14, 14, 16, 5, 1, 0, 1),
    "vgg_c1 3->64 32x32": (3, 32, 32, 64, 3, 1, 1, 1),
    "vgg_c2 64->64 32x32": (64, 32, 32, 64, 3, 1, 1, 1),
    "vgg_c3 64->128 16x16": (64, 16, 16, 128, 3, 1, 1, 1),
    "vgg_c4 128->128 16x16": (128, 16, 16, 128, 3, 1, 1, 1),
    "vgg_c5 128->256 8x8": (128, 8, 8, 256, 3, 1, 1, 1),
    "vgg_c6 256->256 8x8": (256, 8, 8, 256, 3, 1, 1, 1),
    "s2 64->128 k3 s2 32x32": (64, 32, 32, 128, 3, 2, 1, 1),
    "1x1 128->64 16x16": (128, 16, 16, 64, 1, 1, 0, 1),
    "dw3x3 64 32x32": (64, 32, 32, 64, 3, 1, 1, 64),
}
PEAK_CASE = "vgg_c2 64->64 32x32"


def _arrays(spec, seed=0):
    Cin, H, W, Fo, k, s, p, g = spec
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((N, Cin, H, W), dtype=np.float32)
    w = rng.standard_normal((Fo, Cin // g, k, k), dtype=np.float32) * 0.1
    b = rng.standard_normal(Fo, dtype=np.float32)
    return x, w, b


def _flops(spec):
    Cin, H, W, Fo, k, s, p, g = spec
    OH = (H + 2 * p - k) // s + 1
    OW = (W + 2 * p - k) // s + 1
    return 2.0 * N * Fo * OH * OW * (Cin // g) * k * k, (OH, OW)


def conv_fns(spec):
    """(tc_forward, torch_forward, tc_train_step, torch_train_step) closures for one case."""
    Cin, H, W, Fo, k, s, p, g = spec
    x, w, b = _arrays(spec)
    tx, tw, tb = (tc.tensor(v, requires_grad=True) for v in (x, w, b))
    ux, uw, ub = (torch.tensor(v, requires_grad=True) for v in (x, w, b))
    gy = np.ones((N, Fo) + _flops(spec)[1], dtype=np.float32)
    ugy = torch.tensor(gy)

    def tc_fwd():
        with tc.no_grad():
            F.conv2d(tx, tw, tb, stride=s, padding=p, groups=g)

    def torch_fwd():
        with torch.no_grad():
            torch.nn.functional.conv2d(ux, uw, ub, stride=s, padding=p, groups=g)

    def tc_step():
        tx.grad = tw.grad = tb.grad = None
        F.conv2d(tx, tw, tb, stride=s, padding=p, groups=g).backward(gy)

    def torch_step():
        ux.grad = uw.grad = ub.grad = None
        torch.nn.functional.conv2d(ux, uw, ub, stride=s, padding=p, groups=g).backward(ugy)

    return tc_fwd, torch_fwd, tc_step, torch_step


def gemm_ceiling(spec):
    """GFLOP/s of numpy float32 matmul on the forward GEMM of the im2col path (chunk shape)."""
    Cin, H, W, Fo, k, s, p, g = spec
    _, (OH, OW) = _flops(spec)
    P = OH * OW
    CK = Cin * k * k
    nc = chunk_size(N, CK * P * 4)
    rng = np.random.default_rng(1)
    a = rng.standard_normal((g, Fo // g, CK // g), dtype=np.float32)
    bm = rng.standard_normal((g, CK // g, nc * P), dtype=np.float32)
    out = np.empty((g, Fo // g, nc * P), dtype=np.float32)
    t = harness.time_fn(lambda: np.matmul(a, bm, out=out), repeat=7, warmup=2)
    return 2.0 * Fo * (CK // g) * nc * P / t / 1e9


def breakdown(spec):
    """Times of the im2col path's pieces over a whole N=128 batch: kernels vs GEMMs."""
    Cin, H, W, Fo, k, s, p, g = spec
    _, (OH, OW) = _flops(spec)
    P, CK = OH * OW, Cin * k * k
    x, w, _ = _arrays(spec)
    nc = chunk_size(N, CK * P * 4)
    chunks = [(n0, min(nc, N - n0)) for n0 in range(0, N, nc)]
    cols = np.empty((CK, nc * P), dtype=np.float32)
    gx = np.empty_like(x)
    wm = w.reshape(Fo, CK)
    yb = np.empty((Fo, nc * P), dtype=np.float32)
    geo = dict(KH=k, KW=k, stride=(s, s), pads=(p, p), dilation=(1, 1), out_size=(OH, OW))

    def im2col():
        for n0, m in chunks:
            KC.im2col(x[n0:n0 + m], out=cols[:, :m * P] if m == nc else
                            np.empty((CK, m * P), np.float32), **geo)

    def col2im():
        for n0, m in chunks:
            c = cols if m == nc else np.zeros((CK, m * P), np.float32)
            KC.col2im(c, (m, Cin, H, W), out=gx[n0:n0 + m], **geo)

    def gemm():
        for _ in chunks:
            np.matmul(wm, cols, out=yb)

    def pair():  # the forward as it runs: kernel then GEMM, chunk by chunk
        for n0, m in chunks:
            KC.im2col(x[n0:n0 + m], out=cols[:, :m * P] if m == nc else
                            np.empty((CK, m * P), np.float32), **geo)
            np.matmul(wm, cols, out=yb)

    ti, tcl, tg, tp = (harness.time_fn(f, repeat=5, warmup=1) for f in (im2col, col2im, gemm,
                                                                       pair))
    nbytes = CK * P * N * 4
    return ti, tcl, tg, tp, nbytes / ti / 1e9, nbytes / tcl / 1e9


PEAK_CHILD = r"""
import sys, numpy as np
sys.path.insert(0, {root!r}); sys.path.insert(0, {here!r})
import bench_conv as B
spec = B.CASES[{case!r}]
_, _, tc_step, torch_step = B.conv_fns(spec)
step = tc_step if {which!r} == "tinyconv" else torch_step
def status(key):  # kB
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith(key + ":"):
                return int(line.split()[1])
with open("/proc/self/clear_refs", "w") as f:
    f.write("5")  # reset the peak resident size (VmHWM) to the current one
rss_before = status("VmRSS")
step()
print((status("VmHWM") - rss_before) / 1024.0)
"""


def peak_memory(case):
    """Peak extra memory (MB) of one forward+backward: in a fresh child, the resident-size
    high-water mark (VmHWM, reset just before the step) minus the resident size before it;
    and, for tinyconv, NumPy's allocations at their peak (tracemalloc)."""
    out = {}
    for which in ("tinyconv", "torch"):
        code = PEAK_CHILD.format(root=os.path.dirname(HERE), here=HERE, case=case, which=which)
        res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                             check=True)
        out[which] = float(res.stdout.strip().splitlines()[-1])
    _, _, tc_step, _ = conv_fns(CASES[case])
    tracemalloc.start()
    tracemalloc.reset_peak()
    base = tracemalloc.get_traced_memory()[0]
    tc_step()
    peak = tracemalloc.get_traced_memory()[1] - base
    tracemalloc.stop()
    out["tinyconv_tracemalloc"] = peak / 2 ** 20
    return out


TIMING = dict(repeat=3, warmup=1, rounds=2)


def _algo(spec):
    """Name of the path select_algorithm picks for this case."""
    Cin, H, W, Fo, k, s, p, g = spec
    geom = C.ConvGeometry((s, s), (p,) * 4, (1, 1), g, _flops(spec)[1])
    return C.select_algorithm((N, Cin, H, W), (Fo, Cin // g, k, k), geom, np.float32).name


def _im2col_only(on):
    """Context manager: with on=True every convolution takes the im2col path."""
    return tc.backends.conv.flags(algorithm="im2col" if on else None)


def pool_cases():
    try:
        import bench_pool
    except ImportError:
        return []
    return list(bench_pool.cases())


def main(argv):
    write = "--no-write" not in argv
    if "--no-winograd" in argv:
        tc.backends.conv.winograd = False
    filters = [a for a in argv if not a.startswith("--")]
    want = (lambda name: any(f in name for f in filters)) if filters else (lambda name: True)
    t_start = time.perf_counter()
    load0 = os.getloadavg()[0]
    lines = ["## Convolution and pooling (`python benchmarks/bench_conv.py`)", "",
             f"Machine: {harness.machine_line()}; torch {torch.__version__} with "
             f"{torch.get_num_threads()} threads; kernel threads {num_threads()}; "
             f"Winograd path {'on' if tc.backends.conv.winograd else 'off'}.", "",
             "Medians over interleaved rounds in one process run (the machine is shared, so "
             "absolute times are noisy; the ratio tinyconv/torch is the number to read). "
             f"conv2d cases at N={N}, float32; fwd = forward under no_grad, train = "
             "forward+backward (input, weight and bias gradients).", ""]
    rows = []
    for name, spec in CASES.items():
        if not want(name):
            continue
        flops, _ = _flops(spec)
        ceil = gemm_ceiling(spec)
        algo = _algo(spec)
        for forced in ((False, True) if algo != "im2col" and "--auto-only" not in argv
                       else (False,)):
            with _im2col_only(forced):
                tc_fwd, torch_fwd, tc_step, torch_step = conv_fns(spec)
                f_tc, f_th = harness.compare(tc_fwd, torch_fwd, **TIMING)
                s_tc, s_th = harness.compare(tc_step, torch_step, **TIMING)
                rows.append((name, _algo(spec), f_tc * 1e3, f_th * 1e3, f_tc / f_th,
                             s_tc * 1e3, s_th * 1e3, s_tc / s_th, flops / f_tc / 1e9,
                             flops / f_th / 1e9, ceil))
            print(harness.format_table(rows[-1:], HEADERS).splitlines()[-1], flush=True)
    if rows:
        lines += ["### conv2d", "", harness.format_table(rows, HEADERS), "",
                  "GFLOP/s columns are forward GFLOP/s (2*N*F*OH*OW*C/groups*KH*KW per "
                  "forward); `numpy GEMM` is numpy's float32 matmul on the im2col path's GEMM "
                  "shape (one chunk), the ceiling for any im2col convolution on this BLAS. "
                  "`path` is the algorithm select_algorithm picks (im2col, gemm1x1 = the 1x1 "
                  "fast path, direct = the Cython direct kernels for depthwise and few-channel "
                  "convs, im2col+direct = im2col forward with direct backward, winograd = "
                  "Winograd F(4x4, 3x3)); where it is not im2col, a second row forces the "
                  "im2col path for comparison.", ""]

    brow = []
    for name, spec in CASES.items():
        if not want(name) or spec[7] != 1 or spec[4] == 1:
            continue
        ti, tcl, tg, tp, gbi, gbc = breakdown(spec)
        brow.append((name, tg * 1e3, ti * 1e3, tcl * 1e3, (ti + tcl) / (3 * tg), tp * 1e3,
                     gbi, gbc))
        print(harness.format_table(brow[-1:], BHEADERS).splitlines()[-1], flush=True)
    if brow:
        lines += ["### im2col path: kernels vs GEMM (whole batch, chunked as the conv runs)", "",
                  harness.format_table(brow, BHEADERS), "",
                  "`kernel share` = (im2col + col2im) / (3 x GEMM): a forward+backward on this "
                  "path runs im2col once (Conv2d keeps the forward's columns for the weight "
                  "gradient when the whole batch's fit under `conv.SAVED_COLUMNS_BYTES`, 64 MB; "
                  "above that, twice), col2im once and three GEMMs of the same size.  `pair` is "
                  "im2col+GEMM chunk by chunk, as the forward runs them (OpenMP and BLAS thread "
                  "pools taking turns).", ""]

    prow = []
    for name, tc_fn, torch_fn in pool_cases():
        if not want(name):
            continue
        a, b = harness.compare(tc_fn, torch_fn, **TIMING)
        prow.append((name, a * 1e3, b * 1e3, a / b))
        print(harness.format_table(prow[-1:], PHEADERS).splitlines()[-1], flush=True)
    if prow:
        lines += ["### pooling (cases from bench_pool.py)", "",
                  harness.format_table(prow, PHEADERS), ""]

    if want(PEAK_CASE):
        mem = peak_memory(PEAK_CASE)
        lines += ["### peak memory of one conv2d forward+backward", "",
                  f"{PEAK_CASE}, N={N} float32 (input 32 MB, output 32 MB; the workspace limit "
                  f"is {tc.get_conv_workspace_limit() >> 20} MB): peak resident-size growth "
                  f"during the step in a fresh child process, tinyconv {mem['tinyconv']:.0f} "
                  f"MB, torch {mem['torch']:.0f} MB; tinyconv's NumPy allocations at their "
                  f"peak (tracemalloc) "
                  f"{mem['tinyconv_tracemalloc']:.0f} MB.", ""]
        print(lines[-2], flush=True)
    lines.append(f"Total benchmark time {time.perf_counter() - t_start:.0f} s; load average "
                 f"{load0:.1f} at the start, {os.getloadavg()[0]:.1f} at the end (2 cores).")
    text = "\n".join(lines) + "\n"
    print(text)
    if write and not filters:
        write_section(os.path.join(HERE, "README.md"), text)


START, END = "<!-- bench_conv: start -->", "<!-- bench_conv: end -->"


def write_section(path, text):
    """Put text between this script's markers in the shared README (other sections stay)."""
    body = f"{START}\n{text}{END}\n"
    old = open(path).read() if os.path.exists(path) else "# Benchmarks\n"
    if START in old and END in old:
        head, rest = old.split(START, 1)
        new = head + body + rest.split(END, 1)[1].lstrip("\n")
    else:
        new = old.rstrip("\n") + "\n\n" + body
    with open(path, "w") as f:
        f.write(new)


HEADERS = ("case", "path", "fwd tc ms", "fwd torch ms", "fwd ratio", "train tc ms",
           "train torch ms", "train ratio", "tc GFLOP/s", "torch GFLOP/s", "numpy GEMM GFLOP/s")
BHEADERS = ("case", "GEMM ms", "im2col ms", "col2im ms", "kernel share", "pair ms",
            "im2col GB/s", "col2im GB/s")
PHEADERS = ("case", "tc ms", "torch ms", "ratio")

if __name__ == "__main__":
    main(sys.argv[1:])
