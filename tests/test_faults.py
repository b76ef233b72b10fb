"""Fault injection: real processes killed with SIGKILL, a full disk (RLIMIT_FSIZE, a full
tmpfs, injected ENOSPC), hostile archives and checkpoints, corrupted dataset files, abandoned
loaders, nonsense arguments, a stopped MPI rank.

Every test states what must survive the fault and which error the user sees. Child processes
import this checkout's tinyconv (``PYTHONPATH``), never an installed one.
"""
import json
import os
import resource
import shlex
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


def _env():
    return dict(os.environ, PYTHONPATH=ROOT + os.pathsep + os.environ.get("PYTHONPATH", ""),
                OMP_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1", MKL_NUM_THREADS="1")


def _file_size_limit(nbytes):
    """preexec_fn: writes past ``nbytes`` fail with EFBIG (an OSError) instead of SIGXFSZ."""

    def apply():
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        hard = resource.getrlimit(resource.RLIMIT_FSIZE)[1]   # raising it needs privileges
        resource.setrlimit(resource.RLIMIT_FSIZE, (nbytes, hard))

    return apply


def run_py(code, *args, timeout=120, preexec_fn=None):
    """Run ``code`` in a fresh interpreter; returns the CompletedProcess (text output)."""
    return subprocess.run([sys.executable, "-c", textwrap.dedent(code), *map(str, args)],
                          env=_env(), capture_output=True, text=True, timeout=timeout,
                          preexec_fn=preexec_fn, cwd=ROOT)


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
                             str(version), die_in], env=_env(), stdout=subprocess.PIPE,
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
    """, path, preexec_fn=_file_size_limit(1 << 20))
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


# ----------------------------------------------------------------------- hostile tar archives

def _tar(path, members):
    """A .tar.gz of ``(name, kind, payload)``: kind 'file' (payload bytes), 'sym' or 'hard'
    (payload = link target), 'dir'."""
    import io
    import tarfile

    with tarfile.open(path, "w:gz") as tar:
        for name, kind, payload in members:
            info = tarfile.TarInfo(name)
            if kind == "file":
                info.size = len(payload)
                tar.addfile(info, io.BytesIO(payload))
                continue
            info.type = {"sym": tarfile.SYMTYPE, "hard": tarfile.LNKTYPE,
                         "dir": tarfile.DIRTYPE}[kind]
            if kind != "dir":
                info.linkname = payload
            tar.addfile(info)
    return str(path)


SYMLINK_CHAINS = {
    # each link alone stays inside; followed in order they lead out of the destination
    "dot-then-up": [("d1", "dir", None), ("d1/s", "sym", "."), ("x", "sym", "d1/s/../.."),
                    ("x/ESCAPED.txt", "file", b"pwned")],
    "nested-dots": [("a/b", "dir", None), ("a/b/up", "sym", ".."),
                    ("a/b/up2", "sym", "up/../.."), ("a/b/up2/ESCAPED.txt", "file", b"pwned")],
    "through-dir-link": [("p", "dir", None), ("p/q", "sym", "."), ("l", "sym", "p/q/q/q/.."),
                         ("m", "sym", "l/.."), ("m/ESCAPED.txt", "file", b"pwned")],
    "hardlink-via-symlink": [("d", "dir", None), ("d/s", "sym", "."), ("h", "hard",
                                                                       "d/s/../../outside")],
    "loop": [("a", "sym", "b"), ("b", "sym", "a"), ("a/f", "file", b"x")],
}


@pytest.mark.parametrize("stdlib_filter", [True, False], ids=["py3.11.4+", "py3.11.0-3"])
@pytest.mark.parametrize("name", sorted(SYMLINK_CHAINS))
def test_symlink_chains_cannot_leave_the_destination(tmp_path, monkeypatch, name,
                                                     stdlib_filter):
    import tarfile

    from tinyconv import datasets as D

    if not stdlib_filter:   # what Python 3.11.0-3.11.3 (allowed by requires-python) lack
        monkeypatch.delattr(tarfile, "data_filter", raising=False)
    archive = _tar(tmp_path / "evil.tar.gz", SYMLINK_CHAINS[name])
    box = tmp_path / "box"                  # "outside" is still inside tmp_path
    dest = box / "level1" / "dest"
    dest.mkdir(parents=True)
    with pytest.raises(RuntimeError, match="safe_extract_tar"):
        D.safe_extract_tar(archive, str(dest))
    assert list(dest.iterdir()) == []       # refused before anything was written
    assert sorted(p.name for p in box.rglob("*")) == ["dest", "level1"]


def test_inner_links_and_dot_members_still_extract(tmp_path):
    from tinyconv import datasets as D

    archive = _tar(tmp_path / "ok.tar.gz", [
        ("./", "dir", None), ("d/a.txt", "file", b"hi"), ("d/b.txt", "sym", "a.txt"),
        ("d/sub", "dir", None), ("d/sub/up.txt", "sym", "../a.txt"), ("d/self", "sym", "."),
        ("d/self/c.txt", "file", b"via self"), ("h.txt", "hard", "d/a.txt")])
    D.safe_extract_tar(archive, str(tmp_path / "dest"))
    dest = tmp_path / "dest"
    assert (dest / "d" / "sub" / "up.txt").read_bytes() == b"hi"
    assert (dest / "d" / "c.txt").read_bytes() == b"via self"
    assert (dest / "h.txt").read_bytes() == b"hi"


# ----------------------------------------------------------------------- damaged dataset files

@pytest.fixture
def cifar_root(tmp_path, monkeypatch):
    """A fake CIFAR-10 extracted under root, with its archive next to it (as download_to
    leaves them); the class's archive checksum and size are the fake archive's."""
    from tinyconv import datasets as D

    monkeypatch.delenv("TINYCONV_DATA", raising=False)
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    src = tmp_path / "src"
    written = D.write_fake_cifar10(str(src), n_per_batch=6, n_test=5)
    root = tmp_path / "root"
    root.mkdir()
    archive = D.cifar10_archive(str(src), str(root / D.CIFAR10.filename))
    monkeypatch.setattr(D.CIFAR10, "tgz_md5", D.md5sum(archive))
    monkeypatch.setattr(D.CIFAR10, "tgz_size", os.path.getsize(archive))
    monkeypatch.setattr(D.CIFAR10, "url", "http://127.0.0.1:9/" + D.CIFAR10.filename)
    D.safe_extract_tar(archive, str(root))
    return str(root), written


def test_truncated_cifar_batch_is_named_and_repaired_by_download(cifar_root):
    from tinyconv import datasets as D

    root, written = cifar_root
    path = os.path.join(root, "cifar-10-batches-py", "test_batch")
    with open(path, "r+b") as f:              # what an interrupted extraction leaves
        f.truncate(os.path.getsize(path) // 2)
    for _ in range(2):                        # the same clear error every time
        with pytest.raises(RuntimeError, match="test_batch") as info:
            D.CIFAR10(root, train=False)
        assert "truncated or corrupted" in str(info.value)
    ds = D.CIFAR10(root, train=False, download=True)   # re-extracted from the archive
    np.testing.assert_array_equal(ds.data, written["test"][0])
    assert D.CIFAR10(root, train=False).data.shape == (5, 32, 32, 3)


def test_byte_corrupted_cifar_batch_is_not_used_silently(cifar_root):
    from tinyconv import datasets as D

    root, written = cifar_root
    path = os.path.join(root, "cifar-10-batches-py", "data_batch_1")
    with open(path, "r+b") as f:
        f.seek(os.path.getsize(path) - 100)
        byte = f.read(1)
        f.seek(-1, os.SEEK_CUR)
        f.write(bytes([byte[0] ^ 0x01]))      # one pixel value off by one
    with pytest.raises(RuntimeError, match="data_batch_1: md5"):
        D.CIFAR10(root, train=True)
    assert D.CIFAR10(root, train=False).data.shape == (5, 32, 32, 3)   # other split unaffected
    np.testing.assert_array_equal(D.CIFAR10(root, train=True, download=True).data,
                                  written["train"][0])


def test_official_md5s_are_checked_without_a_manifest(cifar_root):
    from tinyconv import datasets as D

    root, _ = cifar_root
    os.remove(os.path.join(root, "cifar-10-batches-py", "MD5SUMS"))
    with pytest.raises(RuntimeError, match="expected 40351d587109b95175f43aff81a1287e"):
        D.CIFAR10(root, train=False)


EXTRACT_AND_DIE = """
    import os, signal, sys, tarfile
    from tinyconv import datasets as D

    root, md5, size, die_after = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
    D.CIFAR10.tgz_md5, D.CIFAR10.tgz_size = md5, size
    real, done = tarfile.TarFile.makefile, []
    def makefile(self, tarinfo, targetpath):
        if len(done) == die_after:
            os.kill(os.getpid(), signal.SIGKILL)
        real(self, tarinfo, targetpath)
        done.append(targetpath)
    tarfile.TarFile.makefile = makefile
    D.CIFAR10.download_to(root)
