"""tc.save / tc.load: round trips, resume of model + optimizer + scheduler, corruption and
truncation detection, atomic writes, no pickle."""
import io
import math
import os
import zipfile
from collections import OrderedDict

import numpy as np
import pytest
import torch

import tinyconv as tc
from tinyconv.utils import serialization as ser


def _equal(a, b):
    """Structural equality with exact array comparison and type checks."""
    assert type(a) is type(b), (type(a), type(b))
    if isinstance(a, tc.Tensor):
        assert a.dtype == b.dtype and a.shape == b.shape
        assert a.requires_grad == b.requires_grad
        assert np.array_equal(a._data, b._data, equal_nan=True)
    elif isinstance(a, np.ndarray):
        assert a.dtype == b.dtype and a.shape == b.shape
        assert np.array_equal(a, b, equal_nan=a.dtype.kind == "f")
    elif isinstance(a, dict):
        assert list(a) == list(b)
        for k in a:
            _equal(a[k], b[k])
    elif isinstance(a, (list, tuple)):
        assert len(a) == len(b)
        for x, y in zip(a, b):
            _equal(x, y)
    elif isinstance(a, float) and math.isnan(a):
        assert math.isnan(b)
    else:
        assert a == b
        if isinstance(a, float):
            assert math.copysign(1, a) == math.copysign(1, b)


def test_round_trip_nested_objects(tmp_path):
    rng = np.random.default_rng(0)
    obj = OrderedDict([
        ("w", tc.tensor(rng.standard_normal((3, 4)).astype(np.float32))),
        ("w64", tc.tensor(rng.standard_normal((2,)), requires_grad=True)),
        ("param", tc.nn.Parameter(tc.ones(2, 2))),
        ("int_keys", {0: {"step": tc.tensor(3.0), "buf": np.arange(6).reshape(2, 3)},
                      7: None}),
        ("odd_keys", {(1, "a"): 1, None: 2, True: 3, 2.5: 4}),
        ("numbers", [0, -1, 2 ** 70, 1.5, -0.0, math.inf, -math.inf, math.nan, True, False]),
        ("strings", ("ascii", "ünïcödé ✓", "")),
        ("arrays", [np.zeros((0, 3), np.float32), np.array(5, np.int64),
                    np.arange(12, dtype=np.int32).reshape(3, 4)[:, ::2],
                    np.array([True, False]), np.array([1, 2], np.uint8)]),
        ("np_scalars", [np.float32(1.25), np.int64(-4)]),
        ("dtype", np.dtype(np.float64)),
        ("empty", {}),
    ])
    tc.save(obj, tmp_path / "obj.pt")
    back = tc.load(tmp_path / "obj.pt")
    _equal(back, obj)
    assert isinstance(back["param"], tc.nn.Parameter) and back["param"].requires_grad
    # loaded arrays are writable and independent of each other
    back["w"]._data[...] = 0
    assert np.array_equal(tc.load(tmp_path / "obj.pt")["w"]._data, obj["w"]._data)


def test_file_objects_and_npz_compatibility(tmp_path):
    buf = io.BytesIO()
    tc.save({"a": tc.arange(5)}, buf)
    buf.seek(0)
    assert np.array_equal(tc.load(buf)["a"]._data, np.arange(5))
    # the file is a valid .npz that numpy opens without pickle
    tc.save({"a": tc.arange(5)}, tmp_path / "c.npz")
    with np.load(tmp_path / "c.npz", allow_pickle=False) as npz:
        assert np.array_equal(npz["a0"], np.arange(5))
        assert "__index__" in npz.files


def test_unsupported_objects_raise_and_keep_previous_file(tmp_path):
    path = tmp_path / "ck"
    tc.save({"ok": 1}, path)
    before = path.read_bytes()
    for bad in ({"f": lambda x: x}, {"o": object()}, {"s": {1, 2}},
                {"a": np.array([object()], dtype=object)}, {frozenset(): 1}):
        with pytest.raises(TypeError):
            tc.save(bad, path)
    assert path.read_bytes() == before
    assert os.listdir(tmp_path) == ["ck"]


def test_interrupted_save_keeps_previous_checkpoint(tmp_path, monkeypatch):
    path = tmp_path / "ck"
    tc.save({"version": 1}, path)

    def boom(*args):
        raise OSError("disk full (simulated)")

    monkeypatch.setattr(os, "replace", boom)
    with pytest.raises(OSError, match="simulated"):
        tc.save({"version": 2, "big": np.zeros(1000)}, path)
    monkeypatch.undo()
    assert tc.load(path) == {"version": 1}
    assert os.listdir(tmp_path) == ["ck"]  # the temporary file was removed


def _small_checkpoint(path):
    m = tc.nn.Linear(3, 2)
    tc.save({"model": m.state_dict(), "epoch": 3}, path)
    return path.read_bytes()


def test_truncated_file_is_rejected(tmp_path):
    data = _small_checkpoint(tmp_path / "ck")
    for n in sorted({0, 1, 10, 50, len(data) // 2, len(data) - 81, len(data) - 80,
                     len(data) - 64, len(data) - 1}):
        (tmp_path / "t").write_bytes(data[:n])
        with pytest.raises(RuntimeError, match="not a valid tinyconv checkpoint"):
            tc.load(tmp_path / "t")


