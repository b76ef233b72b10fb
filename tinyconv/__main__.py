"""Command line: ``python -m tinyconv doctor``.

``doctor`` prints what a bug report needs: tinyconv/NumPy/Cython/Python versions, whether the
compiled kernels are present and built from the current ``tinyconv/ops/*.pyx``/``*.pxi``
sources (SHA-256 recorded by setup.py at build time vs the sources now), the OpenMP threads,
the BLAS NumPy uses, and a self-check of conv2d (forward and gradients) against the plain NumPy
reference in ``tinyconv/ops/_reference.py`` for about a second.  Exit status 0 when everything
checks out, 1 otherwise.
"""
from __future__ import annotations

import glob
import importlib
import os
import platform
import sys
import time

from ._build_hash import OPS_DIR as _OPS
from ._build_hash import kernel_sources, sources_sha256


def _kernel_status():
    """(ok, lines) about the compiled module and its build."""
    lines, ok = [], True
    sos = glob.glob(os.path.join(_OPS, "_im2col*.so"))
    sos += glob.glob(os.path.join(_OPS, "_im2col*.pyd"))
    try:
        ext = importlib.import_module("tinyconv.ops._im2col")
        lines.append(f"compiled kernels: present ({ext.__file__})")
    except ImportError as e:
        return False, [f"compiled kernels: MISSING ({e}); build with: pip install -e . "
                       f"(or python setup.py build_ext --inplace)"], None
    now = sources_sha256()
    try:
        info = importlib.import_module("tinyconv.ops._build_info")
        built = getattr(info, "SOURCES_SHA256", None)
    except ImportError:
        built = None
    if built is None:
        lines.append(f"kernel sources: sha256 {now[:16]}...; no build record "
                     f"(tinyconv/ops/_build_info.py: built before it was recorded) - rebuild to "
                     f"be sure")
        ok = False
    elif built == now:
        lines.append(f"kernel sources: sha256 {now[:16]}... matches the build")
    else:
        lines.append(f"kernel sources: STALE BUILD - built from sha256 {built[:16]}..., sources "
                     f"now {now[:16]}...; rebuild: python setup.py build_ext --inplace")
        ok = False
    so = getattr(ext, "__file__", None) or (sos[0] if sos else None)
    srcs = kernel_sources()
    if so and srcs and os.path.getmtime(so) < max(os.path.getmtime(p) for p in srcs):
        lines.append("kernel sources: a .pyx/.pxi file is newer than the compiled module")
    return ok, lines, so


def _openmp(so):
    lines = []
    uses = None
    if so and os.path.exists(so):
        with open(so, "rb") as f:
            blob = f.read()
        uses = b"GOMP_parallel" in blob or b"__kmpc_fork_call" in blob or b"omp_get_" in blob
    from .ops import _kernels

    env = {k: os.environ[k] for k in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS",
                                      "MKL_NUM_THREADS") if k in os.environ}
    lines.append(f"OpenMP: {'compiled in' if uses else 'not compiled in (kernels run serially)'}"
                 f"; kernel threads {_kernels.num_threads()}; cpu_count {os.cpu_count()}"
                 + (f"; env {env}" if env else ""))
    return lines


def _blas():
    import numpy as np

    desc = []
    try:
        cfg = np.show_config(mode="dicts")
        deps = cfg.get("Build Dependencies", {})
        for key in ("blas", "lapack"):
            d = deps.get(key, {})
            if d:
                desc.append(f"{key}: {d.get('name', '?')} {d.get('version', '')}".strip())
    except Exception as e:  # older NumPy without mode="dicts": say so, do not guess
        desc.append(f"build config unavailable ({type(e).__name__})")
    loaded = set()
    try:
        with open("/proc/self/maps") as f:
            for line in f:
                path = line.split()[-1] if "/" in line else ""
                base = os.path.basename(path)
                if any(k in base.lower() for k in ("openblas", "mkl_rt", "libblas", "blis",
                                                   "accelerate", "libflexiblas")):
                    loaded.add(base)
    except OSError:
        pass
    if loaded:
        desc.append("loaded: " + ", ".join(sorted(loaded)))
    import tinyconv
    from .ops._kernels import blas

    status = blas.status()
    lines = ["BLAS: " + "; ".join(desc) if desc else "BLAS: unknown"] + status
    if not status[0].startswith("BLAS threads: OpenBLAS jobs on the kernels'"):
        timeout = os.environ.get("OPENBLAS_THREAD_TIMEOUT")
        lines.append("BLAS worker spin: " + (
            f"OPENBLAS_THREAD_TIMEOUT={timeout} "
            + ("(in effect: NumPy was loaded after tinyconv)" if tinyconv._BLAS_ENV_APPLIED
               else "(not in effect: NumPy was imported before tinyconv; set it in the "
                    "environment)")))
    return lines


