"""What a tensor says about itself, side by side with torch: ``Size``, type names and
conversions, strides and storage, the ``new_*`` factories, ``mT``/``mH``/``H``, ``mm`` and
``bernoulli``.  The same program runs with ``M`` torch or tinyconv; results (with torch's
names written as tinyconv's) or exception types must agree."""
import pickle
import warnings

import numpy as np
import pytest
import torch

import tinyconv as tc

BOTH = pytest.mark.parametrize("M", [torch, tc], ids=["torch", "tinyconv"])


def outcome(fn):
    try:
        return "ok", fn()
    except Exception as e:  # noqa: BLE001
        return "raises", type(e)


def _plain(v):
    """A result with torch's names made tinyconv's (dtypes as their short names)."""
    if isinstance(v, str):
        return v.replace("torch.", "tinyconv.")
    if isinstance(v, (torch.dtype, np.dtype)):
        return str(v).rpartition(".")[2]
    if isinstance(v, (torch.Tensor, tc.Tensor)):
        return ("tensor", _plain(v.dtype), tuple(v.shape), v.requires_grad, v.tolist())
    if isinstance(v, (list, tuple)) and not isinstance(v, (torch.Size, tc.Size)):
        return type(v)(_plain(i) for i in v)
    return v


def same(program):
    a = outcome(lambda: _plain(program(torch)))
    b = outcome(lambda: _plain(program(tc)))
    assert a == b, f"torch: {a}, tinyconv: {b}"
    return b


# --- Size -------------------------------------------------------------------------------------
SIZE_PROGRAMS = {
    "repr": lambda M: repr(M.zeros(64, 10).shape),
    "str": lambda M: str(M.zeros(64, 10).size()),
    "f-string": lambda M: f"{M.zeros(2, 3).shape}",
    "type is Size": lambda M: type(M.zeros(2).shape) is M.Size and isinstance(M.zeros(2).shape,
                                                                               tuple),
    "0-d": lambda M: repr(M.zeros(()).size()),
    "== tuple": lambda M: (M.zeros(2, 3).shape == (2, 3), M.zeros(2, 3).size() != (2, 3)),
    "== list": lambda M: M.zeros(2, 3).shape == [2, 3],
    "== Size": lambda M: M.zeros(2, 3).shape == M.Size([2, 3]),
    "hash": lambda M: hash(M.zeros(2, 3).shape) == hash((2, 3)),
    "as dict key": lambda M: {(2, 3): "x"}[M.zeros(2, 3).shape],
    "slice": lambda M: repr(M.zeros(2, 3, 4).shape[1:]),
    "reversed slice": lambda M: repr(M.zeros(2, 3, 4).shape[::-1]),
    "index": lambda M: (M.zeros(2, 3).shape[0], M.zeros(2, 3).shape[-1]),
    "+ tuple": lambda M: repr(M.zeros(2, 3).shape + (4,)),
    "tuple +": lambda M: repr((4,) + M.zeros(2, 3).shape),
    "+ list": lambda M: M.zeros(2).shape + [3],
    "* int": lambda M: (repr(M.zeros(2, 3).shape * 2), repr(2 * M.zeros(2, 3).shape)),
    "numel": lambda M: (M.zeros(2, 3, 4).shape.numel(), M.Size([]).numel()),
    "unpack": lambda M: (lambda n, c: n * c)(*M.zeros(2, 3).shape),
    "list": lambda M: list(M.zeros(2, 3).size()),
    "count/index": lambda M: (M.Size([2, 3, 2]).count(2), M.Size([2, 3]).index(3)),
    "Size()": lambda M: repr(M.Size()),
    "Size(tuple)": lambda M: repr(M.Size((1, 2))),
    "Size(tensor)": lambda M: repr(M.Size(M.tensor([2, 3]))),
    "Size(floats)": lambda M: M.Size([1.5]),
    "size(dim)": lambda M: (M.zeros(2, 3).size(1), M.zeros(2, 3).size(-2),
                            M.zeros(2, 3).size(dim=0)),
    "size(dim) out of range": lambda M: M.zeros(2, 3).size(2),
    "size(0) of 0-d": lambda M: M.zeros(()).size(0),
    "new tensor from a Size": lambda M: tuple(M.zeros(M.zeros(2, 3).shape).shape),
    "view(size)": lambda M: repr(M.zeros(6).view(M.Size([2, 3])).shape),
}


