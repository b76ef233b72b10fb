"""torch's checkpoint format: tc.load reads torch.save files (state dicts, optimizer states,
views, shared and half-precision storages) without torch and without running code, refusing
planted pickles as torch.load(weights_only=True) does; tc.save(format="torch") writes files
that torch.load(weights_only=True) reads; load_state_dict takes torch's state dicts directly."""
import io
import os
import pickle
import subprocess
import sys
import textwrap
import zipfile
from collections import OrderedDict

import numpy as np
import pytest
import torch

import tinyconv as tc
from tests.test_optim import _sd_to_tc, make_models, run_pair
from tests.utils import assert_close

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def _torch_net():
    torch.manual_seed(0)
    return torch.nn.Sequential(torch.nn.Conv2d(2, 4, 3, padding=1), torch.nn.BatchNorm2d(4),
                               torch.nn.ReLU(), torch.nn.Flatten(), torch.nn.Linear(64, 5))


def _tc_net():
    return tc.nn.Sequential(tc.nn.Conv2d(2, 4, 3, padding=1), tc.nn.BatchNorm2d(4),
                            tc.nn.ReLU(), tc.nn.Flatten(), tc.nn.Linear(64, 5))


def _x():
    return np.random.default_rng(0).standard_normal((3, 2, 4, 4)).astype(np.float32)


def test_torch_saved_state_dict_loads_into_a_tinyconv_model(tmp_path):
    tm = _torch_net()
    tm.train()
    tm(torch.tensor(_x()))             # non-trivial running statistics
    tm.eval()
    torch.save(tm.state_dict(), tmp_path / "model.pt")
    sd = tc.load(tmp_path / "model.pt")
    assert isinstance(sd, OrderedDict) and list(sd) == list(tm.state_dict())
    assert sd._metadata == tm.state_dict()._metadata
    for k, v in tm.state_dict().items():
        assert isinstance(sd[k], tc.Tensor) and sd[k].dtype == v.numpy().dtype, k
        np.testing.assert_array_equal(sd[k].numpy(), v.numpy())
    cm = _tc_net().eval()
    cm.load_state_dict(sd)
    assert_close(cm(tc.tensor(_x())), tm(torch.tensor(_x())), dtype=np.float32)


def test_load_state_dict_takes_a_torch_state_dict_directly():
    tm = _torch_net()
    cm = _tc_net()
    assert str(cm.load_state_dict(tm.state_dict())) == "<All keys matched successfully>"
    assert_close(cm.eval()(tc.tensor(_x())), tm.eval()(torch.tensor(_x())), dtype=np.float32)
    # bfloat16 (which NumPy lacks) is widened; a wrong shape is still refused, untouched
    lin = tc.nn.Linear(2, 2)
    lin.load_state_dict({"weight": torch.ones(2, 2, dtype=torch.bfloat16),
                         "bias": torch.zeros(2)})
    assert lin.weight.dtype == np.float32 and lin.weight._data.sum() == 4
    with pytest.raises(RuntimeError, match="size mismatch for weight"):
        lin.load_state_dict({"weight": torch.ones(3, 2), "bias": torch.zeros(2)})
    assert lin.weight._data.sum() == 4


def test_torch_optimizer_state_dict_loads_directly_and_from_a_file(tmp_path):
    tm, cm = make_models()
    topt = torch.optim.Adam(tm.parameters(), lr=0.05, amsgrad=True)
    copt = tc.optim.Adam(cm.parameters(), lr=0.05, amsgrad=True)
    run_pair(topt, copt, tm, cm, steps=3)
    torch.save({"model": tm.state_dict(), "optimizer": topt.state_dict()}, tmp_path / "ck.pt")
    for source in ("direct", "file"):
        # a fresh copy each time: torch's load_state_dict shares the tensors it is given
        ref = torch.load(tmp_path / "ck.pt", weights_only=True)
        _, cm2 = make_models(seed=1)
        copt2 = tc.optim.Adam(cm2.parameters(), lr=1.0, amsgrad=True)
        if source == "direct":
            cm2.load_state_dict(ref["model"])
            copt2.load_state_dict(ref["optimizer"])
        else:
            ck = tc.load(tmp_path / "ck.pt")
            assert isinstance(ck["optimizer"]["state"][0]["step"], tc.Tensor)
            cm2.load_state_dict(ck["model"])
            copt2.load_state_dict(ck["optimizer"])
        ref = torch.load(tmp_path / "ck.pt", weights_only=True)
        tm3, _ = make_models()
        tm3.load_state_dict(ref["model"])
        topt3 = torch.optim.Adam(tm3.parameters(), lr=1.0, amsgrad=True)
        topt3.load_state_dict(ref["optimizer"])
        run_pair(topt3, copt2, tm3, cm2, steps=3)


