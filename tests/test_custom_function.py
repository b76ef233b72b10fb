"""torch's custom ``autograd.Function`` contract: the same programs, written as in torch's
documentation, run on torch and on tinyconv and give the same values, gradients and errors.

Each program takes ``M`` (``torch`` or ``tinyconv``), defines its Functions with
``M.autograd.Function`` exactly as a torch user writes them, and returns what it observed
(arrays, flags, or the type of an error); the test runs it on both and compares.
"""
import warnings

import numpy as np
import pytest
import torch

import tinyconv as tc
from tests.utils import assert_close


def _obs(v):
    """What a program observed, comparable across libraries."""
    if hasattr(v, "detach"):
        return np.array(v.detach().numpy(), copy=True)
    if isinstance(v, (tuple, list)):
        return [_obs(e) for e in v]
    return v


def _same(program, tol=1e-12):
    """Run ``program`` on both libraries; every observation must agree."""
    outs = {}
    for M in (torch, tc):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # torch's own deprecation notes
            outs[M.__name__] = _obs(program(M))
    _compare(outs["tinyconv"], outs["torch"], "result")
    return outs["tinyconv"]


def _compare(c, t, what):
    if isinstance(t, np.ndarray):
        assert isinstance(c, np.ndarray), f"{what}: {c!r} is not an array"
        assert_close(c, t, what=what, tol=1e-12 if t.dtype == np.float64 else 1e-6)
        assert c.dtype == t.dtype, f"{what}: dtype {c.dtype} != {t.dtype}"
    elif isinstance(t, list):
        assert isinstance(c, list) and len(c) == len(t), f"{what}: {c!r} != {t!r}"
        for i, (a, b) in enumerate(zip(c, t)):
            _compare(a, b, f"{what}[{i}]")
    else:
        assert c == t, f"{what}: {c!r} != {t!r}"


def _raises(fn):
    """The name of the exception ``fn()`` raises (None when it does not)."""
    try:
        fn()
    except Exception as e:  # noqa: BLE001 - the type is what is compared
        return type(e).__name__
    return None


def _x(M, values, requires_grad=True):
    return M.tensor(np.asarray(values, dtype=np.float64), requires_grad=requires_grad)


