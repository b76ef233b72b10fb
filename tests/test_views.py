"""Views side by side with torch: for each op, whether the result shares memory with its input,
is a view of it (``_base``), is the input itself, and sees the input's in-place writes (values
and version counter) — and where torch copies, tinyconv copies too."""
import pytest
import torch

import tinyconv as tc

# each op on a (2, 3, 4) tensor ``b``
OPS = {
    "view": lambda b: b.view(6, 4),
    "view(-1)": lambda b: b.view(-1),
    "view, same shape": lambda b: b.view(2, 3, 4),
    "view(Size)": lambda b: b.view(b.shape),
    "view_as": lambda b: b.view_as(b.new_zeros(4, 6)),
    "reshape, contiguous": lambda b: b.reshape(6, 4),
    "reshape, same shape": lambda b: b.reshape(2, 3, 4),
    "reshape, not contiguous": lambda b: b.transpose(0, 1).reshape(-1),
    "reshape_as": lambda b: b.reshape_as(b.new_zeros(4, 6)),
    "slice": lambda b: b[1:],
    "slice with a step": lambda b: b[:, ::2],
    "int index": lambda b: b[0],
    "int index of every dim": lambda b: b[1, 2, 3],
    "ellipsis": lambda b: b[...],
    "None index": lambda b: b[None],
    "view of a view": lambda b: b[0][1],
    "integer-array index": lambda b: b[[0, 1]],
    "boolean mask": lambda b: b[b > 3],
    "transpose": lambda b: b.transpose(0, 1),
    "transpose(1, 1)": lambda b: b.transpose(1, 1),
    "permute": lambda b: b.permute(2, 0, 1),
    "permute, identity": lambda b: b.permute(0, 1, 2),
    "expand": lambda b: b.unsqueeze(0).expand(2, 2, 3, 4),
    "expand, same shape": lambda b: b.expand(2, 3, 4),
    "expand_as": lambda b: b.expand_as(b.new_zeros(2, 2, 3, 4)),
    "squeeze": lambda b: b.unsqueeze(0).squeeze(0),
    "squeeze, nothing to remove": lambda b: b.squeeze(),
    "squeeze(0), size 2": lambda b: b.squeeze(0),
    "unsqueeze": lambda b: b.unsqueeze(1),
    "t": lambda b: b[0].t(),
    "t of 1-d": lambda b: b[0, 0].t(),
    "T": lambda b: b[0].T,
    "mT": lambda b: b.mT,
    "narrow": lambda b: b.narrow(1, 1, 2),
    "select": lambda b: b.select(1, 1),
    "diagonal": lambda b: b.diagonal(),
    "diagonal(1, 1, 2)": lambda b: b.diagonal(1, 1, 2),
    "detach": lambda b: b.detach(),
    ".data": lambda b: b.data,
    "flatten, contiguous": lambda b: b.flatten(),
    "flatten(1)": lambda b: b.flatten(1),
    "flatten(0, 0)": lambda b: b.flatten(0, 0),
    "flatten of 1-d": lambda b: b[0, 0].flatten(),
    "flatten, not contiguous": lambda b: b.transpose(0, 1).flatten(),
    "contiguous": lambda b: b.contiguous(),
    "contiguous of a transpose": lambda b: b.transpose(0, 1).contiguous(),
    "clone": lambda b: b.clone(),
    "to(same dtype)": lambda b: b.to(b.dtype),
    "float() of a float": lambda b: b.float(),
    "double()": lambda b: b.double(),
    "type(own type)": lambda b: b.type(b.type()),
}


def relation(M, op, grad):
    """How ``op(b)`` relates to ``b``; ``grad``: b is a non-leaf that requires grad."""
    b = M.arange(24.0).reshape(2, 3, 4).clone()
    if grad:
        b = b.requires_grad_() * 1.0
    y = op(b)
    shares = y.untyped_storage().data_ptr() == b.untyped_storage().data_ptr()
    before = (b._version, y._version)
    with M.no_grad():
        b.add_(100.0)                                    # write the input...
    seen = min(y.detach().reshape(-1).tolist()) >= 100    # ...does the result see it?
    return {"is input": y is b, "shares memory": shares, "base is input": y._base is b,
            "is a view": y._is_view(), "sees writes": seen if shares else False,
            "versions bumped (input, result)": (b._version - before[0],
                                                y._version - before[1])}


@pytest.mark.parametrize("grad", [False, True], ids=["plain", "non-leaf requiring grad"])
@pytest.mark.parametrize("name", list(OPS))
def test_views_as_torch(name, grad):
    assert relation(tc, OPS[name], grad) == relation(torch, OPS[name], grad)


WRITES = {
    "view": lambda b: b.view(-1),
    "slice": lambda b: b[1],
    "transpose": lambda b: b.transpose(0, 2),
    "int index of every dim": lambda b: b[1, 2, 3],
    "narrow": lambda b: b.narrow(2, 1, 2),
    "select": lambda b: b.select(2, 0),
    "diagonal": lambda b: b.diagonal(0, 1, 2),
    "view, same shape": lambda b: b.view(b.shape),
    "expand, same shape": lambda b: b.expand(2, 3, 4),
}


