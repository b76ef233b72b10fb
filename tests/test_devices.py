"""Devices side by side with a CPU-only torch: the same program, with ``M`` torch or tinyconv,
gives the same results or raises the same exception type (torch 2.13, built without CUDA)."""
import copy
import pickle
import warnings

import numpy as np
import pytest
import torch

import tinyconv as tc

BOTH = pytest.mark.parametrize("M", [torch, tc], ids=["torch", "tinyconv"])


def outcome(fn):
    """``('ok', value)`` or ``('raises', exception type)``: what a program did."""
    try:
        return "ok", fn()
    except Exception as e:  # noqa: BLE001 - AssertionError included, as torch raises it
        return "raises", type(e)


def same(program):
    """Run ``program(M)`` on torch and on tinyconv; both outcomes (values must be comparable)."""
    a, b = outcome(lambda: program(torch)), outcome(lambda: program(tc))
    assert a == b, f"torch: {a}, tinyconv: {b}"
    return b


def same_kind(program):
    """Both return, or both raise the same exception type (values not compared)."""
    a, b = outcome(lambda: program(torch)), outcome(lambda: program(tc))
    assert a[0] == b[0] and (a[0] == "ok" or a[1] is b[1]), f"torch: {a}, tinyconv: {b}"
    return b


# --- tc.device ------------------------------------------------------------------------------
SPECS = [("cpu",), ("cpu:0",), ("cpu:1",), ("cuda",), ("cuda:1",), ("mps",), ("meta",),
         ("xpu:0",), ("cuda", 1), ("cuda", 0), ("cpu", None), ("cuda", -1), ("cuda:1", 2),
         ("cuda", "1"), ("cuda", 1.0), ("cuda:01",), ("cuda:-1",), ("cuda:x",), ("cuda:1:2",),
         ("CPU",), (" cpu",), ("foo",), ("",), (1.5,), (None,), (0,), (3,)]


@pytest.mark.parametrize("spec", SPECS, ids=[repr(s) for s in SPECS])
def test_device_parses_as_torch(spec):
    same(lambda M: (lambda d: (d.type, d.index, str(d), repr(d)))(M.device(*spec)))


def test_device_from_a_device_and_keywords():
    same(lambda M: repr(M.device(M.device("cuda:2"))))
    same(lambda M: repr(M.device(type="cuda", index=3)))


def test_device_equality_and_hash():
    same(lambda M: (M.device("cpu") == M.device("cpu"), M.device("cpu") == M.device("cpu:0"),
                    M.device("cuda") == M.device("cuda:0"), M.device("cpu") == "cpu",
                    M.device("cpu") != M.device("cuda"),
                    hash(M.device("cuda:1")) == hash(M.device("cuda", 1)),
                    len({M.device("cpu"), M.device("cpu"), M.device("cuda")})))
    same_kind(lambda M: M.device("cuda") < M.device("cpu"))


def test_device_pickles_and_copies():
    d = tc.device("cuda", 1)
    assert pickle.loads(pickle.dumps(d)) == d and copy.deepcopy(d) == d


@BOTH
def test_tensor_device_is_the_cpu(M):
    x = M.zeros(2)
    assert x.device == M.device("cpu") and x.device.type == "cpu" and x.device.index is None
    assert str(x.device) == "cpu" and repr(x.device) == "device(type='cpu')"
    assert (x.is_cuda, x.is_cpu, x.is_meta, x.get_device()) == (False, True, False, -1)


# --- factories ------------------------------------------------------------------------------
FACTORIES = {
    "tensor": lambda M, **kw: M.tensor([1.0, 2.0], **kw),
    "zeros": lambda M, **kw: M.zeros(2, 3, **kw),
    "ones": lambda M, **kw: M.ones(2, **kw),
    "empty": lambda M, **kw: M.empty(2, **kw),
    "full": lambda M, **kw: M.full((2,), 3.0, **kw),
    "arange": lambda M, **kw: M.arange(3, **kw),
    "rand": lambda M, **kw: M.rand(2, **kw),
    "randn": lambda M, **kw: M.randn(2, **kw),
    "randint": lambda M, **kw: M.randint(0, 3, (2,), **kw),
    "randperm": lambda M, **kw: M.randperm(3, **kw),
    "eye": lambda M, **kw: M.eye(2, **kw),
    "linspace": lambda M, **kw: M.linspace(0, 1, 3, **kw),
    "zeros_like": lambda M, **kw: M.zeros_like(M.ones(2), **kw),
    "ones_like": lambda M, **kw: M.ones_like(M.ones(2), **kw),
    "full_like": lambda M, **kw: M.full_like(M.ones(2), 2.0, **kw),
    "empty_like": lambda M, **kw: M.empty_like(M.ones(2), **kw),
}
DEVICES = ["cpu", "cpu:0", "cpu:1", "cuda", "cuda:0", "mps", "xpu", "hip", 0, "nope"]