"""


@pytest.mark.parametrize("die_after", [0, 3, 7])
def test_kill_during_extraction_never_leaves_a_partial_dataset(cifar_root, die_after):
    import shutil

    from tinyconv import datasets as D

    root, written = cifar_root
    shutil.rmtree(os.path.join(root, "cifar-10-batches-py"))
    archive = os.path.join(root, D.CIFAR10.filename)
    proc = run_py(EXTRACT_AND_DIE, root, D.md5sum(archive), os.path.getsize(archive), die_after)
    assert proc.returncode == -signal.SIGKILL, proc.stderr
    assert not os.path.exists(os.path.join(root, "cifar-10-batches-py"))
    with pytest.raises(RuntimeError, match="not found"):
        D.CIFAR10(root, train=False)
    ds = D.CIFAR10(root, train=True, download=True)   # extracts afresh, drops the dead staging
    np.testing.assert_array_equal(ds.data, written["train"][0])
    assert sorted(os.listdir(root)) == sorted([D.CIFAR10.filename, "cifar-10-batches-py"])


@pytest.mark.parametrize("damage", ["truncate", "flip"])
def test_damaged_idx_gz_names_the_file(tmp_path, monkeypatch, damage):
    from tinyconv import datasets as D

    monkeypatch.delenv("TINYCONV_DATA", raising=False)
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    raw = tmp_path / "MNIST" / "raw"
    D.write_fake_mnist(str(raw), n_train=20, n_test=4)
    path = raw / "train-images-idx3-ubyte.gz"
    data = bytearray(path.read_bytes())
    if damage == "truncate":
        data = data[:len(data) // 2]
    else:
        data[len(data) // 2] ^= 0xFF
    path.write_bytes(bytes(data))
    with pytest.raises(RuntimeError, match="train-images-idx3-ubyte.gz"):
        D.MNIST(str(tmp_path), train=True)


# ----------------------------------------------------------------------- downloads

class _Server:
    """127.0.0.1 HTTP server. ``files``: name -> bytes; ``html``: names answered 200 with an
    error page; ``drop``: name -> bytes sent before the connection is cut (the full
    Content-Length announced). Honours Range requests; logs (name, Range)."""

    def __init__(self, files, html=(), drop=None):
        import http.server
        import threading

        self.files, self.html, self.drop, self.log = files, set(html), dict(drop or {}), []
        outer = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):
                name = self.path.rsplit("/", 1)[-1]
                outer.log.append((self.path, self.headers.get("Range")))
                if name in outer.html:
                    body = b"<html><body>Service temporarily unavailable</body></html>"
                    self.send_response(200)
                    self.send_header("Content-Type", "text/html")
                    self.send_header("Content-Length", str(len(body)))
                    self.end_headers()
                    self.wfile.write(body)
                    return
                body = outer.files.get(name)
                if body is None:
                    self.send_error(404)
                    return
                start = 0
                rng = self.headers.get("Range")
                if rng:
                    start = int(rng.split("=")[1].split("-")[0])
                    self.send_response(206)
                    self.send_header("Content-Range",
                                     f"bytes {start}-{len(body) - 1}/{len(body)}")
                else:
                    self.send_response(200)
                self.send_header("Content-Length", str(len(body) - start))
                self.end_headers()
                cut = outer.drop.pop(name, None)
                self.wfile.write(body[start:] if cut is None else body[start:start + cut])
                if cut is not None:
                    self.wfile.flush()
                    self.close_connection = True

            def log_message(self, *args):
                pass

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.httpd.shutdown()
        self.httpd.server_close()
        self.thread.join()


def _md5(b):
    import hashlib

    return hashlib.md5(b).hexdigest()


def test_a_mirror_serving_an_error_page_is_followed_by_the_next(tmp_path):
    from tinyconv.datasets._files import _download_any

    body = os.urandom(100_000)
    with _Server({"f.bin": body}, html={"f.bin"}) as bad, _Server({"f.bin": body}) as good:
        path = _download_any([bad.url + "a", good.url + "b"], "f.bin", str(tmp_path),
                             _md5(body), None)
    with open(path, "rb") as f:
        assert f.read() == body
    assert bad.log and good.log == [("/b/f.bin", None)]


@pytest.mark.parametrize("md5", [True, False], ids=["md5", "size-only"])
def test_a_dropped_connection_keeps_the_part_file_and_the_next_call_resumes(tmp_path, md5):
    from tinyconv import datasets as D

    body = os.urandom(300_000)
    dest = tmp_path / "f.bin"
    with _Server({"f.bin": body}, drop={"f.bin": 120_000}) as srv:
        with pytest.raises(RuntimeError, match="stopped after 120000 of 300000 bytes"):
            D.download_url(srv.url + "f.bin", str(dest), md5=_md5(body) if md5 else None,
                           size=len(body))
        assert not dest.exists()                                 # a short file is not trusted
        assert (tmp_path / "f.bin.part").stat().st_size == 120_000
        D.download_url(srv.url + "f.bin", str(dest), md5=_md5(body) if md5 else None,
                       size=len(body))
    assert dest.read_bytes() == body and not (tmp_path / "f.bin.part").exists()
    assert srv.log[-1] == ("/f.bin", "bytes=120000-")


def test_cifar_download_offline_is_a_runtime_error_naming_the_url(tmp_path, monkeypatch):
    from tinyconv import datasets as D

    monkeypatch.setattr(D.CIFAR10, "url", "http://127.0.0.1:9/" + D.CIFAR10.filename)
    with pytest.raises(RuntimeError, match="127.0.0.1:9") as info:
        D.CIFAR10(str(tmp_path / "root"), download=True)
    assert "Without internet" in str(info.value)


# ----------------------------------------------------------------------- the epoch commit

def _load_train():
    import importlib.util

    spec = importlib.util.spec_from_file_location(
        "tinyconv_example_train_faults", os.path.join(ROOT, "examples", "train.py"))
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


train = _load_train()

# Runs examples/train.py; at the CALL-th call of TARGET (a commit function, whose first
# argument is the output directory) it counts the call's fault points: every line executed in
# train.py's commit code and every fsync and rename made meanwhile (tc.save's included; only
# these for 'enospc'). Then, for each point N, it copies the output directory to WORK/pN and
# forks a process that makes the same call there and is killed with SIGKILL (or gets ENOSPC)
# at point N. The parent then goes on undisturbed. Prints the points and each fork's status.
TRAIN_FAULTS = """
    import errno, importlib.util, json, os, shutil, signal, sys

    root, fault, target, call, work = sys.argv[1:6]
    call = int(call)
    spec = importlib.util.spec_from_file_location("train", os.path.join(root, "examples",
                                                                          "train.py"))
    train = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(train)
    state = {"active": False, "points": 0, "at": None, "calls": 0}

    def point():
        state["points"] += 1
        if state["points"] == state["at"]:
            if fault == "kill":
                os.kill(os.getpid(), signal.SIGKILL)
            raise OSError(errno.ENOSPC, "No space left on device (injected)")

    for name in ("fsync", "replace"):
        def wrapped(*args, _real=getattr(os, name), **kwargs):
            if state["active"]:
                point()
            return _real(*args, **kwargs)
        setattr(os, name, wrapped)

    def lines(frame, event, arg):
        if event == "line" and state["active"] and fault == "kill":
            point()
        return lines

    def calls(frame, event, arg):
        return lines if frame.f_code.co_filename == train.__file__ else None

    def traced(at, fn, out, args, kwargs):
        state.update(active=True, points=0, at=at)
        sys.settrace(calls)
        try:
            return fn(out, *args, **kwargs)
        finally:
            sys.settrace(None)
            state["active"] = False

    real = getattr(train, target)

    def faulty(out, *args, **kwargs):
        state["calls"] += 1
        if state["calls"] != call:
            return real(out, *args, **kwargs)
        shutil.copytree(out, os.path.join(work, "count"))
        traced(None, real, os.path.join(work, "count"), args, kwargs)
        total, status = state["points"], {}
        for n in range(1, total + 1):
            copy = os.path.join(work, f"p{n}")
            shutil.copytree(out, copy)
            pid = os.fork()
            if pid == 0:
                try:
                    traced(n, real, copy, args, kwargs)
                except OSError:
                    os._exit(3)      # what main() does after saying which epoch is safe
                os._exit(0)
            status[n] = os.waitpid(pid, 0)[1]
        print("FAULTS " + json.dumps({"points": total, "status": status}), flush=True)
        return real(out, *args, **kwargs)

    setattr(train, target, faulty)
    train.main(sys.argv[6:])
