"""Registry entries: attention (scaled_dot_product_attention), lookups (embedding,
embedding_bag, one_hot) and distances (normalize, cosine_similarity, pairwise_distance)."""
import numpy as np

from .core import BadArg, OpInfo, Sample, bools, const, ints, normal, x

TOL_SUMS = {"float32": 1e-4}


def _sdpa_samples():
    q, k, v = (lambda *s: ("query", normal(*s), True)), (lambda *s: ("key", normal(*s), True)), \
        (lambda *s: ("value", normal(*s), True))
    yield Sample([q(2, 3, 4, 8), k(2, 3, 5, 8), v(2, 3, 5, 6)])
    yield Sample([q(3, 4, 8), k(3, 5, 8), v(3, 5, 8)], scale=0.5)
    yield Sample([q(2, 3), k(3, 3), v(3, 2)], gradcheck=True)
    # torch runs this one on its flash kernel, which has no second derivative
    yield Sample([q(2, 3, 4, 8), k(2, 3, 4, 8), v(2, 3, 4, 8)], is_causal=True)
    yield Sample([q(2, 4, 8), k(2, 5, 8), v(2, 5, 3), ("attn_mask", bools(4, 5, p=0.8), False)],
                 label="bool mask")
    yield Sample([q(2, 4, 8), k(2, 5, 8), v(2, 5, 3), ("attn_mask", normal(4, 5), False)],
                 label="float mask")
    yield Sample([q(1, 4, 2, 3), k(1, 2, 3, 3), v(1, 2, 3, 2)], enable_gqa=True)


def _embedding_samples():
    idx = ("input", ints(0, 7, 2, 5, fixed=[3, 3, 0]), False)
    yield Sample([idx, ("weight", normal(7, 4), True)])
    yield Sample([("input", ints(0, 7, 6), False), ("weight", normal(7, 3), True)],
                 gradcheck=True)
    # padding_idx blocks its row's gradient on purpose: not a finite-difference derivative
    yield Sample([idx, ("weight", normal(7, 4), True)], gradcheck=False, padding_idx=3)
    yield Sample([idx, ("weight", normal(7, 4), True)], padding_idx=-7, scale_grad_by_freq=True,
                 gradcheck=False)
    yield Sample([idx, ("weight", normal(7, 4, scale=2.0), False)], label="max_norm (renorms "
                 "weight in place)", max_norm=1.0)


def _embedding_bag_samples():
    idx = ("input", ints(0, 7, 3, 4, fixed=[3, 3, 0]), False)
    for mode in ("mean", "sum", "max"):
        yield Sample([idx, ("weight", normal(7, 4), True)], mode=mode)
    yield Sample([("input", ints(0, 7, 8), False), ("weight", normal(7, 4), True),
                  ("offsets", const(np.array([0, 3, 3, 6]), kind="int"), False)], mode="sum")
    yield Sample([idx, ("weight", normal(7, 4), True)], mode="mean", padding_idx=3)
    yield Sample([("input", ints(0, 5, 2, 3), False), ("weight", normal(5, 2), True)],
                 gradcheck=True, mode="sum")


def _one_hot_samples():
    yield Sample([("tensor", ints(0, 5, 3, 4), False)], num_classes=6,
                 fn=lambda M, F, t, **kw: F.one_hot(t, **kw))
    yield Sample([("tensor", ints(0, 5, 7, fixed=[4]), False)], label="inferred",
                 fn=lambda M, F, t: F.one_hot(t))


def _normalize_samples():
    yield Sample([x(4, 5)])
    yield Sample([x(2, 3, 4)], p=1.0, dim=-1)
    yield Sample([x(2, 3, 4)], p=3.0, dim=(1, 2))
    yield Sample([x(3, 4)], p=float("inf"), dim=0)
    yield Sample([("input", const([[0.0, 0.0], [1e-14, 0.0], [3.0, 4.0]]), True)],
                 label="norms at and below eps", gradcheck=False, dim=1)
    yield Sample([x(3, 4)], gradcheck=True, p=2.0, dim=1, eps=1e-6)