@pytest.mark.parametrize("device", DEVICES, ids=str)
@pytest.mark.parametrize("name", sorted(FACTORIES))
def test_factories_take_a_device(name, device):
    make = FACTORIES[name]
    kind, value = same_kind(lambda M: make(M, device=device))
    if kind == "ok":
        assert value.device == tc.device("cpu")
    same_kind(lambda M: make(M, device=M.device("cpu")).shape)


@pytest.mark.parametrize("name", sorted(n for n in FACTORIES if not n.endswith("_like")))
def test_factories_take_pin_memory(name):
    same_kind(lambda M: FACTORIES[name](M, pin_memory=False))
    same_kind(lambda M: FACTORIES[name](M, pin_memory=True))


def test_meta_tensors_are_not_supported():
    """torch makes shape-only tensors on 'meta'; tinyconv refuses (docs/differences.md)."""
    assert torch.zeros(2, device="meta").shape == (2,)
    with pytest.raises(NotImplementedError, match="meta"):
        tc.zeros(2, device="meta")


def test_default_device():
    same(lambda M: repr(M.get_default_device()))
    for M in (torch, tc):
        M.set_default_device("cpu")
        try:
            assert M.zeros(1).device == M.device("cpu")
        finally:
            M.set_default_device(None)
    for M in (torch, tc):
        M.set_default_device("cuda")
        try:
            with pytest.raises(AssertionError):
                M.zeros(1)
            with pytest.raises(AssertionError):
                M.get_default_device()
        finally:
            M.set_default_device(None)
        assert M.get_default_device() == M.device("cpu")
    same_kind(lambda M: M.set_default_device("nope"))
    with tc.device("cpu"):
        assert tc.zeros(1).device.type == "cpu"
    with tc.device("cuda"), pytest.raises(AssertionError):
        tc.zeros(1)
    assert tc.zeros(1).device.type == "cpu"


# --- to(), cpu(), cuda() ----------------------------------------------------------------------
TO_CALLS = {
    "to()": lambda M, x: x.to(),
    "to('cpu')": lambda M, x: x.to("cpu"),
    "to('cpu:0')": lambda M, x: x.to("cpu:0"),
    "to(device)": lambda M, x: x.to(M.device("cpu")),
    "to(device=)": lambda M, x: x.to(device="cpu"),
    "to(float32)": lambda M, x: x.to(M.float32),
    "to(float64)": lambda M, x: x.to(M.float64),
    "to(int64)": lambda M, x: x.to(M.int64),
    "to('cpu', float64)": lambda M, x: x.to("cpu", M.float64),
    "to(device, dtype=)": lambda M, x: x.to(M.device("cpu"), dtype=M.float64),
    "to(dtype=, device=)": lambda M, x: x.to(dtype=M.float64, device="cpu"),
    "to(other)": lambda M, x: x.to(M.zeros(1, dtype=M.int64)),
    "to(other float32)": lambda M, x: x.to(M.zeros(1)),
    "to('cpu', non_blocking=True)": lambda M, x: x.to("cpu", non_blocking=True),
    "to(float64, non_blocking=True)": lambda M, x: x.to(M.float64, non_blocking=True),
    "to('cpu', copy=True)": lambda M, x: x.to("cpu", copy=True),
    "to(float32, copy=True)": lambda M, x: x.to(M.float32, copy=True),
    "to(other, True, True)": lambda M, x: x.to(M.zeros(1), True, True),
    "to('cpu', float64, True, True)": lambda M, x: x.to("cpu", M.float64, True, True),
    "to(float64, 'cpu')": lambda M, x: x.to(M.float64, "cpu"),
    "to('cuda')": lambda M, x: x.to("cuda"),
    "to('cuda:1')": lambda M, x: x.to("cuda:1"),
    "to(dtype=, device='cuda')": lambda M, x: x.to(dtype=M.float64, device="cuda"),
    "to(device('cuda'))": lambda M, x: x.to(M.device("cuda")),
    "to('mps')": lambda M, x: x.to("mps"),
    "to('xpu')": lambda M, x: x.to("xpu"),
    "to(0)": lambda M, x: x.to(0),
    "to('nope')": lambda M, x: x.to("nope"),
    "to(foo=1)": lambda M, x: x.to(foo=1),
    "cpu()": lambda M, x: x.cpu(),
    "cuda()": lambda M, x: x.cuda(),
    "cuda(0)": lambda M, x: x.cuda(0),
    "cuda('cuda:1')": lambda M, x: x.cuda("cuda:1"),
    "cuda('cpu')": lambda M, x: x.cuda("cpu"),
    "cuda(non_blocking=True)": lambda M, x: x.cuda(non_blocking=True),
    "pin_memory()": lambda M, x: x.pin_memory(),
}