def test_every_flipped_byte_is_rejected(tmp_path):
    data = _small_checkpoint(tmp_path / "ck")
    assert tc.load(tmp_path / "ck")["epoch"] == 3
    for i in range(len(data)):
        bad = bytearray(data)
        bad[i] ^= 0x10
        with pytest.raises(RuntimeError, match="checksum|truncated|not a valid"):
            tc.load(io.BytesIO(bytes(bad)))


def test_load_never_unpickles(tmp_path):
    """A checkpoint with a valid checksum whose array member is a pickle is refused."""
    hit = []

    class Evil:
        def __reduce__(self):
            return (hit.append, ("executed",))

    index = b'{"format":"tinyconv-checkpoint","version":1,"n_arrays":1,' \
            b'"root":{"t":"ndarray","a":0}}'
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        with zf.open("a0.npy", "w") as f:
            np.lib.format.write_array(f, np.array([Evil()], dtype=object), allow_pickle=True)
        with zf.open("__index__.npy", "w") as f:
            np.lib.format.write_array(f, np.frombuffer(index, dtype=np.uint8))
        zf.comment = ser._TAG + b"0" * 64
    data = bytearray(buf.getvalue())
    import hashlib
    data[-64:] = hashlib.sha256(bytes(data[:-ser._COMMENT_LEN])).hexdigest().encode()
    (tmp_path / "evil").write_bytes(bytes(data))
    with pytest.raises(RuntimeError, match="not a valid tinyconv checkpoint"):
        tc.load(tmp_path / "evil")
    assert hit == []


def test_not_a_checkpoint(tmp_path):
    np.savez(tmp_path / "plain.npz", a=np.ones(3))
    with pytest.raises(RuntimeError, match="checksum trailer missing"):
        tc.load(tmp_path / "plain.npz")


# --------------------------------------------------------------- resume model+optim+sched
def _net():
    return tc.nn.Sequential(tc.nn.Linear(4, 8), tc.nn.BatchNorm1d(8), tc.nn.ReLU(),
                            tc.nn.Linear(8, 3))


def _train(model, opt, sched, steps, start):
    for s in range(start, start + steps):
        rng = np.random.default_rng(s)
        x = tc.tensor(rng.standard_normal((16, 4)))
        y = tc.tensor(rng.integers(0, 3, 16))
        opt.zero_grad()
        loss = tc.nn.functional.cross_entropy(model(x), y)
        loss.backward()
        opt.step()
        sched.step()


@pytest.mark.parametrize("opt_name", ["SGD", "Adam", "AdamW", "RMSprop"])
def test_resume_reproduces_trajectory(tmp_path, opt_name):
    tc.manual_seed(0)
    kwargs = {"momentum": 0.9} if opt_name in ("SGD", "RMSprop") else {"amsgrad": True}
    model = _net().double()
    opt = getattr(tc.optim, opt_name)(model.parameters(), lr=0.01, **kwargs)
    sched = tc.optim.lr_scheduler.OneCycleLR(opt, max_lr=0.05, total_steps=20)
    _train(model, opt, sched, 6, 0)
    tc.save({"model": model.state_dict(), "optimizer": opt.state_dict(),
             "scheduler": sched.state_dict(), "epoch": 6}, tmp_path / "ck")
    _train(model, opt, sched, 6, 6)
    expected = {k: v._data.copy() for k, v in model.state_dict().items()}

    tc.manual_seed(123)  # a differently initialised model: everything must come from the file
    model2 = _net().double()
    opt2 = getattr(tc.optim, opt_name)(model2.parameters(), lr=0.5, **kwargs)
    sched2 = tc.optim.lr_scheduler.OneCycleLR(opt2, max_lr=0.05, total_steps=20)
    ck = tc.load(tmp_path / "ck")
    model2.load_state_dict(ck["model"])
    opt2.load_state_dict(ck["optimizer"])
    sched2.load_state_dict(ck["scheduler"])
    _train(model2, opt2, sched2, 6, ck["epoch"])
    got = model2.state_dict()
    assert list(got) == list(expected)
    for k in expected:
        assert got[k].dtype == expected[k].dtype
        assert np.array_equal(got[k]._data, expected[k]), k


def test_torch_checkpoint_values_round_trip(tmp_path):
    """A torch state_dict converted to numpy, saved by tc.save, loads back into torch."""
    torch.manual_seed(0)
    tm = torch.nn.Sequential(torch.nn.Conv2d(2, 3, 3), torch.nn.BatchNorm2d(3))
    tc.save({k: v.numpy() for k, v in tm.state_dict().items()}, tmp_path / "ck")
    back = tc.load(tmp_path / "ck")
    tm2 = torch.nn.Sequential(torch.nn.Conv2d(2, 3, 3), torch.nn.BatchNorm2d(3))
    tm2.load_state_dict({k: torch.tensor(v) for k, v in back.items()})
    for k, v in tm.state_dict().items():
        assert torch.equal(tm2.state_dict()[k], v)
