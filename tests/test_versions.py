"""Version counters side by side with torch: an optimizer step is an in-place write of each
parameter it updates, so ``p._version`` moves and a graph that saved ``p`` before the step
refuses to backward, as in torch; ``.data`` and ``detach()`` share versions where torch's do."""
import numpy as np
import pytest
import torch

import tinyconv as tc

CONFIGS = [
    ("SGD", dict(lr=0.1)),
    ("SGD", dict(lr=0.1, momentum=0.9, weight_decay=0.1, nesterov=True)),
    ("SGD", dict(lr=0.1, maximize=True)),
    ("Adam", dict()),
    ("Adam", dict(amsgrad=True, weight_decay=0.1)),
    ("Adam", dict(weight_decay=0.1, decoupled_weight_decay=True)),
    ("AdamW", dict()),
    ("RMSprop", dict(momentum=0.5, centered=True)),
    ("Adagrad", dict()),
    ("Adadelta", dict()),
    ("Adamax", dict()),
    ("NAdam", dict()),
    ("RAdam", dict(decoupled_weight_decay=True, weight_decay=0.1)),
    ("ASGD", dict()),
    ("Rprop", dict()),
]


def _bumps(M, name, kw, steps=3):
    """Per step, which of two parameters (only the first has a gradient) changed version."""
    p = M.nn.Parameter(M.ones(3))
    q = M.nn.Parameter(M.ones(2))
    opt = getattr(M.optim, name)([p, q], **kw)
    seen = []
    for _ in range(steps):
        opt.zero_grad()
        (p * p).sum().backward()
        vp, vq = p._version, q._version
        opt.step()
        seen.append((p._version > vp, q._version > vq))
    return seen, p.detach().numpy().copy()


@pytest.mark.parametrize("name,kw", CONFIGS, ids=[f"{n}{kw or ''}" for n, kw in CONFIGS])
def test_a_step_bumps_what_it_updates(name, kw):
    (ta, tp), (ca, cp) = _bumps(torch, name, kw), _bumps(tc, name, kw)
    assert ca == ta == [(True, False)] * 3
    np.testing.assert_allclose(cp, tp, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("M", [torch, tc], ids=["torch", "tinyconv"])
def test_lbfgs_bumps_the_parameters(M):
    p = M.nn.Parameter(M.zeros(3))
    opt = M.optim.LBFGS([p], max_iter=5)

    def closure():
        opt.zero_grad()
        loss = ((p - 2.0) ** 2).sum()
        loss.backward()
        return loss
    v = p._version
    opt.step(closure)
    assert p._version > v
    assert p.tolist() == pytest.approx([2.0, 2.0, 2.0], abs=1e-4)


@pytest.mark.parametrize("M", [torch, tc], ids=["torch", "tinyconv"])
def test_backward_through_a_graph_saved_before_the_step_raises(M):
    w = M.nn.Parameter(M.ones(3))
    opt = M.optim.SGD([w], lr=0.1)
    y = (w * w).sum()          # saves w
    (w * 2.0).sum().backward()
    opt.step()
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        y.backward()


@pytest.mark.parametrize("M", [torch, tc], ids=["torch", "tinyconv"])
def test_a_model_step_then_the_stale_loss(M):
    """The classic mistake: backward of a loss computed before opt.step()."""
    M.manual_seed(0)
    model = M.nn.Sequential(M.nn.Linear(4, 3), M.nn.ReLU(), M.nn.Linear(3, 1))
    opt = M.optim.Adam(model.parameters())
    loss = model(M.ones(2, 4)).pow(2).mean()
    loss.backward(retain_graph=True)
    opt.step()
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        loss.backward()


@pytest.mark.parametrize("M", [torch, tc], ids=["torch", "tinyconv"])
def test_a_step_without_gradients_changes_nothing(M):
    p = M.nn.Parameter(M.ones(2))
    opt = M.optim.SGD([p], lr=0.1)
    y = (p * p).sum()
    opt.step()
    assert p._version == 0
    y.backward()
    assert p.grad.tolist() == [2.0, 2.0]


class _HandWritten:
    """A user's optimizer as torch's tutorials write it (no tinyconv internals)."""

    @staticmethod
    def make(M, via_data):
        class Plain(M.optim.Optimizer):
            def __init__(self, params, lr):
                super().__init__(params, dict(lr=lr))

            @M.no_grad()
            def step(self, closure=None):
                for group in self.param_groups:
                    for p in group["params"]:
                        if p.grad is not None:
                            target = p.data if via_data else p
                            target.add_(p.grad, alpha=-group["lr"])
        return Plain


@pytest.mark.parametrize("via_data", [False, True], ids=["p.add_", "p.data.add_"])
def test_a_user_optimizer_bumps_as_in_torch(via_data):
    seen = []
    for M in (torch, tc):
        p = M.nn.Parameter(M.ones(2))
        opt = _HandWritten.make(M, via_data)([p], lr=0.5)
        (p * p).sum().backward()
        opt.step()
        seen.append((p._version, p.tolist()))
    assert seen[0] == seen[1]


# --- .data and detach() -----------------------------------------------------------------------
def _data_program(M):
    x = M.zeros(3, requires_grad=True)
    d = x.data
    d.add_(1)
    a = (d._version, x._version, x.data._version, x.tolist())
    y = x.detach()
    y.add_(1)
    b = (y._version, x._version, y._base is None)
    z, w = M.zeros(3), M.ones(3)
    z.data = w
    w.add_(1)
    c = (z._version, w._version, z.tolist())
    z.add_(1)
    return a, b, c + (z._version, w._version)


def test_data_and_detach_versions_as_torch():
    assert _data_program(tc) == _data_program(torch)


@pytest.mark.parametrize("M", [torch, tc], ids=["torch", "tinyconv"])
def test_writes_through_data_are_not_seen_by_autograd(M):
    w = M.ones(3, requires_grad=True)
    y = (w * w).sum()
    w.data.mul_(2.0)          # torch's foot-gun: the gradient uses the new values
    y.backward()
    assert w.grad.tolist() == [4.0, 4.0, 4.0]
    w2 = M.ones(3, requires_grad=True)
    y2 = (w2 * w2).sum()
    w2.detach().mul_(2.0)     # detach() shares the version: caught
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        y2.backward()
