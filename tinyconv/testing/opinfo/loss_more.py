"""Registry entries: binary_cross_entropy, kl_div, huber_loss, poisson_nll_loss,
gaussian_nll_loss, soft_margin_loss, multilabel_soft_margin_loss, margin_ranking_loss,
hinge_embedding_loss, multi_margin_loss, multilabel_margin_loss, cosine_embedding_loss,
triplet_margin_loss.  Hinge losses are sampled away from their hinges (gradchecks there are
meaningless); targets that torch differentiates are differentiable inputs."""
import numpy as np

from .core import BadArg, OpInfo, Sample, const, custom, ints, normal, positive, probs, x

REDUCTIONS = ("mean", "sum", "none")


def _signs(*shape):
    def make(rng, dtype):
        return np.where(rng.random(shape) < 0.5, -1.0, 1.0).astype(dtype)
    return custom(make, shape)


def _zero_one(*shape):
    def make(rng, dtype):
        return (rng.random(shape) < 0.5).astype(dtype)
    return custom(make, shape)


def _probs01(*shape):
    return positive(*shape, lo=0.05, hi=0.95)


def _bce_samples():
    for red in REDUCTIONS:
        yield Sample([("input", _probs01(4, 5), True), ("target", _probs01(4, 5), True)],
                     reduction=red)
    yield Sample([("input", _probs01(3, 4), True), ("target", _zero_one(3, 4), False),
                  ("weight", positive(4), False)], label="weight (4,)")
    yield Sample([("input", const([0.0, 1.0, 0.5]), True), ("target", const([0.3, 0.6, 1.0]),
                                                             True)],
                 label="x at 0 and 1 (log clamped at -100)", gradcheck=False)


def _kl_samples():
    for red in ("batchmean", "sum", "none"):
        for log_target in (False, True):
            tgt = normal(4, 5) if log_target else probs(4, 5)
            yield Sample([x(4, 5), ("target", tgt, True)], reduction=red,
                         log_target=log_target)
    yield Sample([x(3, 4), ("target", const(np.array([[0.0, 0.5, 0.5, 0.0]] * 3)), False)],
                 label="zero targets", reduction="sum")


def _huber_samples():
    for red in REDUCTIONS:
        for delta in (1.0, 0.5, 2.0):
            yield Sample([x(4, 5, scale=2.0), ("target", normal(4, 5), True)], reduction=red,
                         delta=delta)
    yield Sample([x(3, 4), ("target", normal(3, 4), True), ("weight", positive(3, 4), False)],
                 label="weight")


def _poisson_samples():
    for red in REDUCTIONS:
        yield Sample([x(4, 5), ("target", positive(4, 5, lo=0.0, hi=4.0), True)],
                     reduction=red)
    yield Sample([("input", positive(4, 5), True), ("target", positive(4, 5, lo=0, hi=4),
                                                       True)],
                 log_input=False)
    yield Sample([x(4, 5), ("target", positive(4, 5, lo=0.0, hi=4.0), True)], full=True)


def _gaussian_samples():
    for red in REDUCTIONS:
        yield Sample([x(4, 5), ("target", normal(4, 5), True), ("var", positive(4, 5), True)],
                     reduction=red, fn=_gnll)
    yield Sample([x(4, 5), ("target", normal(4, 5), True), ("var", positive(4), True)],
                 label="var one dim fewer", full=True, fn=_gnll)
    yield Sample([x(4, 5), ("target", normal(4, 5), True), ("var", positive(4, 1), True)],
                 label="var (4, 1)", fn=_gnll)
    yield Sample([x(3, 2), ("target", normal(3, 2), True),
                  ("var", const([[1e-8, 1.0]] * 3), True)], label="var below eps",
                 gradcheck=False, fn=_gnll)


def _gnll(M, F, i, t, v, **kw):
    return F.gaussian_nll_loss(i, t, v, **kw)


def _soft_margin_samples():
    for red in REDUCTIONS:
        yield Sample([x(4, 5, scale=3.0), ("target", _signs(4, 5), False)], reduction=red)


def _multilabel_soft_samples():
    for red in REDUCTIONS:
        yield Sample([x(4, 5, scale=3.0), ("target", _zero_one(4, 5), False)], reduction=red)
    yield Sample([x(4, 5), ("target", _zero_one(4, 5), False), ("weight", positive(5), False)],
                 label="weight")


def _away(*shape):
    """Scores whose pairwise differences stay away from the hinges at 0 and 1."""
    def make(rng, dtype):
        n = int(np.prod(shape))
        return (rng.permutation(n).reshape(shape) * 0.37 + 0.05).astype(dtype)
    return custom(make, shape)


def _ranking_samples():
    for red in REDUCTIONS:
        for margin in (0.0, 0.5):
            yield Sample([("input1", _away(6), True), ("input2", normal(6, shift=1.0), True),
                          ("target", _signs(6), False)], reduction=red, margin=margin,
                         gradcheck=True,
                         fn=lambda M, F, a, b, t, **kw: F.margin_ranking_loss(a, b, t, **kw))


def _hinge_embedding_samples():
    for red in REDUCTIONS:
        yield Sample([("input", _away(4, 5), True), ("target", _signs(4, 5), False)],
                     reduction=red, margin=2.05)


