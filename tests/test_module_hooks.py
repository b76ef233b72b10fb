"""Module hooks against torch: full backward hooks and pre-hooks (values, replacement, order,
removal, global ones), and forward hooks with kwargs / always_call.

Each program takes ``M`` (``torch`` or ``tinyconv``), builds the same network from the same
weights, records what its hooks see, and returns the record; the test runs it on both.
"""
import warnings

import numpy as np
import pytest
import torch

import tinyconv as tc
import tinyconv.nn.module as tc_module
from tests.utils import assert_close


def _obs(v):
    if hasattr(v, "detach"):
        return np.array(v.detach().numpy(), copy=True)
    if isinstance(v, (tuple, list)):
        return [_obs(e) for e in v]
    return v


def _compare(c, t, what="result"):
    if isinstance(t, np.ndarray):
        assert isinstance(c, np.ndarray), f"{what}: {c!r} is not an array"
        assert_close(c, t, what=what, tol=1e-11)
    elif isinstance(t, list):
        assert isinstance(c, list) and len(c) == len(t), f"{what}: {c!r} != {t!r}"
        for i, (a, b) in enumerate(zip(c, t)):
            _compare(a, b, f"{what}[{i}]")
    else:
        assert c == t, f"{what}: {c!r} != {t!r}"


def _same(program):
    outs = {}
    for M in (torch, tc):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            outs[M.__name__] = _obs(program(M))
    _compare(outs["tinyconv"], outs["torch"])
    return outs["tinyconv"]


def _shapes(grads):
    return [None if g is None else list(g.shape) for g in grads]


def _net(M):
    """A small conv net with the same float64 weights in both libraries."""
    nn, F = M.nn, M.nn.functional

    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.conv1 = nn.Conv2d(3, 4, 3, padding=1)
            self.relu = nn.ReLU()
            self.conv2 = nn.Conv2d(4, 6, 3)
            self.pool = nn.AdaptiveAvgPool2d(1)
            self.fc = nn.Linear(6, 5)

        def forward(self, x):
            x = self.relu(self.conv1(x))
            x = F.relu(self.conv2(x))
            return self.fc(self.pool(x).flatten(1))

    net = Net().double()
    rng = np.random.default_rng(0)
    net.load_state_dict({k: M.tensor(0.3 * rng.standard_normal(tuple(v.shape)))
                         for k, v in net.state_dict().items()})
    x = M.tensor(rng.standard_normal((2, 3, 8, 8)))
    return net, x


def test_grad_cam_with_a_forward_hook_and_a_full_backward_hook():
    def program(M):
        net, x = _net(M)
        store = {}
        h1 = net.conv2.register_forward_hook(lambda m, args, out: store.update(A=out))
        h2 = net.conv2.register_full_backward_hook(
            lambda m, gin, gout: store.update(dA=gout[0], dX=gin[0]))
        score = net(x)[:, 1].sum()
        score.backward()
        h1.remove()
        h2.remove()
        A, dA = store["A"], store["dA"]
        weights = dA.mean(dim=(2, 3), keepdim=True)
        cam = M.nn.functional.relu((weights * A).sum(dim=1))
        store.clear()
        net(x).sum().backward()  # removed: nothing recorded
        return cam, dA, store["dX"] if "dX" in store else None, net.conv1.weight.grad, \
            sorted(store)

    _same(program)


def test_order_of_backward_hooks_and_what_they_see():
    def program(M):
        net, x = _net(M)
        log = []
        for name, m in net.named_children():
            m.register_forward_pre_hook(lambda mod, args, n=name: log.append(("fpre", n)))
            m.register_forward_hook(lambda mod, args, out, n=name: log.append(("f", n)))
            m.register_full_backward_pre_hook(
                lambda mod, gout, n=name: log.append(("bpre", n, _shapes(gout))))
            m.register_full_backward_hook(
                lambda mod, gin, gout, n=name: log.append(("b", n, _shapes(gin),
                                                           _shapes(gout))))
        net.fc.register_full_backward_hook(lambda mod, gin, gout: log.append("fc second"))
        net.fc.register_full_backward_hook(lambda mod, gin, gout: log.append("fc first"),
                                           prepend=True)
        net.fc.register_full_backward_pre_hook(lambda mod, gout: log.append("fc pre first"),
                                               prepend=True)
        net(x).sum().backward()
        return log

    log = _same(program)
    assert ["b", "conv1", [None], [[2, 4, 8, 8]]] in log  # the image needs no gradient


