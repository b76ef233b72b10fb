"""Fault injection: real processes killed with SIGKILL during a save, a full disk
(RLIMIT_FSIZE), hostile checkpoints, abandoned loaders, nonsense arguments, a stopped MPI rank
(the datasets' faults: test_faults_data.py; the training script's epoch commit:
test_faults_training.py).

Every test states what must survive the fault and which error the user sees. Child processes
import this checkout's tinyconv (``PYTHONPATH``), never an installed one.
"""
import json
import os
import signal
import subprocess
import sys
import textwrap
import time

import numpy as np
import pytest

import tinyconv as tc
from tinyconv import nn
from tests.faults_util import child_env, file_size_limit, run_py


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


# ----------------------------------------------------------------------- hostile checkpoints

def _craft(path, index, arrays=(), compression=None):
    """Write a checkpoint-shaped zip: ``index`` (JSON-able or bytes) plus raw .npy members.

    ``arrays`` items are ndarrays or ``(header_shape, dtype, payload_bytes)`` with a header
    that may lie about the payload. The checksum trailer is valid, as a forger would make it.
    """
    import hashlib
    import io
    import zipfile

    from tinyconv.utils import serialization as ser

    raw = index if isinstance(index, bytes) else json.dumps(index).encode()
    buf = io.BytesIO()
    comp = compression or zipfile.ZIP_STORED
    with zipfile.ZipFile(buf, "w", compression=comp) as zf:
        for i, a in enumerate(arrays):
            with zf.open(f"a{i}.npy", "w", force_zip64=True) as f:
                if isinstance(a, np.ndarray):
                    np.lib.format.write_array(f, a, allow_pickle=False)
                else:
                    shape, dtype, payload = a
                    np.lib.format.write_array_header_1_0(
                        f, {"descr": np.dtype(dtype).str, "fortran_order": False,
                            "shape": shape})
                    f.write(payload)
        with zf.open("__index__.npy", "w") as f:
            np.lib.format.write_array(f, np.frombuffer(raw, dtype=np.uint8))
        zf.comment = ser._TAG + b"0" * 64
    data = bytearray(buf.getvalue())
    data[-64:] = hashlib.sha256(bytes(data[:-ser._COMMENT_LEN])).hexdigest().encode()
    with open(path, "wb") as f:
        f.write(bytes(data))
    return str(path)


def _index(root, n_arrays=1):
    return {"format": "tinyconv-checkpoint", "version": 1, "n_arrays": n_arrays, "root": root}


def _traced_peak(fn):
    """(result or exception, peak bytes traced while ``fn`` ran)."""
    import tracemalloc

    tracemalloc.start()
    tracemalloc.reset_peak()
    try:
        try:
            out = fn()
        except Exception as e:  # returned to the caller, which asserts on it
            out = e
        return out, tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


GIB = 1 << 30