"""


TIMING = ("epoch_time", "images_per_s")


def _run_state(out):
    """Everything a run leaves, minus wall-clock timings and the command line."""
    def ck(name):
        path = os.path.join(out, name)
        c = tc.load(path)
        return {"model": {k: np.asarray(v.numpy()).tobytes() for k, v in c["model"].items()},
                "rest": json.dumps({k: (v if not isinstance(v, (dict, list)) else repr(v))
                                    for k, v in c.items()
                                    if k not in ("model", "args", "metrics", "optimizer")}),
                "optimizer": repr(c["optimizer"]),
                "metrics": [{k: v for k, v in r.items() if k not in TIMING}
                            for r in json.loads(c.get("metrics", "[]"))]}
    with open(os.path.join(out, "metrics.jsonl")) as f:
        rows = [{k: v for k, v in json.loads(line).items() if k not in TIMING} for line in f]
    leftovers = [n for n in os.listdir(out) if n.endswith(".tmp") or n.startswith(".")]
    return {"last": ck(train.LAST), "best": ck(train.BEST), "metrics.jsonl": rows,
            "leftovers": leftovers}


@pytest.fixture(scope="module")
def train_setup(tmp_path_factory):
    """Fake Fashion-MNIST, the common arguments, and the state of an uninterrupted run."""
    from tinyconv import datasets as D

    root = tmp_path_factory.mktemp("data")
    D.write_fake_mnist(str(root / "FashionMNIST" / "raw"), n_train=40, n_test=16, seed=3)
    common = ["--data-root", str(root), "--model", "lenet5", "--batch-size", "8",
              "--limit-train", "16", "--limit-test", "16", "--seed", "5", "--lr", "0.01",
              "--no-progress",
              "--no-plots", "--epochs", "2"]
    ref = str(tmp_path_factory.mktemp("ref"))
    train.main(common + ["--out", ref])
    return common, _run_state(ref)


def _faults(out, work, common, fault, target, call, extra=()):
    """Run TRAIN_FAULTS; returns {point: wait status} of the forked runs."""
    proc = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(TRAIN_FAULTS), ROOT, fault, target, str(call),
         str(work), *common, "--out", str(out), *extra],
        env=_env(), capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    line = next(x for x in proc.stdout.splitlines() if x.startswith("FAULTS "))
    report = json.loads(line[len("FAULTS "):])
    assert report["points"] == len(report["status"]) > 0
    return {int(n): st for n, st in report["status"].items()}


def _resume_to_end(out, common):
    exists = os.path.exists(os.path.join(out, train.LAST))
    train.main(common + ["--out", out] + (["--resume"] if exists else []))
    return _run_state(out)


def test_reference_run_has_a_new_best_in_the_faulted_epoch(train_setup):
    """The commit tests below kill epoch 2's commit: it must copy a new best checkpoint."""
    _, ref = train_setup
    assert json.loads(ref["last"]["rest"])["best_epoch"] == 2
    assert [r["epoch"] for r in ref["metrics.jsonl"]] == [1, 2] and ref["leftovers"] == []