@pytest.mark.parametrize("name", list(WRITES))
def test_writing_a_view_writes_its_base(name):
    def program(M):
        b = M.arange(24.0).reshape(2, 3, 4).clone()
        y = WRITES[name](b)
        y.mul_(-1.0)
        return b.tolist(), y.tolist(), b._version, y._version
    assert program(tc) == program(torch)


@pytest.mark.parametrize("name", list(WRITES))
def test_in_place_on_a_view_keeps_gradients_as_torch(name):
    def program(M):
        leaf = M.arange(24.0).reshape(2, 3, 4).requires_grad_()
        b = leaf * 1.0
        y = WRITES[name](b)
        y.mul_(-2.0)
        (b * b).sum().backward()
        return leaf.grad.tolist(), b.tolist()
    assert program(tc) == program(torch)


@pytest.mark.parametrize("name", ["view, same shape", "expand, same shape", "transpose"])
def test_in_place_on_a_view_of_a_leaf_raises_as_torch(name):
    for M in (torch, tc):
        leaf = M.ones(2, 3, 4, requires_grad=True)
        with pytest.raises(RuntimeError, match="view of a leaf Variable"):
            WRITES[name](leaf).mul_(2.0)


def test_a_no_op_view_is_recorded():
    """``x.view(x.shape)`` is a new tensor in the graph, not ``x`` (as torch)."""
    for M in (torch, tc):
        x = M.ones(2, 3, requires_grad=True)
        for y in (x.view(2, 3), x.reshape(2, 3), x.permute(0, 1), x.squeeze(), x.expand(2, 3)):
            assert y is not x and y.grad_fn is not None and y._base is x
        assert x.flatten(1, 1) is x and x.contiguous() is x


def test_a_saved_view_sees_writes_to_its_base():
    for M in (torch, tc):
        b = M.ones(3, requires_grad=True) * 1.0
        v = b[1:]
        y = (v * v).sum()            # saves v
        with M.no_grad():
            b[0] = 5.0               # writes b: v shares its version counter
        with pytest.raises(RuntimeError, match="modified by an inplace operation"):
            y.backward()


# in-place view ops: the tensor itself changes shape (same object and storage)
INPLACE_VIEWS = {
    "unsqueeze_(0)": lambda x: x.unsqueeze_(0),
    "unsqueeze_(-1)": lambda x: x.unsqueeze_(-1),
    "unsqueeze_(4)": lambda x: x.unsqueeze_(4),
    "squeeze_()": lambda x: x.unsqueeze_(1).squeeze_(),
    "squeeze_(0), size 2": lambda x: x.squeeze_(0),
    "t_": lambda x: x.t_(),
    "t_ of 3-d": lambda x: x.unsqueeze_(0).t_(),
    "transpose_": lambda x: x.unsqueeze_(0).transpose_(0, 2),
    "swapdims_": lambda x: x.swapdims_(0, 1),
    "swapaxes_": lambda x: x.swapaxes_(1, 0),
}
SETUPS = ["plain", "non-leaf", "leaf requiring grad", "leaf under no_grad",
          "view of a non-leaf", "view of a leaf requiring grad", "leaf made from a view"]


def inplace_view_program(M, op, setup):
    """Apply ``op`` in place to a (2, 3) tensor made as ``setup``; what it became: shape,
    identity, sharing, version, values, then the gradient through it (or the error type)."""
    a = M.tensor([[0.0, 1, 2], [3, 4, 5]], requires_grad=setup != "plain")
    if setup == "leaf made from a view":
        a = M.arange(6.0).reshape(2, 3).requires_grad_()
    if setup in ("plain", "leaf requiring grad", "leaf under no_grad", "leaf made from a view"):
        x = a
    elif setup == "non-leaf":
        x = a * 2
    else:
        x = (a * 2 if setup == "view of a non-leaf" else a)[:, :]
    try:
        if setup == "leaf under no_grad":
            with M.no_grad():
                y = op(x)
        else:
            y = op(x)
    except Exception as e:  # noqa: BLE001 - compared with torch's
        return "raises", type(e)
    got = [tuple(x.shape), y is x, x._version, x.detach().numpy().tolist(),
           x.is_contiguous(), x.requires_grad, x.is_leaf]
    if x.requires_grad and not x.is_leaf:
        (x * M.arange(float(x.numel())).reshape(x.shape)).sum().backward()
        got.append(a.grad.numpy().tolist())
    return got


@pytest.mark.parametrize("setup", SETUPS)
@pytest.mark.parametrize("name", sorted(INPLACE_VIEWS))
def test_in_place_view_ops_as_torch(name, setup):
    want = inplace_view_program(torch, INPLACE_VIEWS[name], setup)
    got = inplace_view_program(tc, INPLACE_VIEWS[name], setup)
    assert got == want


@pytest.mark.parametrize("op", ["add_", "mul_", "zero_", "setitem"])
def test_in_place_on_a_leaf_made_from_a_view_raises_as_torch(op):
    # requires_grad_() on a view (reshape of arange) makes a leaf: writing it in place is
    # torch's leaf error (tinyconv wrote it, as for the view of a tensor without grad)
    for M in (torch, tc):
        a = M.arange(6.0).reshape(2, 3).requires_grad_()
        with pytest.raises(RuntimeError, match="leaf Variable"):
            if op == "setitem":
                a[0, 0] = 1.0
            else:
                getattr(a, op)(*([2.0] if op != "zero_" else []))