@pytest.mark.parametrize("call", sorted(TO_CALLS))
def test_tensor_to_as_torch(call):
    def program(M):
        x = M.arange(6.0).reshape(2, 3)
        y = TO_CALLS[call](M, x)
        return y is x, str(y.dtype).rpartition(".")[2], y.device.type, y.tolist()
    same(program)


def test_to_keeps_the_graph():
    x = tc.ones(3, requires_grad=True)
    y = x.to("cpu", tc.float64)
    assert y.dtype == tc.float64 and y.requires_grad
    y.sum().backward()
    assert x.grad.dtype == tc.float32 and x.grad.tolist() == [1.0, 1.0, 1.0]


def test_is_pinned():
    same(lambda M: M.zeros(2).is_pinned())


MODULE_CALLS = {
    "to('cpu')": lambda M, m: m.to("cpu"),
    "to(device)": lambda M, m: m.to(M.device("cpu")),
    "to('cpu', float64)": lambda M, m: m.to("cpu", M.float64),
    "to(float64)": lambda M, m: m.to(M.float64),
    "to(device=, dtype=)": lambda M, m: m.to(device="cpu", dtype=M.float64),
    "to(tensor)": lambda M, m: m.to(M.zeros(1, dtype=M.float64)),
    "to('cpu', non_blocking=True)": lambda M, m: m.to("cpu", non_blocking=True),
    "to(int64)": lambda M, m: m.to(M.int64),
    "to('cuda')": lambda M, m: m.to("cuda"),
    "to('mps')": lambda M, m: m.to("mps"),
    "to(0)": lambda M, m: m.to(0),
    "cpu()": lambda M, m: m.cpu(),
    "cuda()": lambda M, m: m.cuda(),
    "cuda(0)": lambda M, m: m.cuda(0),
    "cuda('cpu')": lambda M, m: m.cuda("cpu"),
}


@pytest.mark.parametrize("call", sorted(MODULE_CALLS))
def test_module_to_as_torch(call):
    def program(M):
        m = M.nn.Linear(2, 3)
        out = MODULE_CALLS[call](M, m)
        return out is m, str(m.weight.dtype).rpartition(".")[2], m.weight.device.type
    same(program)


# --- tc.cuda, tc.accelerator, tc.backends ------------------------------------------------------
CUDA_CALLS = ["is_available()", "device_count()", "is_initialized()", "manual_seed(0)",
              "manual_seed_all(0)", "seed()", "seed_all()", "empty_cache()",
              "memory_allocated()", "max_memory_allocated()", "memory_reserved()",
              "is_bf16_supported()", "synchronize()", "current_device()",
              "get_device_name()", "get_device_name(0)", "get_device_properties(0)",
              "set_device('cpu')"]


@pytest.mark.parametrize("call", CUDA_CALLS)
def test_cuda_namespace_as_cpu_only_torch(call):
    same(lambda M: eval(f"M.cuda.{call}"))  # noqa: S307 - a fixed table


@pytest.mark.parametrize("call", ["is_available()", "current_accelerator()", "device_count()",
                                  "current_device_index()", "set_device_index(0)",
                                  "synchronize()"])
def test_accelerator_namespace_as_torch(call):
    same(lambda M: eval(f"M.accelerator.{call}"))  # noqa: S307 - a fixed table


def test_the_accelerator_idiom_picks_the_cpu():
    for M in (torch, tc):
        acc = M.accelerator.current_accelerator()
        dev = acc if acc is not None else M.device("cpu")
        assert M.ones(2, device=dev).device.type == "cpu"
        dev = M.device("cuda" if M.cuda.is_available() else "cpu")
        assert M.nn.Linear(2, 2).to(dev)(M.ones(1, 2, device=dev)).shape == (1, 2)


@pytest.mark.parametrize("call", ["mps.is_available()", "mps.is_built()", "cuda.is_built()",
                                  "cudnn.is_available()", "cudnn.version()",
                                  "cudnn.is_acceptable(M.zeros(1))", "cudnn.enabled",
                                  "cudnn.benchmark", "cudnn.deterministic", "cudnn.allow_tf32",
                                  "cudnn.benchmark_limit", "cuda.matmul.allow_tf32",
                                  "cuda.matmul.allow_fp16_reduced_precision_reduction"])