def test_a_kill_at_any_point_of_the_epoch_commit_resumes_identically(tmp_path, train_setup):
    common, ref = train_setup
    status = _faults(tmp_path / "run", tmp_path, common, "kill", "commit_epoch", 2)
    assert all(os.WIFSIGNALED(st) and os.WTERMSIG(st) == signal.SIGKILL
               for st in status.values()), status
    for n in sorted(status):
        out = str(tmp_path / f"p{n}")
        assert _resume_to_end(out, common) == ref, f"killed at point {n} of {len(status)}"


def test_a_full_disk_at_any_write_of_the_epoch_commit_resumes_identically(tmp_path,
                                                                            train_setup):
    common, ref = train_setup
    status = _faults(tmp_path / "run", tmp_path, common, "enospc", "commit_epoch", 2)
    assert all(os.WIFEXITED(st) and os.WEXITSTATUS(st) == 3 for st in status.values()), status
    for n in sorted(status):
        out = str(tmp_path / f"p{n}")
        assert _resume_to_end(out, common) == ref, f"ENOSPC at write {n} of {len(status)}"


# The reported failure scenarios, runnable against any version of train.py: SIGKILL right after
# the K-th rename onto a file called NAME ("after-replace"), or right after a file whose name
# contains NAME is opened for writing for the K-th time ("open-write").
KILL_AT = """
    import builtins, importlib.util, os, signal, sys

    root, how, name, k = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
    seen = [0]

    def hit():
        seen[0] += 1
        if seen[0] == k:
            os.kill(os.getpid(), signal.SIGKILL)

    if how == "after-replace":
        real_replace = os.replace
        def replace(src, dst, *args, **kwargs):
            real_replace(src, dst, *args, **kwargs)
            if os.path.basename(os.fspath(dst)) == name:
                hit()
        os.replace = replace
    else:
        real_open, real_os_open = builtins.open, os.open
        def opened(path, writing):
            if writing and name in os.path.basename(os.fspath(path)):
                hit()
        def open_(file, mode="r", *args, **kwargs):
            f = real_open(file, mode, *args, **kwargs)     # created or truncated by now
            opened(file, any(c in mode for c in "wax+"))
            return f
        def os_open(path, flags, *args, **kwargs):
            fd = real_os_open(path, flags, *args, **kwargs)
            opened(path, bool(flags & (os.O_WRONLY | os.O_RDWR)))
            return fd
        builtins.open, os.open = open_, os_open
    spec = importlib.util.spec_from_file_location("train", os.path.join(root, "examples",
                                                                          "train.py"))
    train = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(train)
    train.main(sys.argv[5:])
"""