def test_views_shared_storages_and_other_dtypes_come_back_as_torch_saved_them():
    base = torch.arange(24, dtype=torch.float64).reshape(4, 6)
    obj = {
        "view": base[1:, ::2], "t": base.t(), "same": base, "row": base[2],
        "half": torch.tensor([1.5, -2.0], dtype=torch.float16),
        "bf16": torch.tensor([1.5, -2.25, 3e38], dtype=torch.bfloat16),
        "int": torch.tensor([[1, -2]], dtype=torch.int32), "bool": torch.tensor([True, False]),
        "u8": torch.tensor([255], dtype=torch.uint8), "scalar": torch.tensor(7),
        "empty": torch.zeros(0, 3), "param": torch.nn.Parameter(torch.ones(2)),
        "frozen": torch.nn.Parameter(torch.ones(1), requires_grad=False),
        "dtype": torch.float16, "size": torch.Size([2, 3]), "set": {1, 2}, "n": [1, 2.5, None],
    }
    buf = io.BytesIO()
    torch.save(obj, buf)
    buf.seek(0)
    got = tc.load(buf)
    for k in ("view", "t", "same", "row", "half", "int", "bool", "u8", "scalar", "empty"):
        assert got[k].dtype == obj[k].numpy().dtype and got[k].shape == tuple(obj[k].shape), k
        np.testing.assert_array_equal(got[k].numpy(), obj[k].numpy())
    np.testing.assert_array_equal(got["bf16"].numpy(), obj["bf16"].float().numpy())
    assert got["bf16"].dtype == np.float32
    assert isinstance(got["param"], tc.nn.Parameter) and got["param"].requires_grad
    assert isinstance(got["frozen"], tc.nn.Parameter) and not got["frozen"].requires_grad
    assert got["dtype"] == np.float16 and got["size"] == (2, 3) and got["set"] == {1, 2}
    assert got["n"] == [1, 2.5, None]


def test_tinyconv_writes_what_torch_reads_weights_only(tmp_path):
    tc.manual_seed(0)
    cm = _tc_net()
    cm.train()
    cm(tc.tensor(_x()))
    cm.eval()
    tc.save(cm.state_dict(), tmp_path / "model.pt", format="torch")
    sd = torch.load(tmp_path / "model.pt", weights_only=True)
    assert list(sd) == list(cm.state_dict())
    tm = _torch_net()
    tm.load_state_dict(sd)
    assert_close(cm(tc.tensor(_x())), tm.eval()(torch.tensor(_x())), dtype=np.float32)
    assert sd["1.num_batches_tracked"].dtype == torch.int64
    assert sd["1.num_batches_tracked"].shape == ()
    # parameters, arrays (as tensors), NumPy scalars (as numbers), dtypes, nested containers
    obj = {"p": tc.nn.Parameter(tc.ones(2)), "a": np.arange(6).reshape(2, 3).T,
           "x": np.float32(2.5), "d": np.dtype(np.float16), "nested": [(1, "s"), {"k": None}],
           "z": tc.tensor(3.0, dtype=tc.float64), "e": tc.zeros(0, 3)}
    buf = io.BytesIO()
    tc.save(obj, buf, format="torch")
    buf.seek(0)
    back = torch.load(buf, weights_only=True)
    assert isinstance(back["p"], torch.nn.Parameter) and back["p"].requires_grad
    np.testing.assert_array_equal(back["a"].numpy(), obj["a"])
    assert back["x"] == 2.5 and back["d"] == torch.float16
    assert back["nested"] == [(1, "s"), {"k": None}]
    assert back["z"].dtype == torch.float64 and back["e"].shape == (0, 3)
    # storages are 64-byte aligned as torch writes them
    with zipfile.ZipFile(tmp_path / "model.pt") as zf:
        assert {n.split("/")[0] for n in zf.namelist()} == {"model"}
        for info in zf.infolist():
            if "/data/" in info.filename:
                assert (info.header_offset + 30 + len(info.filename)
                        + len(info.extra)) % 64 == 0