def test_hooks_replace_gradients():
    def program(M):
        net, x = _net(M)
        out = []
        h = net.relu.register_full_backward_hook(lambda m, gin, gout: (gin[0] * 2,))
        net(x).sum().backward()
        out.append(net.conv1.weight.grad.clone())
        h.remove()
        net.zero_grad()
        h = net.pool.register_full_backward_pre_hook(lambda m, gout: (gout[0] * -3,))
        net(x).sum().backward()
        out += [net.conv1.weight.grad.clone(), net.fc.weight.grad.clone()]
        h.remove()
        net.zero_grad()
        net.fc.register_full_backward_pre_hook(lambda m, gout: None)
        net.fc.register_full_backward_hook(lambda m, gin, gout: (None,))  # cut the graph
        net(x).sum().backward()
        out += [net.conv1.weight.grad, net.fc.weight.grad.clone()]
        return out

    _same(program)


def test_several_inputs_python_values_and_kwargs():
    def program(M):
        class Two(M.nn.Module):
            def forward(self, a, s, b, scale=1.0):
                return a * s + b * scale, a - b

        log = []
        t = Two()
        t.register_full_backward_hook(lambda m, gin, gout: log.append(("b", gin, gout)))
        t.register_full_backward_pre_hook(lambda m, gout: log.append(("pre", gout)))
        a = M.tensor([1.0, 2.0], requires_grad=True)
        b = M.tensor([3.0, 4.0])
        o1, o2 = t(a, 3.0, b, scale=2.0)
        (o1.sum() * 2).backward()
        c = M.tensor([1.0, 1.0], requires_grad=True)
        o1, o2 = t(a, 3.0, c)
        (o1.sum() + 5 * o2.sum()).backward()
        return log, a.grad, c.grad

    _same(program)


def test_a_module_whose_inputs_need_no_gradient_fires_with_the_output_gradients():
    def program(M):
        m = M.nn.Linear(3, 2).double()
        log = []
        m.register_full_backward_hook(lambda mod, gin, gout: log.append((gin, gout)))
        m(M.ones(4, 3, dtype=M.float64)).sum().backward()
        bad = M.nn.Linear(3, 2).double()
        bad.register_full_backward_hook(lambda mod, gin, gout: (M.ones(1),))
        try:
            bad(M.ones(4, 3, dtype=M.float64)).sum().backward()
            err = None
        except RuntimeError as e:
            err = "should always return None" in str(e)
        return log, err

    _same(program)
    m = tc.nn.Linear(3, 2)
    m.register_full_backward_hook(lambda *a: None)
    with pytest.warns(UserWarning, match="no inputs require gradients"):
        m(tc.ones(1, 3)).sum().backward()


def test_wrong_number_of_replacement_gradients():
    def program(M):
        out = []
        for kind in ("hook", "pre"):
            m = M.nn.Linear(3, 2)
            if kind == "hook":
                m.register_full_backward_hook(lambda mod, gin, gout: (gin[0], gin[0]))
            else:
                m.register_full_backward_pre_hook(lambda mod, gout: (gout[0], gout[0]))
            try:
                m(M.ones(1, 3, requires_grad=True)).sum().backward()
                out.append(None)
            except RuntimeError as e:
                out.append(str(e).split(",")[0])
        return out

    assert _same(program) == ["Backward hook returned an invalid number of grad_input",
                              "Backward pre hook returned an invalid number of grad_output"]


def test_global_backward_hooks_run_first():
    def program(M):
        mod = torch.nn.modules.module if M is torch else tc_module
        log = []
        m = M.nn.Sequential(M.nn.Linear(3, 2), M.nn.Tanh())
        m[1].register_full_backward_hook(lambda *a: log.append("tanh own"))
        m[1].register_full_backward_pre_hook(lambda *a: log.append("tanh own pre"))
        handles = [
            mod.register_module_full_backward_hook(
                lambda mm, gin, gout: log.append(("global", type(mm).__name__))),
            mod.register_module_full_backward_pre_hook(
                lambda mm, gout: log.append(("global pre", type(mm).__name__)))]
        try:
            m(M.ones(1, 3, requires_grad=True)).sum().backward()
        finally:
            for h in handles:
                h.remove()
        m(M.ones(1, 3, requires_grad=True)).sum().backward()
        return log

    _same(program)