def _cosine_samples():
    yield Sample([("x1", normal(4, 5), True), ("x2", normal(4, 5), True)],
                 fn=lambda M, F, a, b, **kw: F.cosine_similarity(a, b, **kw))
    # x2 broadcast over the last axis and the batch, reduced over axis 1.  (Reduced over the
    # axis x2 broadcasts along, x2's true gradient is zero: both libraries return round-off
    # there, whose relative difference says nothing.)
    yield Sample([("x1", normal(2, 3, 4), True), ("x2", normal(3, 1), True)], dim=1,
                 fn=lambda M, F, a, b, **kw: F.cosine_similarity(a, b, **kw))
    yield Sample([("x1", normal(3, 4), True), ("x2", normal(1, 4), True)], dim=1, eps=1e-6,
                 fn=lambda M, F, a, b, **kw: F.cosine_similarity(a, b, **kw))
    # first derivatives only (the second ones at a zero vector are a kink: 1/eps^3 terms)
    yield Sample([("x1", normal(3, 4), True), ("x2", const(np.zeros((3, 4))), True)],
                 label="zero vector", gradcheck=False,
                 fn=lambda M, F, a, b: F.cosine_similarity(a, b, dim=1))


def _pairwise_samples():
    yield Sample([("x1", normal(4, 5), True), ("x2", normal(4, 5), True)],
                 fn=lambda M, F, a, b, **kw: F.pairwise_distance(a, b, **kw))
    for kw in ({"p": 1.0}, {"p": 3.0, "keepdim": True}, {"eps": 0.0, "p": 2.0}):
        yield Sample([("x1", normal(4, 5), True), ("x2", normal(5), True)], **kw,
                     fn=lambda M, F, a, b, **k: F.pairwise_distance(a, b, **k))


def _q(M):
    return M.randn(2, 3, 4)


OPS = [
    OpInfo("scaled_dot_product_attention", _sdpa_samples, "attention", tol=TOL_SUMS,
           bad_args=[
               BadArg("mask and is_causal", lambda M, F: F.scaled_dot_product_attention(
                   _q(M), _q(M), _q(M), attn_mask=M.ones(3, 3), is_causal=True), RuntimeError,
                   "is_causal"),
               BadArg("key size", lambda M, F: F.scaled_dot_product_attention(
                   _q(M), M.randn(2, 3, 5), _q(M)), RuntimeError, "key", torch="raises")]),
    OpInfo("embedding", _embedding_samples, "attention", bad_args=[
        BadArg("index out of range", lambda M, F: F.embedding(M.tensor([0, 9]), M.randn(5, 3)),
               IndexError, "out of range"),
        BadArg("float indices", lambda M, F: F.embedding(M.ones(2), M.randn(5, 3)),
               RuntimeError, "Long")]),
    # torch cannot differentiate embedding_bag twice ("not implemented")
    OpInfo("embedding_bag", _embedding_bag_samples, "attention", gradcheck="marked",
           torch_double_backward=False, bad_args=[
        BadArg("mode", lambda M, F: F.embedding_bag(M.tensor([[0, 1]]), M.randn(5, 3),
                                                     mode="median"), ValueError, "mode"),
        BadArg("1-D without offsets", lambda M, F: F.embedding_bag(M.tensor([0, 1]),
                                                                    M.randn(5, 3)),
               ValueError, "offsets")]),
    OpInfo("one_hot", _one_hot_samples, "attention", gradcheck=False, bad_args=[
        BadArg("class too large", lambda M, F: F.one_hot(M.tensor([0, 5]), 3), RuntimeError,
               "num_classes"),
        BadArg("float tensor", lambda M, F: F.one_hot(M.ones(2), 3), RuntimeError, "int64")]),
    OpInfo("normalize", _normalize_samples, "attention", bad_args=[
        BadArg("dim out of range", lambda M, F: F.normalize(_q(M), dim=3), IndexError,
               "Dimension")]),
    OpInfo("cosine_similarity", _cosine_samples, "attention", bad_args=[
        BadArg("shapes", lambda M, F: F.cosine_similarity(M.randn(3, 4), M.randn(2, 4)),
               RuntimeError, "broadcast", torch="raises")]),
    OpInfo("pairwise_distance", _pairwise_samples, "attention", bad_args=[
        BadArg("shapes", lambda M, F: F.pairwise_distance(M.randn(3, 4), M.randn(2, 4)),
               RuntimeError, "broadcast", torch="raises")]),
]