def test_tinyconv_optimizer_state_goes_to_torch_through_a_file(tmp_path):
    tm, cm = make_models()
    topt = torch.optim.SGD(tm.parameters(), lr=0.1, momentum=0.9)
    copt = tc.optim.SGD(cm.parameters(), lr=0.1, momentum=0.9)
    run_pair(topt, copt, tm, cm, steps=3)
    tc.save({"model": cm.state_dict(), "optimizer": copt.state_dict()}, tmp_path / "ck.pt",
            format="torch")
    ck = torch.load(tmp_path / "ck.pt", weights_only=True)
    tm2, _ = make_models(seed=1)
    tm2.load_state_dict(ck["model"])
    topt2 = torch.optim.SGD(tm2.parameters(), lr=5.0, momentum=0.9)
    topt2.load_state_dict(ck["optimizer"])
    run_pair(topt2, copt, tm2, cm, steps=3)
    # and the same file back into tinyconv
    ck2 = tc.load(tmp_path / "ck.pt")
    assert _sd_to_tc(topt2.state_dict())["param_groups"][0]["momentum"] == \
        ck2["optimizer"]["param_groups"][0]["momentum"]


def test_both_formats_and_their_errors(tmp_path):
    sd = {"w": tc.ones(2, 3), "step": 4}
    tc.save(sd, tmp_path / "a.tc")
    tc.save(sd, tmp_path / "a.pt", format="torch")
    for name in ("a.tc", "a.pt"):
        got = tc.load(tmp_path / name)
        np.testing.assert_array_equal(got["w"].numpy(), np.ones((2, 3), np.float32))
        assert got["step"] == 4
    with pytest.raises(ValueError, match="format must be one of"):
        tc.save(sd, tmp_path / "b", format="pickle")
    (tmp_path / "keep.pt").write_bytes(b"old")
    with pytest.raises(TypeError, match="cannot store an object of type"):
        tc.save({"f": object()}, tmp_path / "keep.pt", format="torch")
    assert (tmp_path / "keep.pt").read_bytes() == b"old"
    torch.save({"w": torch.ones(2)}, tmp_path / "legacy.pt", _use_new_zipfile_serialization=False)
    with pytest.raises(RuntimeError, match="legacy .* torch checkpoint"):
        tc.load(tmp_path / "legacy.pt")
    data = (tmp_path / "a.pt").read_bytes()
    (tmp_path / "cut.pt").write_bytes(data[: len(data) // 2])
    with pytest.raises(RuntimeError, match="cut.pt.*truncated.*nor is it a torch checkpoint"):
        tc.load(tmp_path / "cut.pt")


# ------------------------------------------------------------------------ hostile checkpoints
def _torch_zip(pkl, storages=None, compress=False):
    buf = io.BytesIO()
    method = zipfile.ZIP_DEFLATED if compress else zipfile.ZIP_STORED
    with zipfile.ZipFile(buf, "w", compression=method) as zf:
        zf.writestr("archive/data.pkl", pkl)
        for key, data in (storages or {}).items():
            zf.writestr(f"archive/data/{key}", data)
        zf.writestr("archive/version", "3\n")
    return buf.getvalue()


class _Evil:
    def __init__(self, marker):
        self.marker = marker

    def __reduce__(self):
        return (os.system, (f"touch {self.marker}",))


def _tensor_pkl(offset, size, stride, numel, dtype_global=b"FloatStorage"):
    """A data.pkl holding one tensor, written opcode by opcode (protocol 2)."""
    def ints(xs):
        return b"(" + b"".join(b"J" + int(x).to_bytes(4, "little", signed=True) for x in xs) \
            + b"t"
    return (b"\x80\x02ctorch._utils\n_rebuild_tensor_v2\n((X\x07\x00\x00\x00storage"
            b"ctorch\n" + dtype_global + b"\nX\x01\x00\x00\x000X\x03\x00\x00\x00cpu"
            + b"J" + numel.to_bytes(4, "little") + b"tQ"
            + b"J" + offset.to_bytes(4, "little") + ints(size) + ints(stride)
            + b"\x89ccollections\nOrderedDict\n)Rtq\x00R.")


def test_a_planted_pickle_is_refused_as_torch_refuses_it(tmp_path):
    marker = tmp_path / "pwned"
    evil = pickle.dumps({"w": _Evil(marker)}, protocol=2)
    path = tmp_path / "evil.pt"
    path.write_bytes(_torch_zip(evil))
    with pytest.raises(RuntimeError, match=r"evil.pt.*unsupported global (posix|os)\.system"):
        tc.load(path)
    with pytest.raises(pickle.UnpicklingError, match="Weights only load failed"):
        torch.load(path, weights_only=True)
    assert not marker.exists()


@pytest.mark.parametrize("pkl,storages,match", [
    (pickle.dumps(eval, protocol=2), None, "unsupported global builtins.eval"),
    (pickle.dumps(zipfile.ZipFile, protocol=2), None, "unsupported global zipfile.ZipFile"),
    # BUILD that would set attributes on something other than an OrderedDict
    (b"\x80\x02ccollections\nOrderedDict\n)R]}X\x01\x00\x00\x00aK\x01sb.", None,
     "BUILD on a list"),
    (b"\x80\x02ccollections\nOrderedDict\n)R}X\x09\x00\x00\x00__class__K\x01sb.", None,
     "BUILD sets attribute '__class__'"),
    (b"\x80\x02X\x01\x00\x00\x00xQ.", None, "unsupported persistent id"),
    (_tensor_pkl(0, [2, 3], [3, 1], 6), {"0": b"\0" * 20}, "declares 6 elements"),
    (_tensor_pkl(0, [2, 3], [3, 1], 6), {}, "has no member"),
    (_tensor_pkl(2, [2, 3], [3, 1], 6), {"0": b"\0" * 24}, "reaches past its storage"),
    (_tensor_pkl(0, [100000, 100000], [0, 0], 1), {"0": b"\0" * 4}, "would take"),
    (_tensor_pkl(0, [-1], [1], 1), {"0": b"\0" * 4}, "bad tensor geometry"),
    (_tensor_pkl(0, [1], [1], 1, b"Evil"), {"0": b"\0" * 4}, "unsupported global torch.Evil"),
])
def test_crafted_torch_checkpoints_are_refused_naming_the_file(tmp_path, pkl, storages, match):
    path = tmp_path / "crafted.pt"
    path.write_bytes(_torch_zip(pkl, storages))
    with pytest.raises(RuntimeError, match="crafted.pt.*" + match):
        tc.load(path)


def test_a_well_formed_hand_written_tensor_loads():
    data = np.arange(6, dtype=np.float32).tobytes()
    got = tc.load(io.BytesIO(_torch_zip(_tensor_pkl(1, [2, 2], [1, 2], 6), {"0": data})))
    np.testing.assert_array_equal(got.numpy(), [[1.0, 3.0], [2.0, 4.0]])
    with pytest.raises(RuntimeError, match="compressed"):
        tc.load(io.BytesIO(_torch_zip(_tensor_pkl(0, [1], [1], 1), {"0": b"\0" * 4},
                                      compress=True)))


def test_reading_and_writing_need_no_torch(tmp_path):
    torch.save(_torch_net().state_dict(), tmp_path / "from_torch.pt")
    script = textwrap.dedent(f"""
        import sys
        sys.modules["torch"] = None          # any import of torch now fails
        import tinyconv as tc
        sd = tc.load({str(tmp_path / "from_torch.pt")!r})
        model = tc.nn.Sequential(tc.nn.Conv2d(2, 4, 3, padding=1), tc.nn.BatchNorm2d(4),
                                 tc.nn.ReLU(), tc.nn.Flatten(), tc.nn.Linear(64, 5))
        model.load_state_dict(sd)
        tc.save(model.state_dict(), {str(tmp_path / "from_tc.pt")!r}, format="torch")
        assert "torch" not in [m.split(".")[0] for m in sys.modules if sys.modules[m]]
        print("ok")
    """)
    env = dict(os.environ, PYTHONPATH=ROOT)
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                         env=env, cwd=str(tmp_path), timeout=120)
    assert out.returncode == 0 and out.stdout.strip() == "ok", out.stderr
    back = torch.load(tmp_path / "from_tc.pt", weights_only=True)
    for k, v in _torch_net().state_dict().items():
        assert torch.equal(back[k], v), k
