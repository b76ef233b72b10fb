"""NumPy's parallel OpenBLAS calls on the kernels' OpenMP team (ops/_kernels/blas.py).

The callback must run every job of a call, all at once, from any import order, from several
Python threads at a time, in a forked child, and come off and back with the switch.
"""
import ctypes
import os
import subprocess
import sys
import threading

import numpy as np
import pytest

import tinyconv as tc
from tinyconv.ops._kernels import blas

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
HOOKED = bool(blas.install())
needs_hook = pytest.mark.skipif(not HOOKED, reason="no OpenBLAS with the threads callback "
                                                   "(>= 0.3.27) loaded")


def _gemm_case(dtype, m=384, k=256, n=320, seed=0):
    rng = np.random.default_rng(seed)
    a = rng.standard_normal((m, k)).astype(dtype)
    b = rng.standard_normal((k, n)).astype(dtype)
    return a, b, a.astype(np.float64) @ b.astype(np.float64)


def _team_calls():
    return tc.ops._kernels.ext.blas_callback_counts()[0]


@needs_hook
@pytest.mark.parametrize("dtype, tol", [(np.float32, 1e-4), (np.float64, 1e-12)])
@pytest.mark.parametrize("shape", [(384, 256, 320), (6, 75, 40000), (40000, 6, 25),
                                   (1000, 1000, 1), (1, 2000, 2000)])
def test_gemm_on_the_team_is_exact(dtype, tol, shape):
    a, b, want = _gemm_case(dtype, *shape)
    before = _team_calls()
    got = a @ b
    assert got.dtype == dtype
    np.testing.assert_allclose(got, want, rtol=tol, atol=tol * np.abs(want).max())
    if os.cpu_count() > 1 and shape == (384, 256, 320):
        assert _team_calls() > before   # a GEMM this size is split over threads


@needs_hook
def test_switch_gives_openblas_its_threads_back_and_flags_restore():
    a, b, want = _gemm_case(np.float32)
    assert tc.backends.kernels.blas_threads == "kernels"
    with tc.backends.kernels.flags(blas_threads="openblas"):
        assert blas.status()[0].startswith("BLAS threads: the BLAS's own")
        before = _team_calls()
        np.testing.assert_allclose(a @ b, want, rtol=1e-4, atol=1e-3)
        assert _team_calls() == before
    assert blas.status()[0].startswith("BLAS threads: OpenBLAS jobs on the kernels'")
    before = _team_calls()
    np.testing.assert_allclose(a @ b, want, rtol=1e-4, atol=1e-3)
    if os.cpu_count() > 1:
        assert _team_calls() > before


def test_switch_validates():
    with pytest.raises(ValueError, match="blas_threads"):
        tc.backends.kernels.blas_threads = "mkl"
    assert tc.backends.kernels.blas_threads == "kernels"