@pytest.mark.parametrize("name", sorted(SIZE_PROGRAMS))
def test_size_as_torch(name):
    same(SIZE_PROGRAMS[name])


def test_size_pickles_and_works_with_numpy():
    s = tc.zeros(2, 3).shape
    assert type(pickle.loads(pickle.dumps(s))) is tc.Size and pickle.loads(pickle.dumps(s)) == s
    assert np.zeros(s).shape == (2, 3) and tc.zeros(s).shape == s
    assert tc.nn.Linear(3, 4)(tc.zeros(2, 3)).shape == (2, 4)


# --- type names and conversions ---------------------------------------------------------------
DTYPES = ["float32", "float64", "float16", "int64", "int32", "int16", "int8", "uint8", "bool"]


@pytest.mark.parametrize("dtype", DTYPES)
def test_type_names(dtype):
    same(lambda M: M.zeros(2, dtype=getattr(M, dtype)).type())


TYPE_PROGRAMS = {
    "type(float32) is x": lambda M, x: x.type(M.float32) is x,
    "type('FloatTensor') is x": lambda M, x: x.type("torch.FloatTensor") is x,
    "type(float64)": lambda M, x: x.type(M.float64),
    "type('torch.DoubleTensor')": lambda M, x: x.type("torch.DoubleTensor"),
    "type('torch.LongTensor')": lambda M, x: x.type("torch.LongTensor"),
    "type(dtype=)": lambda M, x: x.type(dtype=M.float64),
    "type(float64, non_blocking=True)": lambda M, x: x.type(M.float64, non_blocking=True),
    "type('DoubleTensor')": lambda M, x: x.type("DoubleTensor"),
    "type('torch.Float')": lambda M, x: x.type("torch.Float"),
    "type(3)": lambda M, x: x.type(3),
    "type('torch.cuda.FloatTensor')": lambda M, x: x.type("torch.cuda.FloatTensor"),
    "type_as": lambda M, x: x.type_as(M.zeros(1, dtype=M.int64)),
    "type_as same": lambda M, x: x.type_as(M.zeros(1)) is x,
    "float() is x": lambda M, x: x.float() is x,
    "double/half/long/int/bool": lambda M, x: [x.double(), x.half(), x.long(), x.int(),
                                               x.bool()],
}


@pytest.mark.parametrize("name", sorted(TYPE_PROGRAMS))
def test_type_conversions_as_torch(name):
    same(lambda M: TYPE_PROGRAMS[name](M, M.arange(6.0).reshape(2, 3)))


LEGACY_TYPE_PROGRAMS = {
    "FloatTensor(2, 3)": lambda M, x: M.FloatTensor(2, 3).shape,
    "FloatTensor()": lambda M, x: M.FloatTensor().shape,
    "FloatTensor(Size)": lambda M, x: M.FloatTensor(M.Size([2])).shape,
    "FloatTensor(data)": lambda M, x: M.FloatTensor([[1, 2]]),
    "FloatTensor(2, 3.0)": lambda M, x: M.FloatTensor(2, 3.0),
    "FloatTensor(tuple)": lambda M, x: M.FloatTensor((2, 3)),
    "LongTensor([1.7])": lambda M, x: M.LongTensor([1.7]),
    "BoolTensor": lambda M, x: M.BoolTensor([1, 0]),
    "ByteTensor(3).type()": lambda M, x: M.ByteTensor(3).type(),
    "Int/Short/Char/Half/Double types": lambda M, x: [
        T([1]).type() for T in (M.IntTensor, M.ShortTensor, M.CharTensor, M.HalfTensor,
                                M.DoubleTensor)],
    "FloatTensor(float tensor) aliases": lambda M, x: (M.FloatTensor(x) is x,
                                                       M.FloatTensor(x).add_(1), x),
    "FloatTensor(long tensor)": lambda M, x: M.FloatTensor(x.long()),
    "isinstance": lambda M, x: [isinstance(x, M.FloatTensor), isinstance(x, M.DoubleTensor),
                                isinstance(x.long(), M.LongTensor), isinstance(1, M.FloatTensor)],
    "issubclass(Tensor)": lambda M, x: issubclass(M.FloatTensor, M.Tensor),
    "__name__": lambda M, x: M.LongTensor.__name__,
    "type(DoubleTensor)": lambda M, x: x.type(M.DoubleTensor),
    "type(FloatTensor) is x": lambda M, x: x.type(M.FloatTensor) is x,
    "long().type(FloatTensor)": lambda M, x: x.long().type(M.FloatTensor),
}