def _multi_margin_samples():
    for p in (1, 2):
        for red in REDUCTIONS:
            yield Sample([("input", _away(4, 5), True), ("target", ints(0, 5, 4), False)],
                         reduction=red, p=p, margin=1.01)
    yield Sample([("input", _away(4, 5), True), ("target", ints(0, 5, 4), False),
                  ("weight", positive(5), False)], label="weight", margin=1.01)
    yield Sample([("input", _away(5), True), ("target", const(np.array(2), kind="int"),
                                                False)], label="1-D input", margin=1.01)


def _multilabel_targets(N, C):
    def make(rng, _):
        t = np.full((N, C), -1, dtype=np.int64)
        for i in range(N):
            k = int(rng.integers(1, C))
            t[i, :k] = rng.permutation(C)[:k]
        t[0, -1] = 0  # after the first -1: ignored
        return t
    return custom(make, (N, C))


def _multilabel_margin_samples():
    for red in REDUCTIONS:
        yield Sample([("input", _away(4, 5), True), ("target", _multilabel_targets(4, 5),
                                                       False)], reduction=red)


def _cosine_embedding_samples():
    for red in REDUCTIONS:
        for margin in (0.0, -0.5):
            yield Sample([("input1", normal(4, 5), True), ("input2", normal(4, 5), True),
                          ("target", _signs(4), False)], reduction=red, margin=margin,
                         fn=lambda M, F, a, b, t, **kw: F.cosine_embedding_loss(a, b, t, **kw))


def _triplet_samples():
    for kw in ({}, {"p": 1.0}, {"swap": True}, {"margin": 3.0, "reduction": "none"},
               {"reduction": "sum", "eps": 0.0}):
        yield Sample([("anchor", normal(4, 5), True), ("positive", normal(4, 5), True),
                      ("negative", normal(4, 5), True)], **kw,
                     fn=lambda M, F, a, pos, n, **k: F.triplet_margin_loss(a, pos, n, **k))


def _xs(M):
    return M.rand(3, 4)


def _entry(name, samples, bad_args=(), **kw):
    return OpInfo(name, samples, "loss", bad_args=bad_args, **kw)


OPS = [
    _entry("binary_cross_entropy", _bce_samples, [
        BadArg("input above 1", lambda M, F: F.binary_cross_entropy(_xs(M) + 1.5, _xs(M)),
               RuntimeError, "between 0 and 1"),
        BadArg("shapes", lambda M, F: F.binary_cross_entropy(_xs(M), M.rand(4, 3)),
               ValueError, "size")]),
    _entry("kl_div", _kl_samples, [
        BadArg("reduction", lambda M, F: F.kl_div(_xs(M), _xs(M), reduction="avg"),
               ValueError, "reduction", torch="raises")]),
    _entry("huber_loss", _huber_samples, [
        BadArg("delta 0", lambda M, F: F.huber_loss(_xs(M), _xs(M), delta=0.0), RuntimeError,
               "delta")]),
    _entry("poisson_nll_loss", _poisson_samples, [
        BadArg("reduction", lambda M, F: F.poisson_nll_loss(_xs(M), _xs(M), reduction="x"),
               ValueError, "reduction")]),
    _entry("gaussian_nll_loss", _gaussian_samples, [
        BadArg("var shape", lambda M, F: F.gaussian_nll_loss(_xs(M), _xs(M), M.rand(2, 4)),
               ValueError, "var"),
        BadArg("negative var", lambda M, F: F.gaussian_nll_loss(_xs(M), _xs(M), -_xs(M)),
               ValueError, "var")]),
    _entry("soft_margin_loss", _soft_margin_samples, [
        BadArg("list input", lambda M, F: F.soft_margin_loss([1.0], _xs(M)), TypeError,
               "input", torch="raises")]),
    _entry("multilabel_soft_margin_loss", _multilabel_soft_samples, [
        BadArg("list input", lambda M, F: F.multilabel_soft_margin_loss([1.0], _xs(M)),
               TypeError, "input", torch="raises")]),
    _entry("margin_ranking_loss", _ranking_samples, [
        BadArg("dims", lambda M, F: F.margin_ranking_loss(M.rand(3), M.rand(3), M.rand(3, 1)),
               RuntimeError, "dimension")], gradcheck="marked"),
    _entry("hinge_embedding_loss", _hinge_embedding_samples, [
        BadArg("list input", lambda M, F: F.hinge_embedding_loss([1.0], _xs(M)), TypeError,
               "input", torch="raises")]),
    # torch cannot differentiate multi_margin_loss and multilabel_margin_loss twice
    _entry("multi_margin_loss", _multi_margin_samples, torch_double_backward=False, bad_args=[
        BadArg("p 3", lambda M, F: F.multi_margin_loss(_xs(M), M.tensor([0, 1, 2]), p=3),
               ValueError, "p"),
        BadArg("target size", lambda M, F: F.multi_margin_loss(_xs(M), M.tensor([0, 1])),
               RuntimeError, "target")]),
    _entry("multilabel_margin_loss", _multilabel_margin_samples, torch_double_backward=False,
           bad_args=[
        BadArg("target size", lambda M, F: F.multilabel_margin_loss(
            _xs(M), M.tensor([[0, -1]])), RuntimeError, "target")]),
    _entry("cosine_embedding_loss", _cosine_embedding_samples, [
        BadArg("shapes", lambda M, F: F.cosine_embedding_loss(_xs(M), M.rand(3, 5),
                                                              M.ones(3)),
               RuntimeError, r"\(3, 4\)", torch="raises")]),
    _entry("triplet_margin_loss", _triplet_samples, [
        BadArg("dims", lambda M, F: F.triplet_margin_loss(_xs(M), _xs(M), M.rand(4)),
               RuntimeError, "dimensions")]),
]