def test_an_in_place_write_into_a_hooked_modules_output_raises_as_in_torch():
    def program(M):
        m = M.nn.Linear(2, 2)
        m.register_full_backward_hook(lambda *a: None)
        y = m(M.ones(1, 2, requires_grad=True))
        try:
            y.add_(1)
            return None
        except RuntimeError as e:
            return "is a view and is being modified inplace" in str(e)

    assert _same(program) is True


def test_an_in_place_write_into_a_hooked_modules_input_inside_forward_raises():
    def program(M):
        class Doubler(M.nn.Module):
            def forward(self, x):
                return x.mul_(2)

        m = Doubler()
        m.register_full_backward_hook(lambda *a: None)
        try:
            m(M.ones(2, requires_grad=True) * 1)
            return None
        except RuntimeError as e:
            return "is a view and is being modified inplace" in str(e)

    assert _same(program) is True


def test_no_backward_hook_calls_without_grad_mode_or_inputs_needing_it():
    def program(M):
        log = []
        m = M.nn.Linear(2, 2)
        m.register_full_backward_hook(lambda *a: log.append("b"))
        with M.no_grad():
            y = m(M.ones(1, 2, requires_grad=True))
        return log, y.requires_grad, y.grad_fn is None

    _same(program)


# --------------------------------------------------------------------------- forward hooks
def test_forward_hooks_with_kwargs_and_always_call():
    def program(M):
        mod = torch.nn.modules.module if M is torch else tc_module
        log = []

        class Scale(M.nn.Module):
            def forward(self, x, k=1.0):
                if k < 0:
                    raise ValueError("negative")
                return x * k

        m = Scale()
        m.register_forward_pre_hook(
            lambda mm, args, kwargs: (args, {**kwargs, "k": kwargs.get("k", 1.0) * 2}),
            with_kwargs=True)
        m.register_forward_hook(lambda mm, args, kwargs, out: log.append(("kw", kwargs["k"])),
                                with_kwargs=True)
        m.register_forward_hook(lambda mm, args, out: log.append(("always", out is None)),
                                always_call=True)
        h = mod.register_module_forward_hook(
            lambda mm, args, kwargs, out: log.append(("global kw", sorted(kwargs))),
            with_kwargs=True)
        g = mod.register_module_forward_hook(
            lambda mm, args, out: log.append("global always"), always_call=True)
        try:
            y = m(M.ones(2), k=3.0)
            try:
                m(M.ones(2), k=-1.0)
            except ValueError:
                log.append("raised")
        finally:
            h.remove()
            g.remove()
        return log, y

    _same(program)


def test_forward_hooks_on_an_exception_in_a_pre_hook_and_a_failing_always_call_hook():
    def program(M):
        log = []
        m = M.nn.Identity()

        def bad_pre(mm, args):
            raise KeyError("pre")

        m.register_forward_pre_hook(bad_pre)
        m.register_forward_hook(lambda mm, args, out: log.append(("always", out)),
                                always_call=True)
        try:
            m(M.ones(1))
        except KeyError:
            log.append("raised")
        m2 = M.nn.Identity()
        m2.register_forward_hook(lambda mm, args, out: 1 / 0, always_call=True)
        m2.register_forward_pre_hook(bad_pre)
        with warnings.catch_warnings(record=True) as w:
            warnings.simplefilter("always")
            try:
                m2(M.ones(1))
            except KeyError:
                log.append("raised 2")
        log.append(any("always_call=True" in str(x.message) for x in w))
        return log

    _same(program)


# --------------------------------------------------------------------------- node hooks
def test_graph_node_hooks_see_and_replace_gradients():
    def program(M):
        log = []
        x = M.tensor([1.0, -2.0, 3.0], requires_grad=True)
        w = M.tensor([0.5, 0.25, 2.0], requires_grad=True)
        y = x * w
        h1 = y.grad_fn.register_prehook(
            lambda gout: log.append(("pre", gout)) or (gout[0] * 2,))
        y.grad_fn.register_hook(lambda gin, gout: log.append(("post", gin, gout)))
        y.grad_fn.register_hook(lambda gin, gout: (gin[0], None))  # cut w's gradient
        z = (y * y).sum()
        z.backward(retain_graph=True)
        out = [x.grad.clone(), w.grad]
        h1.remove()
        x.grad = None
        z.backward()
        return log, out, x.grad

    _same(program)