# --------------------------------------------------------------------------- the Functions
# written once, as a torch user does, for either library
def functions(M):
    Function = M.autograd.Function
    once_differentiable = M.autograd.function.once_differentiable

    class Exp(Function):
        @staticmethod
        def forward(ctx, i):
            result = i.exp()
            ctx.save_for_backward(result)
            return result

        @staticmethod
        def backward(ctx, grad_output):
            (result,) = ctx.saved_tensors
            return grad_output * result

    class ClippedReLU(Function):
        @staticmethod
        def forward(ctx, input, clip):
            ctx.save_for_backward(input)
            ctx.clip = clip
            return input.clamp(min=0, max=clip)

        @staticmethod
        def backward(ctx, grad_output):
            (input,) = ctx.saved_tensors
            mask = (input > 0) & (input < ctx.clip)
            return grad_output * mask.to(grad_output.dtype), None

    class MulConstant(Function):
        @staticmethod
        def forward(tensor, constant):
            return tensor * constant

        @staticmethod
        def setup_context(ctx, inputs, output):
            tensor, constant = inputs
            ctx.constant = constant

        @staticmethod
        def backward(ctx, grad_output):
            return grad_output * ctx.constant, None

    class LinearFunction(Function):
        @staticmethod
        def forward(input, weight, bias=None):
            output = input @ weight.t()
            if bias is not None:
                output += bias.unsqueeze(0).expand_as(output)
            return output

        @staticmethod
        def setup_context(ctx, inputs, output):
            input, weight, bias = inputs
            ctx.save_for_backward(input, weight, bias)

        @staticmethod
        def backward(ctx, grad_output):
            input, weight, bias = ctx.saved_tensors
            grad_input = grad_weight = grad_bias = None
            if ctx.needs_input_grad[0]:
                grad_input = grad_output @ weight
            if ctx.needs_input_grad[1]:
                grad_weight = grad_output.t() @ input
            if bias is not None and ctx.needs_input_grad[2]:
                grad_bias = grad_output.sum(0)
            return grad_input, grad_weight, grad_bias

    class AbsWithSign(Function):
        """Two outputs, the second (the sign) marked non-differentiable."""

        @staticmethod
        def forward(ctx, x):
            sign = (x > 0).to(x.dtype) * 2 - 1
            ctx.mark_non_differentiable(sign)
            ctx.save_for_backward(sign)
            return x * sign, sign

        @staticmethod
        def backward(ctx, grad_abs, grad_sign):
            (sign,) = ctx.saved_tensors
            return grad_abs * sign

    class MulInPlace(Function):
        @staticmethod
        def forward(ctx, x, k):
            x.mul_(k)
            ctx.mark_dirty(x)
            ctx.k = k
            return x

        @staticmethod
        def backward(ctx, grad_output):
            return grad_output * ctx.k, None

    class NumpyCube(Function):
        """A backward that leaves the graph (NumPy inside): once differentiable."""

        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return M.tensor(x.detach().numpy() ** 3)

        @staticmethod
        @once_differentiable
        def backward(ctx, grad_output):
            (x,) = ctx.saved_tensors
            return M.tensor(3 * x.detach().numpy() ** 2 * grad_output.numpy())

    class SquareOnceDiff(Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return x * x

        @staticmethod
        @once_differentiable
        def backward(ctx, grad_output):
            (x,) = ctx.saved_tensors
            return 2 * x * grad_output

    class ScaleAndCount(Function):
        """Non-tensor outputs next to a Tensor; backward gets None for them."""

        @staticmethod
        def forward(ctx, x, scale):
            ctx.scale = scale
            return x * scale, int(x.numel()), "done"

        @staticmethod
        def backward(ctx, grad, grad_count, grad_msg):
            assert grad_count is None and grad_msg is None
            return grad * ctx.scale, None

    class TwoOutputs(Function):
        @staticmethod
        def forward(ctx, x):
            ctx.set_materialize_grads(False)
            return x * 2, x * 3

        @staticmethod
        def backward(ctx, ga, gb):
            g = None
            if ga is not None:
                g = ga * 2
            if gb is not None:
                g = gb * 3 if g is None else g + gb * 3
            return g

    return {k: v for k, v in locals().items() if isinstance(v, type)}


# --------------------------------------------------------------------------- values, grads
def test_exp_forward_backward_and_second_derivative():
    def program(M):
        F = functions(M)
        x = _x(M, [0.5, -1.0, 2.0])
        y = F["Exp"].apply(x)
        (g,) = M.autograd.grad((y * y).sum(), x, create_graph=True)
        (gg,) = M.autograd.grad(g.sum(), x)
        return y, g, gg, y.grad_fn.name()

    assert _same(program)[3] == "ExpBackward"


def test_clipped_relu_takes_a_python_value_positionally():
    def program(M):
        F = functions(M)
        x = _x(M, [-1.0, 0.3, 0.7, 2.5])
        y = F["ClippedReLU"].apply(x, 1.0)
        y.backward(_x(M, [1.0, 2.0, 3.0, 4.0], False))
        return y, x.grad

    _same(program)


def test_setup_context_style():
    def program(M):
        F = functions(M)
        x = _x(M, [1.0, 2.0])
        a = F["MulConstant"].apply(x, 3.0)
        b = F["MulConstant"].apply(x, constant=-0.5)
        (a.sum() + b.sum()).backward()
        return a, b, x.grad

    _same(program)


@pytest.mark.parametrize("with_bias", [True, False])
@pytest.mark.parametrize("needs", ["all", "input only", "weight only"])
def test_linear_function_with_needs_input_grad(with_bias, needs):
    rng = np.random.default_rng(0)
    xs, ws, bs = rng.standard_normal((4, 3)), rng.standard_normal((2, 3)), rng.standard_normal(2)

    def program(M):
        F = functions(M)
        x = _x(M, xs, needs != "weight only")
        w = _x(M, ws, needs != "input only")
        b = _x(M, bs) if with_bias else None
        y = F["LinearFunction"].apply(x, w, b)
        (y * y).sum().backward()
        return y, x.grad, w.grad, None if b is None else b.grad

    _same(program)


def test_non_differentiable_second_output():
    def program(M):
        F = functions(M)
        x = _x(M, [-2.0, 0.5, 3.0])
        y, sign = F["AbsWithSign"].apply(x)
        (y * sign).sum().backward()
        return y, sign, sign.requires_grad, sign.grad_fn is None, y.requires_grad, x.grad

    _same(program)


def test_non_tensor_outputs():
    def program(M):
        F = functions(M)
        x = _x(M, [1.0, 2.0])
        y, n, msg = F["ScaleAndCount"].apply(x, 4.0)
        y.sum().backward()
        return y, n, msg, x.grad

    _same(program)


@pytest.mark.parametrize("which", ["a", "b", "both"])
def test_materialize_grads_off(which):
    def program(M):
        F = functions(M)
        x = _x(M, [1.0, 2.0])
        a, b = F["TwoOutputs"].apply(x)
        loss = {"a": a.sum(), "b": b.sum(), "both": a.sum() + b.sum()}[which]
        loss.backward()
        return x.grad

    _same(program)


def test_input_returned_as_is_becomes_a_view():
    def program(M):
        class Ident(M.autograd.Function):
            @staticmethod
            def forward(ctx, x):
                return x

            @staticmethod
            def backward(ctx, g):
                return g * 2

        leaf = _x(M, [1.0, 2.0])
        x = leaf * 1
        y = Ident.apply(x)
        y.sum().backward()
        return y is x, y._base is x, y.grad_fn.name(), leaf.grad, _raises(lambda: y.add_(1))

    _same(program)


def test_needs_input_grad_and_grad_mode_inside():
    def program(M):
        seen = []

        class Probe(M.autograd.Function):
            @staticmethod
            def forward(ctx, x, k, y=None):
                seen.append((ctx.needs_input_grad, M.is_grad_enabled()))
                return x * k

            @staticmethod
            def backward(ctx, g):
                seen.append(M.is_grad_enabled())
                return g, None, None

        x = _x(M, [1.0])
        Probe.apply(x, 2.0).sum().backward()
        with M.no_grad():
            Probe.apply(x, 2.0)
        Probe.apply(_x(M, [1.0], False), 2.0)
        Probe.apply(x, 2.0, _x(M, [1.0]))
        return seen

    _same(program)


def test_in_place_forward_with_mark_dirty():
    def program(M):
        F = functions(M)
        leaf = _x(M, [1.0, 2.0, 3.0])
        x = leaf * 1
        y = F["MulInPlace"].apply(x, 2.0)
        same, name = y is x, y.grad_fn.name()
        (y * y).sum().backward()
        g1 = leaf.grad.clone()
        leaf.grad = None
        base = leaf * 1
        view = base[1:]
        F["MulInPlace"].apply(view, 3.0)
        base.sum().backward()
        err = _raises(lambda: F["MulInPlace"].apply(_x(M, [1.0]), 2.0))
        viewed_leaf = M.arange(6.0).reshape(2, 3).requires_grad_()  # a leaf made from a view
        err_view_leaf = _raises(lambda: F["MulInPlace"].apply(viewed_leaf, 2.0))
        with M.no_grad():
            z = _x(M, [1.0, 2.0])
            zz = F["MulInPlace"].apply(z, 2.0)
        return (same, name, y, g1, base, leaf.grad, err, err_view_leaf, viewed_leaf, z,
                zz is z, zz.requires_grad)

    _same(program)


def test_a_saved_tensor_modified_in_place_raises():
    def program(M):
        F = functions(M)
        out = []
        x = _x(M, [0.5, 1.0])
        y = F["Exp"].apply(x)  # saves its output
        with M.no_grad():
            y.add_(1)
        out.append(_raises(lambda: y.sum().backward()))
        y = F["Exp"].apply(x)
        y.add_(1)  # recorded, but the saved output changed all the same
        out.append(_raises(lambda: y.sum().backward()))
        h = x * 1
        y = F["ClippedReLU"].apply(h, 0.8)  # saves its input
        h.mul_(2)
        out.append(_raises(lambda: y.sum().backward()))
        y = F["ClippedReLU"].apply(x, 0.8)
        with M.no_grad():
            x.add_(1)
        out.append(_raises(lambda: y.sum().backward()))
        return out

    assert _same(program) == ["RuntimeError"] * 4

    def through_data(M):
        # as in torch, .data has a version counter of its own: the write goes unnoticed
        x = M.tensor([0.5, 1.0], dtype=M.float64, requires_grad=True)
        y = functions(M)["ClippedReLU"].apply(x, 0.8)
        x.data.add_(1)
        y.sum().backward()
        return x.grad.tolist()

    assert _same(through_data) == through_data(torch)


def test_once_differentiable():
    def program(M):
        F = functions(M)
        x = _x(M, [1.0, 2.0])
        y = F["NumpyCube"].apply(x)
        y.sum().backward()
        g1 = x.grad
        (g,) = M.autograd.grad((F["SquareOnceDiff"].apply(x) ** 2).sum(), x,
                               create_graph=True)
        return (y, g1, g, g.requires_grad, _raises(lambda: g.sum().backward()),
                _raises(lambda: M.autograd.grad(F["NumpyCube"].apply(x).sum(), x,
                                                create_graph=True)))

    _same(program)
    x = tc.tensor([1.0, 2.0], dtype=tc.float64, requires_grad=True)
    (g,) = tc.autograd.grad((functions(tc)["SquareOnceDiff"].apply(x) ** 2).sum(), x,
                            create_graph=True)
    with pytest.raises(RuntimeError, match="differentiate twice.*once_differentiable"):
        g.sum().backward()


def test_backward_returning_the_wrong_things():
    def program(M):
        Function = M.autograd.Function

        def fn(result):
            class Fn(Function):
                @staticmethod
                def forward(ctx, x, k):
                    return x * k

                @staticmethod
                def backward(ctx, g):
                    return result(g)
            return Fn

        x = _x(M, [1.0, 2.0])
        outcomes = []
        for result in (lambda g: g,                      # too few
                       lambda g: (g, None, g),           # too many
                       lambda g: (g, None, None, None),  # extra trailing Nones: fine
                       lambda g: (g, g),                 # a gradient for a Python value
                       lambda g: (1.0, None),            # not a Tensor
                       lambda g: (M.ones(3, dtype=M.float64), None),     # wrong shape
                       lambda g: (M.ones(4, 2, dtype=M.float64), None),  # broadcast: summed
                       lambda g: (M.ones(2, dtype=M.float32), None)):    # cast to input's
            x.grad = None
            outcomes.append(_raises(fn(result).apply(x, 3.0).sum().backward))
            outcomes.append(x.grad)
        return outcomes

    _same(program)


def test_errors_of_the_contract():
    def program(M):
        Function = M.autograd.Function

        class SavesANumber(Function):
            @staticmethod
            def forward(ctx, x):
                ctx.save_for_backward(x, 3)
                return x

        class NoBackward(Function):
            @staticmethod
            def forward(ctx, x):
                return x * 2

        class Saves(Function):
            @staticmethod
            def forward(ctx, x):
                ctx.save_for_backward(x)
                return x * 2

            @staticmethod
            def backward(ctx, g):
                return g * 2

        x = _x(M, [1.0])
        y = Saves.apply(x).sum()
        y.backward()
        return [_raises(lambda: SavesANumber.apply(x)), _raises(lambda: Function.apply(x)),
                _raises(lambda: NoBackward.apply(x).sum().backward()),
                _raises(y.backward), _raises(lambda: SavesANumber()(x))]

    _same(program)


def test_an_integer_output_is_not_differentiable_and_gets_zeros():
    def program(M):
        class WithIndex(M.autograd.Function):
            @staticmethod
            def forward(ctx, x):
                return x * 2, (x > 0).long()

            @staticmethod
            def backward(ctx, g, gi):
                return g * 2 + gi.to(g.dtype)

        x = _x(M, [-1.0, 1.0])
        y, i = WithIndex.apply(x)
        y.sum().backward()
        return y, i, i.requires_grad, x.grad

    _same(program)


# --------------------------------------------------------------------------- gradcheck
@pytest.mark.parametrize("name", ["Exp", "ClippedReLU", "MulConstant", "LinearFunction",
                                  "AbsWithSign", "TwoOutputs", "SquareOnceDiff"])
def test_gradcheck(name):
    F = functions(tc)
    rng = np.random.default_rng(1)

    def t(*shape):
        return tc.tensor(rng.standard_normal(shape), requires_grad=True)

    x = t(3, 4)
    calls = {
        "Exp": (F["Exp"].apply, (x,)),
        "ClippedReLU": (lambda a: F["ClippedReLU"].apply(a, 0.9), (x,)),
        "MulConstant": (lambda a: F["MulConstant"].apply(a, 2.5), (x,)),
        "LinearFunction": (F["LinearFunction"].apply, (x, t(2, 4), t(2))),
        "AbsWithSign": (lambda a: F["AbsWithSign"].apply(a)[0], (x,)),
        "TwoOutputs": (F["TwoOutputs"].apply, (x,)),
        "SquareOnceDiff": (F["SquareOnceDiff"].apply, (x,)),
    }
    fn, inputs = calls[name]
    assert tc.autograd.gradcheck(fn, inputs)
    if name in ("Exp", "MulConstant", "LinearFunction"):  # backward written with tensor ops
        assert tc.autograd.gradgradcheck(fn, inputs)


def test_inplace_in_grad_mode_on_a_custom_functions_alias_of_an_input_raises():
    class Ident(tc.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            return x

        @staticmethod
        def backward(ctx, g):
            return g

    y = Ident.apply(tc.ones(2, requires_grad=True) * 1)
    with pytest.raises(RuntimeError, match="view and is being modified inplace"):
        y.add_(1)
    z = Ident.apply(tc.ones(2))  # nothing requires grad: a plain alias
    z.add_(1)