def test_backends_report_as_cpu_only_torch(call):
    same(lambda M: eval(f"M.backends.{call}"))  # noqa: S307 - a fixed table


@pytest.fixture
def cudnn_settings():
    """Restore cuDNN's settings of both libraries after a test."""
    names = ["enabled", "benchmark", "deterministic", "allow_tf32"]
    saved = {M: {n: getattr(M.backends.cudnn, n) for n in names} for M in (torch, tc)}
    yield
    for M, values in saved.items():
        for n, v in values.items():
            setattr(M.backends.cudnn, n, v)


@pytest.mark.parametrize("name", ["enabled", "benchmark", "deterministic", "allow_tf32"])
@pytest.mark.parametrize("value", [True, False, 1, "yes", None])
def test_cudnn_settings_take_bools(cudnn_settings, name, value):
    def program(M):
        setattr(M.backends.cudnn, name, value)
        return getattr(M.backends.cudnn, name)
    same(program)


def test_cudnn_flags_and_module_import(cudnn_settings):
    import tinyconv.backends.cudnn as cudnn

    assert cudnn is tc.backends.cudnn
    cudnn.benchmark = True
    cudnn.deterministic = True

    def program(M):
        M.backends.cudnn.benchmark = True
        with M.backends.cudnn.flags(enabled=False, benchmark=False, deterministic=True):
            inside = (M.backends.cudnn.enabled, M.backends.cudnn.benchmark,
                      M.backends.cudnn.deterministic)
        return inside, M.backends.cudnn.enabled, M.backends.cudnn.benchmark
    same(program)
    same_kind(lambda M: M.backends.cudnn.flags(enabled="no").__enter__())
    with tc.backends.cudnn.flags():  # torch's defaults: cuDNN off, and nothing changes
        x = tc.nn.functional.conv2d(tc.ones(1, 1, 3, 3), tc.ones(1, 1, 2, 2))
    assert x.tolist() == [[[[4.0, 4.0], [4.0, 4.0]]]]


def test_cuda_matmul_switches_take_bools():
    same_kind(lambda M: setattr(M.backends.cuda.matmul, "allow_tf32", "x"))
    same_kind(lambda M: setattr(M.backends.cuda.matmul, "nope", True))
    for M in (torch, tc):
        M.backends.cuda.matmul.allow_tf32 = True
        M.backends.cuda.matmul.allow_tf32 = False


def test_tinyconv_switches_are_kept():
    assert tc.backends.conv.winograd in (True, False)
    with tc.backends.conv.flags(algorithm="im2col"):
        assert tc.backends.conv.algorithm == "im2col"
    assert tc.backends.kernels.parallel_min_size > 0


def test_dataloader_pin_memory_warns_as_torch():
    data = np.arange(8, dtype=np.float32).reshape(4, 2)
    for M in (torch, tc):
        ds = M.utils.data.TensorDataset(M.tensor(data))
        with pytest.warns(UserWarning, match="pin_memory"):
            batches = list(M.utils.data.DataLoader(ds, batch_size=2, pin_memory=True))
        assert batches[0][0].is_pinned() is False
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        list(tc.utils.data.DataLoader(tc.utils.data.TensorDataset(tc.tensor(data)),
                                      batch_size=2))


def test_errors_name_tinyconv():
    for fn in (lambda: tc.zeros(1, device="cuda"), lambda: tc.ones(1).cuda(),
               lambda: tc.nn.Linear(1, 1).to("cuda"), lambda: tc.cuda.current_device()):
        with pytest.raises(AssertionError, match="tinyconv not compiled with CUDA enabled"):
            fn()
    with pytest.raises(RuntimeError, match="tinyconv is not linked with support for mps"):
        tc.ones(1).to("mps")


@pytest.fixture
def deterministic_settings():
    """Restore both libraries' deterministic-algorithms switch after a test."""
    saved = {M: (M.are_deterministic_algorithms_enabled(),
                 M.is_deterministic_algorithms_warn_only_enabled()) for M in (torch, tc)}
    yield
    for M, (mode, warn_only) in saved.items():
        M.use_deterministic_algorithms(mode, warn_only=warn_only)


@pytest.mark.parametrize("args", [(True,), (False,), (True, True), (False, True), (1,),
                                  (True, 1), (None,)])
def test_use_deterministic_algorithms_as_torch(deterministic_settings, args):
    def program(M):
        kw = {"warn_only": args[1]} if len(args) > 1 else {}
        M.use_deterministic_algorithms(args[0], **kw)
        return (M.are_deterministic_algorithms_enabled(),
                M.is_deterministic_algorithms_warn_only_enabled(),
                M.get_deterministic_debug_mode())
    same(program)