@pytest.mark.parametrize("name", sorted(LEGACY_TYPE_PROGRAMS))
def test_legacy_tensor_types_as_torch(name):
    same(lambda M: LEGACY_TYPE_PROGRAMS[name](M, M.arange(6.0).reshape(2, 3)))


def test_legacy_tensor_type_keeps_the_graph():
    x = tc.ones(2, requires_grad=True)
    y = tc.FloatTensor(x)
    assert y.requires_grad
    x.type(tc.DoubleTensor).sum().backward()
    assert x.grad.tolist() == [1.0, 1.0]
    assert repr(tc.FloatTensor) == "<class 'tinyconv.FloatTensor'>"


def test_tinyconv_type_names_convert():
    x = tc.zeros(2)
    assert x.type("tinyconv.DoubleTensor").dtype == tc.float64
    assert x.type("tinyconv.LongTensor").type() == "tinyconv.LongTensor"


def test_type_keeps_the_graph():
    x = tc.ones(2, requires_grad=True)
    x.type("torch.DoubleTensor").sum().backward()
    assert x.grad.dtype == tc.float32 and x.grad.tolist() == [1.0, 1.0]


# --- autograd flags ---------------------------------------------------------------------------
def test_leaf_and_requires_grad_as_torch():
    def program(M):
        x = M.ones(2)
        a = (x.is_leaf, x.requires_grad_() is x, x.is_leaf, x.requires_grad)
        y = x * 2
        return a + (y.is_leaf, y.requires_grad, x.detach().is_leaf)
    same(program)
    same(lambda M: M.ones(2, dtype=M.int64).requires_grad_())
    same(lambda M: (M.ones(2, requires_grad=True) * 2).requires_grad_(False))


# --- memory layout ----------------------------------------------------------------------------
LAYOUT_PROGRAMS = {
    "stride": lambda M, x: x.stride(),
    "stride(1)": lambda M, x: (x.stride(1), x.stride(-1), x.stride(dim=0)),
    "stride(3)": lambda M, x: x.stride(3),
    "0-d stride": lambda M, x: M.tensor(1.0).stride(),
    "0-d stride(0)": lambda M, x: M.tensor(1.0).stride(0),
    "transpose stride": lambda M, x: x.transpose(0, 2).stride(),
    "permute stride": lambda M, x: x.permute(1, 2, 0).stride(),
    "slice stride": lambda M, x: x[:, ::2, 1:].stride(),
    "expand stride": lambda M, x: x[:, :1].expand(2, 5, 4).stride(),
    "unsqueeze stride": lambda M, x: x[0].unsqueeze(0).shape,
    "float64 stride": lambda M, x: x.double().stride(),
    "storage_offset": lambda M, x: (x.storage_offset(), x[1].storage_offset(),
                                    x[:, 1].storage_offset(), x[1, 2, 3].storage_offset(),
                                    x[:, 1:].transpose(0, 1)[1].storage_offset()),
    "is_contiguous": lambda M, x: (x.is_contiguous(), x.transpose(0, 1).is_contiguous(),
                                   x[:, :, ::2].is_contiguous(), x[1].is_contiguous()),
    "contiguous is self": lambda M, x: x.contiguous() is x,
    "contiguous of a transpose": lambda M, x: (x.transpose(0, 1).contiguous().stride(),
                                               x.transpose(0, 1).contiguous().is_contiguous()),
    "nelement/numel/element_size": lambda M, x: (x.nelement(), x.numel(), x.element_size(),
                                                 x.double().element_size(),
                                                 x.bool().element_size()),
    "nbytes of the storage": lambda M, x: (x.untyped_storage().nbytes(),
                                           x[1].untyped_storage().nbytes(),
                                           x.double().untyped_storage().nbytes()),
    "storage shared": lambda M, x: (
        x[1].untyped_storage().data_ptr() == x.untyped_storage().data_ptr(),
        x.view(-1).untyped_storage().data_ptr() == x.untyped_storage().data_ptr(),
        x.clone().untyped_storage().data_ptr() == x.untyped_storage().data_ptr()),
    "data_ptr": lambda M, x: (x[1].data_ptr() - x.data_ptr(), x[0, 1].data_ptr() - x.data_ptr(),
                              M.zeros(0).data_ptr()),
    "mT": lambda M, x: (x.mT.shape, x.mT.tolist(), x[0].mT.shape),
    "mH": lambda M, x: (x.mH.shape, x[0].mH.tolist()),
    "H": lambda M, x: x[0].H.tolist(),
    "H of 3-d": lambda M, x: x.H,
    "mT of 1-d": lambda M, x: x[0, 0].mT,
    "mH of 1-d": lambda M, x: x[0, 0].mH,
    "H of 1-d": lambda M, x: x[0, 0].H,
}