def _kill_at(how, name, k, argv):
    return subprocess.run([sys.executable, "-c", textwrap.dedent(KILL_AT), ROOT, how, name,
                           str(k), *argv], env=_env(), capture_output=True, text=True,
                          timeout=120)


def test_kill_between_the_checkpoint_and_the_metrics_loses_nothing(tmp_path, train_setup):
    common, ref = train_setup
    out = str(tmp_path / "run")
    proc = _kill_at("after-replace", train.LAST, 2, common + ["--out", out])
    assert proc.returncode == -signal.SIGKILL, proc.stderr
    assert _resume_to_end(out, common) == ref


def test_kill_while_resume_rewrites_the_metrics_loses_nothing(tmp_path, train_setup):
    common, ref = train_setup
    out = str(tmp_path / "run")
    train.main(common + ["--out", out, "--stop-after", "1"])
    proc = _kill_at("open-write", "metrics.jsonl", 1, common + ["--out", out, "--resume"])
    assert proc.returncode == -signal.SIGKILL, proc.stderr
    with open(os.path.join(out, "metrics.jsonl")) as f:
        assert [json.loads(line)["epoch"] for line in f] == [1]
    assert _resume_to_end(out, common) == ref


def test_a_kill_while_resume_repairs_the_commit_resumes_identically(tmp_path, train_setup):
    common, ref = train_setup
    # a run killed in epoch 2's commit right after checkpoint_last.tc was replaced
    broken = str(tmp_path / "broken")
    proc = _kill_at("after-replace", train.LAST, 2, common + ["--out", broken])
    assert proc.returncode == -signal.SIGKILL, proc.stderr
    assert int(tc.load(os.path.join(broken, train.LAST))["epoch"]) == 2
    assert int(tc.load(os.path.join(broken, train.BEST))["epoch"]) == 1     # to be repaired
    status = _faults(broken, tmp_path, common, "kill", "complete_commit", 1, ["--resume"])
    assert all(os.WIFSIGNALED(st) and os.WTERMSIG(st) == signal.SIGKILL
               for st in status.values()), status
    for n in sorted(status):
        out = str(tmp_path / f"p{n}")
        assert _resume_to_end(out, common) == ref, f"killed at point {n} of {len(status)}"