def _self_check(seconds=1.0):
    """conv2d (several geometries, float32/float64, forward + gradients) vs the NumPy reference."""
    import numpy as np

    import tinyconv as tc
    import tinyconv.nn.functional as F

    from .ops import _reference as R

    geoms = [((2, 3, 9, 8), (4, 3, 3, 3), 1, (1, 1), (1, 1), 1),
             ((1, 4, 7, 10), (6, 2, 2, 3), (2, 1), (0, 2), (1, 2), 2),
             ((2, 1, 28, 28), (6, 1, 5, 5), 1, (2, 2), (1, 1), 1),
             ((2, 16, 12, 12), (16, 16, 3, 3), 1, (1, 1), (1, 1), 1),
             ((1, 6, 5, 5), (6, 1, 3, 3), 2, (1, 1), (2, 2), 6)]
    rng = np.random.default_rng(0)
    t0 = time.perf_counter()
    runs, worst = 0, {"float32": 0.0, "float64": 0.0}
    bound = {"float32": 1e-4, "float64": 1e-10}
    while True:
        for xs, ws, stride, pad, dil, groups in geoms:
            for dt in ("float64", "float32"):
                x = rng.standard_normal(xs).astype(dt)
                w = (rng.standard_normal(ws) * 0.3).astype(dt)
                b = rng.standard_normal(ws[0]).astype(dt)
                st = (stride, stride) if isinstance(stride, int) else stride
                xt = tc.tensor(x, requires_grad=True)
                wt = tc.tensor(w, requires_grad=True)
                y = F.conv2d(xt, wt, tc.tensor(b), st, pad, dil, groups)
                ref = R.conv2d(x.astype(np.float64), w.astype(np.float64), b.astype(np.float64),
                               st, (pad[0], pad[0], pad[1], pad[1]), dil, groups)
                err = float(np.abs(y._data - ref).max() / max(1.0, np.abs(ref).max()))
                if y._data.dtype != np.dtype(dt):
                    err = float("inf")
                # gradients: d sum(y * g) / dx against finite-free linearity (conv is linear in x):
                # <conv(x), g> must equal <x, gx> + <b, sum g> for the computed gx
                g = rng.standard_normal(y.shape).astype(dt)
                y.backward(tc.tensor(g))
                lhs = float(np.sum((ref - b.reshape(1, -1, 1, 1)) * g.astype(np.float64)))
                rhs_x = float(np.sum(x.astype(np.float64) * xt.grad._data.astype(np.float64)))
                rhs_w = float(np.sum(w.astype(np.float64) * wt.grad._data.astype(np.float64)))
                scale = max(1.0, float(np.abs(ref).sum() * np.abs(g).max()))
                err = max(err, abs(lhs - rhs_x) / scale, abs(lhs - rhs_w) / scale)
                worst[dt] = max(worst[dt], err)
                runs += 1
        if time.perf_counter() - t0 >= seconds:
            break
    ok = all(worst[d] <= bound[d] for d in worst)
    return ok, [f"self-check conv2d vs NumPy reference: {runs} runs in "
                f"{time.perf_counter() - t0:.2f} s, worst relative error float64 "
                f"{worst['float64']:.1e} (bound {bound['float64']:g}), float32 "
                f"{worst['float32']:.1e} (bound {bound['float32']:g}): "
                f"{'OK' if ok else 'FAILED'}"]


def doctor(seconds=1.0, out=sys.stdout):
    """Print the environment report and run the self-check; returns True when all is well."""
    import numpy as np

    lines = [f"tinyconv doctor ({platform.platform()})",
             f"Python {platform.python_version()} ({sys.executable})",
             f"NumPy {np.__version__}"]
    try:
        import Cython

        lines.append(f"Cython {Cython.__version__}")
    except ImportError:
        lines.append("Cython: not installed (only needed to rebuild the kernels)")
    ok, klines, so = _kernel_status()
    if so is None and not ok:
        lines += klines
        print("\n".join(lines), file=out)
        return False
    import tinyconv

    lines.insert(0, f"tinyconv {tinyconv.__version__} ({os.path.dirname(tinyconv.__file__)})")
    lines += klines
    lines += _openmp(so)
    lines += _blas()
    cok, clines = _self_check(seconds)
    lines += clines
    ok = ok and cok
    lines.append("status: OK" if ok else "status: PROBLEMS FOUND (see above)")
    print("\n".join(lines), file=out)
    return ok


def main(argv=None):
    import argparse

    ap = argparse.ArgumentParser(prog="python -m tinyconv")
    sub = ap.add_subparsers(dest="cmd", required=True)
    d = sub.add_parser("doctor", help="versions, kernel build, threads, BLAS and a self-check")
    d.add_argument("--seconds", type=float, default=1.0, help="self-check duration")
    args = ap.parse_args(argv)
    if args.cmd == "doctor":
        return 0 if doctor(args.seconds) else 1
    return 2  # pragma: no cover - argparse rejects other commands


if __name__ == "__main__":
    sys.exit(main())