@pytest.mark.parametrize("name", sorted(LAYOUT_PROGRAMS))
def test_layout_as_torch(name):
    same(lambda M: LAYOUT_PROGRAMS[name](M, M.arange(24.0).reshape(2, 3, 4)))


def test_mt_is_a_view_with_gradients():
    for M in (torch, tc):
        x = M.ones(2, 3, requires_grad=True)
        y = x.mT
        assert y._base is x
        (y * M.arange(6.0).reshape(3, 2)).sum().backward()
        assert x.grad.tolist() == [[0.0, 2.0, 4.0], [1.0, 3.0, 5.0]]


# --- new_* factories ------------------------------------------------------------------------
NEW_PROGRAMS = {
    "new_zeros(2, 3)": lambda M, x: x.new_zeros(2, 3),
    "new_zeros((2, 3))": lambda M, x: x.new_zeros((2, 3)),
    "new_zeros(Size)": lambda M, x: x.new_zeros(x.shape),
    "new_zeros([])": lambda M, x: x.new_zeros([]),
    "new_ones(2, dtype=int64)": lambda M, x: x.new_ones(2, dtype=M.int64),
    "new_ones on a double": lambda M, x: x.double().new_ones(2),
    "new_full((2,), 3)": lambda M, x: x.new_full((2,), 3),
    "new_full(dtype=None)": lambda M, x: x.new_full((2,), 3, dtype=None),
    "new_full(fill_value=)": lambda M, x: x.new_full((2,), fill_value=1.5),
    "new_empty(2).shape": lambda M, x: (x.new_empty(2).shape, x.new_empty(2).dtype),
    "new_empty requires_grad": lambda M, x: x.new_empty((2, 3), requires_grad=True).requires_grad,
    "new_tensor ints": lambda M, x: x.new_tensor([1, 2]),
    "new_tensor on a long": lambda M, x: x.long().new_tensor([1.5, 2]),
    "new_tensor 0-d": lambda M, x: x.new_tensor(3.5),
    "new_tensor(data=)": lambda M, x: x.new_tensor(data=[1]),
    "new_tensor dtype": lambda M, x: x.new_tensor([1, 2], dtype=M.float64),
    "requires_grad": lambda M, x: x.new_zeros(2, requires_grad=True),
    "requires_grad on an int": lambda M, x: x.long().new_zeros(2, requires_grad=True),
    "device=": lambda M, x: x.new_zeros(2, 3, dtype=M.float64, device="cpu"),
    "device='cuda'": lambda M, x: x.new_zeros(2, device="cuda"),
    "pin_memory=False": lambda M, x: x.new_zeros(2, pin_memory=False),
    "pin_memory=True": lambda M, x: x.new_ones(2, pin_memory=True),
    "new_ones()": lambda M, x: x.new_ones(),
}


