"""Fault injection: real processes killed with SIGKILL, a full disk (RLIMIT_FSIZE), hostile
archives and checkpoints, corrupted dataset files, abandoned loaders, a stopped MPI rank.

Every test states what must survive the fault and which error the user sees. Child processes
import this checkout's tinyconv (``PYTHONPATH``), never an installed one.
"""
import json
import os
import resource
import signal
import subprocess
import sys
import textwrap
import time

import numpy as np
import pytest

import tinyconv as tc
from tinyconv import nn

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def _env(**extra):
    env = dict(os.environ, PYTHONPATH=ROOT + os.pathsep + os.environ.get("PYTHONPATH", ""),
               OMP_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1", MKL_NUM_THREADS="1")
    env.update(extra)
    return env


def _file_size_limit(nbytes):
    """preexec_fn: writes past ``nbytes`` fail with EFBIG (an OSError) instead of SIGXFSZ."""

    def apply():
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (nbytes, resource.RLIM_INFINITY))

    return apply


def run_py(code, *args, timeout=120, preexec_fn=None, cwd=None):
    """Run ``code`` in a fresh interpreter; returns the CompletedProcess (text output)."""
    return subprocess.run([sys.executable, "-c", textwrap.dedent(code), *map(str, args)],
                          env=_env(), capture_output=True, text=True, timeout=timeout,
                          preexec_fn=preexec_fn, cwd=cwd or ROOT)


# ----------------------------------------------------------------------- abandoned loaders

LOADER_LEAK = """
    import json, sys, threading, time
    import numpy as np
    from tinyconv.utils.data import DataLoader, TensorDataset

    def rss_mb():
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024.0

    loader = DataLoader(TensorDataset(np.ones((2560, 3, 32, 32), np.float32),
                                      np.zeros(2560, np.int64)), batch_size=256, shuffle=True)
    for x, y in loader:          # one whole pass: warm up the allocator
        pass
    time.sleep(0.2)
    threads0, rss0 = threading.active_count(), rss_mb()
    for i in range(int(sys.argv[1])):
        if i % 2:
            x, y = next(iter(loader))
        else:
            for x, y in loader:
                break
    deadline = time.monotonic() + 2.0    # a worker may still be finishing its current batch
    while threading.active_count() > threads0 and time.monotonic() < deadline:
        time.sleep(0.01)
    print(json.dumps({"threads0": threads0, "threads": threading.active_count(),
                      "rss0": rss0, "rss": rss_mb()}))
"""


def test_early_break_loaders_leave_no_thread_and_no_memory():
    proc = run_py(LOADER_LEAK, 200, timeout=90)
    assert proc.returncode == 0, proc.stderr
    r = json.loads(proc.stdout)
    assert r["threads"] == r["threads0"], r
    assert r["rss"] - r["rss0"] < 50.0, r


# ----------------------------------------------------------------------- load_state_dict

def _small_model():
    tc.manual_seed(0)
    return nn.Sequential(nn.Conv2d(1, 2, 3), nn.BatchNorm2d(2), nn.Flatten(),
                         nn.Linear(2 * 4 * 4, 3))


def _snapshot(model):
    sd = model.state_dict()
    return {k: (v.numpy().dtype, v.numpy().tobytes()) for k, v in sd.items()}


@pytest.mark.parametrize("strict", [True, False])
@pytest.mark.parametrize("bad", ["str", "structured", "void"])
def test_failed_load_state_dict_leaves_every_parameter_bit_identical(bad, strict):
    model = _small_model()
    before = _snapshot(model)
    sd = {k: np.asarray(v.numpy() * 2 + 1) for k, v in model.state_dict().items()}
    last = list(sd)[-1]                       # every other entry would be copied first
    shape = sd[last].shape
    sd[last] = {"str": np.full(shape, "x"),
                "structured": np.zeros(shape, dtype=[("a", np.float32)]),
                "void": np.zeros(shape, dtype="V4")}[bad]
    with pytest.raises(RuntimeError, match=last.replace(".", r"\.")) as info:
        model.load_state_dict(sd, strict=strict)
    assert str(sd[last].dtype) in str(info.value)
    assert _snapshot(model) == before