@needs_hook
def test_concurrent_gemms_from_python_threads():
    """Jobs of one call share OpenBLAS's per-thread buffers: calls must take turns."""
    cases = [_gemm_case(np.float32, 300 + 16 * i, 200, 260, seed=i) for i in range(4)]
    errors = []

    def work(i):
        a, b, want = cases[i]
        for _ in range(20):
            got = a @ b
            err = np.abs(got - want).max() / np.abs(want).max()
            if err > 1e-5:
                errors.append((i, err))

    threads = [threading.Thread(target=work, args=(i,)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors


@needs_hook
@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs fork")
def test_forked_child_runs_gemm_on_openblas_threads():
    a, b, want = _gemm_case(np.float32)
    a @ b  # the parent's team exists
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:  # pragma: no cover - the child reports through the pipe
        ok = False
        try:
            ok = (not blas._installed and np.allclose(a @ b, want, rtol=1e-4, atol=1e-3))
        finally:
            os.write(w, b"1" if ok else b"0")
            os._exit(0)
    os.close(w)
    got = os.read(r, 1)
    os.waitpid(pid, 0)
    assert got == b"1"
    assert blas._installed   # the parent keeps its callback


CHILD = r"""
import sys
{prelude}
import numpy as np
import tinyconv as tc
from tinyconv.ops._kernels import blas
a = np.random.default_rng(0).standard_normal((512, 512)).astype(np.float32)
before = tc.ops._kernels.ext.blas_callback_counts()
r = a @ a
after = tc.ops._kernels.ext.blas_callback_counts()
ok = np.allclose(r, a.astype(np.float64) @ a, rtol=1e-3, atol=1e-3)
print(bool(blas._installed), after[0] + after[1] > before[0] + before[1], ok)
"""


@needs_hook
@pytest.mark.parametrize("prelude", ["import numpy, torch", "import tinyconv",
                                     "import torch"])
def test_any_import_order_installs_the_callback(prelude):
    env = {k: v for k, v in os.environ.items()
           if k not in ("OPENBLAS_THREAD_TIMEOUT", "OMP_WAIT_POLICY")}
    env["PYTHONPATH"] = ROOT
    out = subprocess.run([sys.executable, "-c", CHILD.format(prelude=prelude)],
                         capture_output=True, text=True, env=env, cwd=ROOT, timeout=300)
    assert out.returncode == 0, out.stderr
    installed, used, ok = out.stdout.split()
    assert installed == "True" and ok == "True"
    if os.cpu_count() > 1:
        assert used == "True"


@needs_hook
def test_dynamic_teams_fall_back_to_plain_threads():
    """With OMP_DYNAMIC an OpenMP team may be smaller than asked: jobs go to pthreads."""
    code = CHILD.format(prelude="") + (
        "print(tc.ops._kernels.ext.blas_callback_counts()[1] > 0 or __import__('os')"
        ".cpu_count() == 1)\n")
    env = dict(os.environ, OMP_DYNAMIC="true", PYTHONPATH=ROOT)
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env,
                         cwd=ROOT, timeout=300)
    assert out.returncode == 0, out.stderr
    lines = out.stdout.split("\n")
    assert lines[0].split()[0] == "True" and lines[0].split()[2] == "True"
    assert lines[1] == "True"


def test_doctor_names_the_mechanism():
    from tinyconv.__main__ import _blas

    text = "\n".join(_blas())
    assert "BLAS threads:" in text


# --------------------------------------------------------- tc.set_num_threads / get_num_threads

def _openblas_thread_counts():
    counts = []
    for path in blas.openblas_libraries():
        fns = blas._thread_count_functions(ctypes.CDLL(path))
        if fns is not None:
            counts.append(fns[1]())
    return counts


@pytest.mark.parametrize("bad", [0, -1, 1.5, True, "2"])
def test_set_num_threads_rejects_what_torch_rejects(bad):
    torch = pytest.importorskip("torch")
    with pytest.raises(RuntimeError) as want:
        torch.set_num_threads(bad)
    with pytest.raises(RuntimeError) as got:
        tc.set_num_threads(bad)
    assert str(got.value) == str(want.value)
    assert tc.backends.kernels.num_threads is None


def test_set_num_threads_sets_the_kernels_and_openblas():
    own = _openblas_thread_counts()
    try:
        tc.set_num_threads(1)
        assert tc.get_num_threads() == 1 == tc.backends.kernels.num_threads
        assert tc.ops._kernels.num_threads() == 1
        assert all(n == 1 for n in _openblas_thread_counts())
        a, b, want = _gemm_case(np.float32)
        np.testing.assert_allclose(a @ b, want, rtol=1e-4, atol=1e-3)
        tc.set_num_threads(3)   # more than the cores is allowed, as in torch
        assert tc.get_num_threads() == 3
    finally:
        tc.backends.kernels.num_threads = None
    assert _openblas_thread_counts() == own   # unset: OpenBLAS's own count comes back
    with tc.backends.kernels.flags(num_threads=1):
        assert tc.get_num_threads() == 1
    assert _openblas_thread_counts() == own


def test_default_num_threads_follows_omp_num_threads_as_torch():
    """torch's default: OMP_NUM_THREADS when a positive int, at most the cores; else the cores.
    One child process per setting (read at import), all started at once."""
    pytest.importorskip("torch")
    code = ("import tinyconv as tc, torch\n"
            "print(tc.get_num_threads(), torch.get_num_threads())\n")
    children = {}
    for omp in ("1", "3", "x", None):
        env = {k: v for k, v in os.environ.items() if k != "OMP_NUM_THREADS"}
        if omp is not None:
            env["OMP_NUM_THREADS"] = omp
        env["PYTHONPATH"] = ROOT
        children[omp] = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE,
                                         stderr=subprocess.PIPE, text=True, env=env, cwd=ROOT)
    for omp, child in children.items():
        out, err = child.communicate(timeout=300)
        assert child.returncode == 0, (omp, err)
        ours, theirs = out.split()
        assert ours == theirs, (omp, out)