@pytest.mark.parametrize("name", sorted(NEW_PROGRAMS))
def test_new_factories_as_torch(name):
    same(lambda M: NEW_PROGRAMS[name](M, M.arange(6.0).reshape(2, 3)))


def test_new_tensor_copies_and_warns_on_a_tensor():
    for M in (torch, tc):
        x = M.arange(3.0)
        with pytest.warns(UserWarning, match="sourceTensor.detach"):
            y = x.new_tensor(x)
        y[0] = 5.0
        assert x[0].item() == 0.0 and not y.requires_grad
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        tc.zeros(1).new_tensor(np.arange(3))


# --- mm and bernoulli ----------------------------------------------------------------------
def test_mm_as_torch():
    a, b = np.arange(6.0).reshape(2, 3), np.arange(12.0).reshape(3, 4)
    same(lambda M: M.mm(M.tensor(a), M.tensor(b)))
    same(lambda M: M.tensor(a).mm(M.tensor(b)))
    same(lambda M: M.mm(input=M.tensor(a), mat2=M.tensor(b)))
    same(lambda M: M.mm(M.tensor(a).long(), M.tensor(b).long()))


BERNOULLI_PROGRAMS = {
    "ones": lambda M: M.bernoulli(M.ones(5)),
    "zeros": lambda M: M.bernoulli(M.zeros(2, 3, dtype=M.float64)),
    "p=1": lambda M: M.bernoulli(M.full((3,), 0.5), 1.0),
    "method": lambda M: M.ones(3).bernoulli(),
    "out of [0, 1]": lambda M: M.bernoulli(M.full((3,), 1.5)),
    "int input": lambda M: M.bernoulli(M.ones(3, dtype=M.int64)),
    "generator": lambda M: M.ones(3).bernoulli(generator=M.Generator()),
    "bernoulli_(1)": lambda M: M.zeros(3).bernoulli_(1.0),
    "bernoulli_(0) on an int": lambda M: M.ones(3, dtype=M.int64).bernoulli_(0.0),
    "bernoulli_(tensor)": lambda M: M.zeros(3, 4).bernoulli_(M.ones(4)),
    "bernoulli_(double tensor)": lambda M: M.zeros(2, 2).bernoulli_(M.zeros(2, 2).double()),
    "bernoulli_ returns self": lambda M: (lambda x: x.bernoulli_() is x)(M.zeros(3)),
    "bernoulli_(1.5)": lambda M: M.zeros(3).bernoulli_(1.5),
    "bernoulli_(-0.1)": lambda M: M.zeros(3).bernoulli_(-0.1),
    "bernoulli_ p too big": lambda M: M.zeros(4).bernoulli_(M.ones(3, 4)),
    "bernoulli_ on a leaf requiring grad": lambda M: M.zeros(3, requires_grad=True).bernoulli_(),
    "bernoulli_ under no_grad": lambda M: _under_no_grad(
        M, lambda: M.zeros(2, requires_grad=True).bernoulli_(1.0)),
}


def _under_no_grad(M, fn):
    with M.no_grad():
        return fn()


@pytest.mark.parametrize("name", sorted(BERNOULLI_PROGRAMS))
def test_bernoulli_as_torch(name):
    same(BERNOULLI_PROGRAMS[name])


def test_bernoulli_draws_with_probability_p():
    tc.manual_seed(0)
    x = tc.zeros(20000).bernoulli_(0.3)
    assert abs(x.mean().item() - 0.3) < 0.02 and set(np.unique(x.numpy())) <= {0.0, 1.0}
    p = tc.tensor(np.linspace(0, 1, 11)).expand(4000, 11)
    means = tc.bernoulli(p).numpy().mean(0)
    assert np.allclose(means, np.linspace(0, 1, 11), atol=0.04)
    v = x._version
    x.bernoulli_(0.5)
    assert x._version == v + 1
    g = tc.Generator().manual_seed(3)
    a = tc.zeros(10).bernoulli_(0.5, generator=g)
    g.manual_seed(3)
    assert tc.bernoulli(tc.full((10,), 0.5), generator=g).tolist() == a.tolist()