def test_file_size_limit_stops_with_a_clear_message_and_resume_completes(tmp_path, train_setup):
    common, ref = train_setup
    out = str(tmp_path / "run")
    proc = subprocess.run([sys.executable, os.path.join(ROOT, "examples", "train.py"), *common,
                           "--out", out], env=_env(), capture_output=True, text=True,
                          timeout=120, preexec_fn=_file_size_limit(64 << 10))
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "could not save epoch 1" in proc.stderr and "Traceback" not in proc.stderr
    assert os.listdir(out) == []                         # no partial file of any kind
    assert _resume_to_end(out, common) == ref


def _checkpoint_size(common, tmp_path):
    """Bytes of checkpoint_last.tc after epoch 1 of the common run."""
    out = str(tmp_path / "sizing")
    train.main(common + ["--out", out, "--stop-after", "1"])
    return os.path.getsize(os.path.join(out, train.LAST))


def _unshare_works():
    import shutil

    if shutil.which("unshare") is None or os.geteuid() != 0:
        return False
    return subprocess.run(["unshare", "-m", "true"], capture_output=True).returncode == 0


@pytest.mark.skipif(not _unshare_works(), reason="needs root and unshare for a private tmpfs")
def test_full_tmpfs_during_the_best_copy_loses_no_metrics(tmp_path, train_setup):
    """A real full disk: the tmpfs holds checkpoint_last.tc but not also its copy."""
    common, ref = train_setup
    out, saved = tmp_path / "mnt", tmp_path / "saved"
    out.mkdir()
    size = _checkpoint_size(common, tmp_path)
    cmd = shlex.join([sys.executable, os.path.join(ROOT, "examples", "train.py"), *common,
                      "--out", str(out)])
    script = (f"mount -t tmpfs -o size={size * 3 // 2} tmpfs {shlex.quote(str(out))} && "
              f"{cmd}; rc=$?; cp -a {shlex.quote(str(out))} {shlex.quote(str(saved))}; "
              f"exit $rc")
    proc = subprocess.run(["unshare", "-m", "sh", "-c", script], env=_env(),
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "could not save epoch 1" in proc.stderr and "No space left" in proc.stderr
    assert sorted(os.listdir(saved)) == [train.LAST]     # committed; no partial copy
    assert _resume_to_end(str(saved), common) == ref




# ----------------------------------------------------------------------- train.py arguments

@pytest.mark.parametrize("flag,value", [
    ("--epochs", "0"), ("--epochs", "-3"), ("--stop-after", "0"), ("--stop-after", "-1"),
    ("--limit-train", "-5"), ("--limit-test", "0"), ("--lr", "nan"), ("--lr", "inf"),
    ("--lr", "-0.1"), ("--num-threads", "0"), ("--num-threads", "-1"), ("--batch-size", "0"),
    ("--eval-batch-size", "-1"), ("--momentum", "nan"), ("--weight-decay", "-1"),
    ("--seed", "-1"), ("--dist-timeout", "0"),
])
def test_nonsense_arguments_are_refused_before_any_work(tmp_path, capsys, train_setup, flag,
                                                        value):
    out = tmp_path / "run"
    quick = ["--limit-train", "4", "--limit-test", "4", "--epochs", "1", "--no-plots"]
    with pytest.raises(SystemExit) as info:
        train.main(train_setup[0] + quick + ["--out", str(out), flag, value])
    assert info.value.code == 2
    err = capsys.readouterr().err
    assert flag in err and value.lstrip("-") in err, err
    assert not out.exists()


def _read_only(path):
    """Make the directory unwritable, for root too (immutable flag); returns the undo."""
    import shutil

    if os.geteuid() != 0:
        os.chmod(path, 0o555)
        return lambda: os.chmod(path, 0o755)
    if shutil.which("chattr") is None or subprocess.run(
            ["chattr", "+i", str(path)], capture_output=True).returncode != 0:
        pytest.skip("root, and this filesystem has no immutable flag (chattr +i)")
    return lambda: subprocess.run(["chattr", "-i", str(path)], check=True)


def test_unwritable_out_fails_before_training(tmp_path, train_setup, capsys):
    common, _ = train_setup
    out = tmp_path / "ro"
    out.mkdir()
    undo = _read_only(out)
    try:
        with pytest.raises(SystemExit, match="--out .*cannot write there"):
            train.main(common + ["--out", str(out)])
    finally:
        undo()
    assert "epoch 1/" not in capsys.readouterr().out
    assert os.listdir(out) == []


def test_resume_with_another_scheduler_names_the_clash(tmp_path, train_setup):
    common, _ = train_setup
    out = str(tmp_path / "run")
    train.main(common + ["--out", out, "--stop-after", "1"])
    with pytest.raises(SystemExit, match=r"--scheduler cosine \(now onecycle\)"):
        train.main(common + ["--out", out, "--resume", "--scheduler", "onecycle"])


def test_resume_of_a_finished_run_says_it_is_complete(tmp_path, train_setup, capsys):
    common, ref = train_setup
    out = str(tmp_path / "run")
    train.main(common + ["--out", out])
    capsys.readouterr()
    train.main(common + ["--out", out, "--resume"])
    printed = capsys.readouterr().out
    assert "the run is complete" in printed and "epoch 2 of 2" in printed
    assert _run_state(out) == ref


def test_offline_cifar10_download_is_one_clear_message(tmp_path, monkeypatch, capsys):
    from tinyconv import datasets as D

    monkeypatch.setattr(D.CIFAR10, "url", "http://127.0.0.1:9/" + D.CIFAR10.filename)
    with pytest.raises(SystemExit) as info:
        train.main(["--dataset", "cifar10", "--download", "--data-root", str(tmp_path / "d"),
                    "--out", str(tmp_path / "run"), "--no-progress"])
    msg = str(info.value.code)
    assert msg.startswith("cifar10: CIFAR10: could not download") and "127.0.0.1:9" in msg


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
                            env=_env(), start_new_session=True)
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