@pytest.mark.parametrize("kind", ["deflate-bomb", "header-lies"])
def test_checkpoint_bomb_is_refused_before_allocating(tmp_path, kind):
    import zipfile

    if kind == "deflate-bomb":    # 64 MiB of zeros deflate to ~64 KB
        arr, comp = np.zeros(1 << 24, np.float32), zipfile.ZIP_DEFLATED
    else:                         # a header declaring 1 GiB in front of 16 bytes
        arr, comp = ((GIB // 4,), np.float32, b"\0" * 16), None
    path = _craft(tmp_path / "bomb.tc", _index({"t": "ndarray", "a": 0}), [arr], comp)
    size = os.path.getsize(path)
    t0 = time.perf_counter()
    err, peak = _traced_peak(lambda: tc.load(path))
    assert isinstance(err, RuntimeError) and "bomb.tc" in str(err), err
    assert peak < size + (1 << 20), (peak, size)
    assert time.perf_counter() - t0 < 2.0


def test_load_allocates_the_declared_sizes_plus_a_constant(tmp_path):
    obj = {"w": tc.zeros(8 * (1 << 20) // 4), "b": tc.ones(1000), "step": 3}   # 8 MiB + 4 KB
    path = str(tmp_path / "ck.tc")
    tc.save(obj, path)
    declared = obj["w"].numpy().nbytes + obj["b"].numpy().nbytes
    back, peak = _traced_peak(lambda: tc.load(path))
    assert not isinstance(back, Exception), back
    assert np.array_equal(back["w"].numpy(), obj["w"].numpy()) and back["step"] == 3
    assert peak < declared + (256 << 10), (peak, declared)


def _deep(n):
    """An index whose root is ``n`` nested lists, as JSON text (too deep for json.dumps)."""
    root = '{"t":"list","items":[' * n + '{"t":"none"}' + "]}" * n
    head = json.dumps(_index(None))[:-len("null}")]
    return (head + root + "}").encode()


@pytest.mark.parametrize("index", [
    [1, 2], "text", 7, None,                                     # not an object
    _index({"t": "tensor", "a": "0", "rg": False}),              # wrong field type
    _index({"t": "ndarray", "a": 5}),                            # reference out of range
    _index({"t": "list", "items": [{"t": "ndarray", "a": 0}, {"t": "ndarray", "a": 0}]}),
    _index({"t": "dict", "items": [[{"t": "list", "items": []}, {"t": "none"}]]}),
    _index({"t": "set", "items": []}),                           # unknown node type
    _deep(5000),                                                 # JSON nested too deeply
    _deep(500),                                                  # tree nested too deeply
], ids=["list", "str", "int", "null", "field", "range", "twice", "unhashable", "type",
        "deep-json", "deep-tree"])
def test_crafted_index_raises_runtime_error_naming_the_file(tmp_path, index):
    path = _craft(tmp_path / "crafted.tc", index, [np.arange(3, dtype=np.float32)])
    with pytest.raises(RuntimeError, match="crafted.tc"):
        tc.load(path)


def test_overlapping_members_are_refused(tmp_path):
    """Two directory entries pointing at the same bytes (the overlapping-zip bomb)."""
    import hashlib
    import struct
    import zipfile

    from tinyconv.utils import serialization as ser

    path = _craft(tmp_path / "ok.tc", _index({"t": "ndarray", "a": 0}),
                  [np.arange(4, dtype=np.float32)])
    with open(path, "rb") as f:
        data = bytearray(f.read())
    with zipfile.ZipFile(path) as zf:
        a0, start_dir = zf.getinfo("a0.npy"), zf.start_dir
    # point __index__'s central-directory entry at a0's local header
    entry = data.index(b"__index__.npy", start_dir) - 46
    assert data[entry:entry + 4] == b"PK\x01\x02"
    data[entry + 42:entry + 46] = struct.pack("<I", a0.header_offset)
    data[-64:] = hashlib.sha256(bytes(data[:-ser._COMMENT_LEN])).hexdigest().encode()
    with open(path, "wb") as f:
        f.write(bytes(data))
    with pytest.raises(RuntimeError, match="ok.tc"):
        tc.load(path)


# ----------------------------------------------------------------------- kills during tc.save

SAVER = """
    import os, signal, sys
    import numpy as np
    import tinyconv as tc

    path, version, die_in = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    if die_in != "none":          # SIGKILL ourselves at that step of the save
        real = getattr(os, die_in)
        def fatal(*args, **kwargs):
            os.kill(os.getpid(), signal.SIGKILL)
        setattr(os, die_in, fatal)
    print("ready", flush=True)
    tc.save({"version": version, "w": np.full(1 << 21, version, np.float32)}, path)
    print("saved", flush=True)
"""


def _saver(path, version, die_in="none"):
    return subprocess.Popen([sys.executable, "-c", textwrap.dedent(SAVER), str(path),
                             str(version), die_in], env=child_env(), stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)


def _leftovers(directory):
    return sorted(n for n in os.listdir(directory) if n.endswith(".tmp"))


def test_kills_during_save_keep_the_old_file_and_leave_no_leftovers(tmp_path):
    path = tmp_path / "ck.tc"
    tc.save({"version": 0, "w": np.zeros(1 << 21, np.float32)}, path)
    version = 0
    # deterministic kills inside the save: while syncing the data, right before the rename
    for die_in in ("fsync", "replace"):
        p = _saver(path, version + 1, die_in)
        p.communicate(timeout=60)
        assert p.returncode == -signal.SIGKILL
        assert tc.load(path)["version"] == version           # the old file, intact
        # the kill's own temporary file; the previous kill's one went with this save
        assert len(_leftovers(tmp_path)) == 1
    # kills at arbitrary moments (after the interpreter started)
    for delay in (0.0, 0.02, 0.05, 0.1, 0.2):
        p = _saver(path, version + 1, "none")
        assert p.stdout.readline() == "ready\n"
        time.sleep(delay)
        p.kill()
        out, _ = p.communicate(timeout=60)
        if "saved" in out:
            version += 1
        assert tc.load(path)["version"] in (version, version + 1)
        version = int(tc.load(path)["version"])
    # the next save to the same path removes the temporary files of the dead processes
    p = _saver(path, version + 1)
    p.communicate(timeout=60)
    assert p.returncode == 0
    assert tc.load(path)["version"] == version + 1
    assert _leftovers(tmp_path) == []


def test_full_disk_during_save_keeps_the_old_file(tmp_path):
    path = tmp_path / "ck.tc"
    tc.save({"version": 0}, path)
    before = path.read_bytes()
    proc = run_py("""
        import sys
        import numpy as np
        import tinyconv as tc
        try:
            tc.save({"version": 1, "w": np.ones(1 << 20, np.float32)}, sys.argv[1])
        except OSError as e:
            print("OSError", e.errno)
    """, path, preexec_fn=file_size_limit(1 << 20))
    assert proc.returncode == 0 and proc.stdout.startswith("OSError"), proc.stdout + proc.stderr
    assert path.read_bytes() == before
    assert os.listdir(tmp_path) == ["ck.tc"]


def test_save_into_a_missing_directory_names_the_target(tmp_path):
    target = tmp_path / "missing" / "ck.tc"
    with pytest.raises(RuntimeError, match="does not exist") as info:
        tc.save({"a": 1}, target)
    assert str(target) in str(info.value) and ".tmp" not in str(info.value)


def test_save_follows_the_umask_and_keeps_an_existing_mode(tmp_path):
    old = os.umask(0o027)
    try:
        tc.save({"a": 1}, tmp_path / "new.tc")
        with open(tmp_path / "plain", "wb"):
            pass
    finally:
        os.umask(old)
    mode = os.stat(tmp_path / "new.tc").st_mode & 0o777
    assert mode == os.stat(tmp_path / "plain").st_mode & 0o777 == 0o640
    os.chmod(tmp_path / "new.tc", 0o604)
    tc.save({"a": 2}, tmp_path / "new.tc")
    assert os.stat(tmp_path / "new.tc").st_mode & 0o777 == 0o604


def test_save_writes_through_a_symlink(tmp_path):
    (tmp_path / "real").mkdir()
    tc.save({"a": 1}, tmp_path / "real" / "ck.tc")
    os.symlink(os.path.join("real", "ck.tc"), tmp_path / "link.tc")
    tc.save({"a": 2}, tmp_path / "link.tc")
    assert os.path.islink(tmp_path / "link.tc")
    assert tc.load(tmp_path / "real" / "ck.tc") == {"a": 2}
    assert _leftovers(tmp_path) == _leftovers(tmp_path / "real") == []


# ----------------------------------------------------------------------- peak memory

@pytest.mark.parametrize("dtype", [tc.float32, tc.float64], ids=["float32", "float64"])
def test_randn_peaks_at_the_tensor_plus_a_small_scratch(dtype):
    tc.manual_seed(0)
    x, peak = _traced_peak(lambda: tc.randn(8000, 8000, dtype=dtype))
    assert x.dtype == dtype and x.shape == (8000, 8000)
    nbytes = x.numpy().nbytes
    del x
    assert peak < 1.5 * nbytes, (peak, nbytes)
    # the same stream as one float64 draw, rounded (what the docstring promises)
    tc.manual_seed(0)
    np.testing.assert_array_equal(tc.rand(3, 5, dtype=dtype).numpy(),
                                  np.random.default_rng(0).random((3, 5)).astype(dtype))


# ----------------------------------------------------------------------- bad calls vs torch

def _torch():
    import torch

    return torch


NAN = float("nan")
# name: (tinyconv call, torch call, a word the message must contain)
BAD_CALLS = {
    "randn negative": (lambda: tc.randn(-1, 3), lambda: _torch().randn(-1, 3), "-1"),
    "zeros negative": (lambda: tc.zeros(2, -3), lambda: _torch().zeros(2, -3), "-3"),
    "Conv2d kernel -1": (lambda: nn.Conv2d(3, 4, -1),
                         lambda: _torch().nn.Conv2d(3, 4, -1), "kernel_size"),
    "Conv2d out_channels -4": (lambda: nn.Conv2d(3, -4, 3),
                               lambda: _torch().nn.Conv2d(3, -4, 3), "out_channels"),
    "tensor str array": (lambda: tc.tensor(np.array(["a", "b"])),
                         lambda: _torch().tensor(np.array(["a", "b"])), "<U1"),
    "tensor object array": (lambda: tc.tensor(np.array([1, "a"], dtype=object)),
                            lambda: _torch().tensor(np.array([1, "a"], dtype=object)),
                            "object"),
    "tensor structured array": (lambda: tc.tensor(np.zeros(2, dtype=[("a", np.float32)])),
                                lambda: _torch().tensor(np.zeros(2, dtype=[("a", np.float32)])),
                                "dtype"),
    "tensor str": (lambda: tc.tensor("abc"), lambda: _torch().tensor("abc"), "str"),
    "Adam lr nan": (lambda: tc.optim.Adam([nn.Parameter(tc.zeros(2))], lr=NAN),
                    lambda: _torch().optim.Adam([_torch().zeros(2, requires_grad=True)], lr=NAN),
                    "learning rate"),
    "AdamW eps nan": (lambda: tc.optim.AdamW([nn.Parameter(tc.zeros(2))], eps=NAN),
                      lambda: _torch().optim.AdamW([_torch().zeros(2, requires_grad=True)],
                                                   eps=NAN), "epsilon"),
    "RMSprop alpha nan": (lambda: tc.optim.RMSprop([nn.Parameter(tc.zeros(2))], alpha=NAN),
                          lambda: _torch().optim.RMSprop([_torch().zeros(2, requires_grad=True)],
                                                         alpha=NAN), "alpha"),
}


@pytest.mark.parametrize("name", sorted(BAD_CALLS))
def test_bad_calls_raise_torchs_error_type(name):
    ours, theirs, word = BAD_CALLS[name]
    with pytest.raises(Exception) as expected:
        theirs()
    with pytest.raises(Exception) as got:
        ours()
    assert type(got.value) is type(expected.value), (got.value, expected.value)
    assert word in str(got.value), str(got.value)


@pytest.mark.parametrize("call,word", [
    (lambda: tc.optim.SGD([nn.Parameter(tc.zeros(2))], lr=NAN), "learning rate"),
    (lambda: tc.optim.SGD([nn.Parameter(tc.zeros(2))], lr=0.1, momentum=NAN), "momentum"),
    (lambda: tc.transforms.RandomCrop(0), "size"),
    (lambda: tc.transforms.RandomCrop((28, -1)), "size"),
], ids=["SGD lr nan", "SGD momentum nan", "RandomCrop 0", "RandomCrop negative"])
def test_nonsense_arguments_without_a_torch_verdict_are_value_errors(call, word):
    """torch's SGD and torchvision's RandomCrop accept these; they can only do harm."""
    with pytest.raises(ValueError, match=word):
        call()


# ----------------------------------------------------------------------- a stopped MPI rank

def _mpiexec():
    import shutil

    local = os.path.join(os.path.dirname(sys.executable), "mpiexec")
    return local if os.access(local, os.X_OK) else shutil.which("mpiexec")


def _mpi_available():
    import importlib.util

    return importlib.util.find_spec("mpi4py") is not None and _mpiexec() is not None


MPI_STALL = """
    import os, signal, sys
    import tinyconv as tc
    import tinyconv.distributed as dist
    import tinyconv.nn.functional as F
    from tinyconv import nn

    mode, timeout = sys.argv[1], float(sys.argv[2])
    dist.init(timeout=timeout)
    rank = dist.get_rank()
    t = tc.ones(4)
    dist.all_reduce(t)                            # every rank alive: completes
    assert t.numpy().tolist() == [2.0] * 4
    if mode == "ddp":
        tc.manual_seed(0)
        model = dist.DistributedDataParallel(nn.Linear(4, 2))
        loss = F.mse_loss(model(tc.ones(3, 4)), tc.zeros(3, 2))
    print(f"rank {rank} ready", flush=True)
    if rank == 1:
        os.kill(os.getpid(), signal.SIGSTOP)      # the silent rank
    if mode == "ddp":
        loss.backward()                           # DDP's gradient allreduce
    else:
        dist.all_reduce(t)
    print(f"rank {rank} passed the collective", flush=True)
"""


@pytest.mark.skipif(not _mpi_available(), reason="needs mpi4py and mpiexec")
@pytest.mark.parametrize("mode", ["all_reduce", "ddp"])
def test_collective_timeout_aborts_naming_the_stopped_rank(mode):
    cmd = [_mpiexec(), "-n", "2", sys.executable, "-c", textwrap.dedent(MPI_STALL), mode, "2"]
    t0 = time.monotonic()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                            env=child_env(), start_new_session=True)
    try:
        out, _ = proc.communicate(timeout=90)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        out, _ = proc.communicate()
        pytest.fail(f"a stopped rank hung the job for 90 s:\n{out}")
    finally:
        try:
            os.killpg(proc.pid, signal.SIGKILL)    # the stopped rank, should it remain
        except ProcessLookupError:
            pass
    elapsed = time.monotonic() - t0
    assert proc.returncode != 0, out
    assert "rank 0 ready" in out and "passed the collective" not in out, out
    assert "silent rank(s): 1 did not answer" in out, (proc.returncode, elapsed, out)
    assert "longer than the timeout of 2 s" in out, out
    assert elapsed < 45, (elapsed, out)
