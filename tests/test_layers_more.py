"""The issue's additional layers against their torch twins: each is built with the same
constructor call on both sides (weights copied through ``state_dict``), and its repr,
state_dict keys, forward and every gradient are compared, in train and eval mode."""
import numpy as np
import pytest
import torch

import tinyconv as tc
from tests.test_module import build_pair, check_state_dicts_equal, run_forward_backward

LAYERS = [
    ("nn.SiLU()", (3, 4)), ("nn.Mish()", (3, 4)),
    ("nn.Hardswish()", (3, 4)), ("nn.Hardsigmoid()", (3, 4)),
    ("nn.Hardtanh(-2.0, 1.5)", (3, 4)), ("nn.ReLU6()", (3, 4)),
    ("nn.ELU(alpha=0.5)", (3, 4)), ("nn.SELU()", (3, 4)), ("nn.CELU(1.5)", (3, 4)),
    ("nn.Softplus(beta=2.0, threshold=4.0)", (3, 4)), ("nn.Softsign()", (3, 4)),
    ("nn.Tanhshrink()", (3, 4)), ("nn.Threshold(0.1, 20.0)", (3, 4)), ("nn.GLU()", (3, 4)),
    ("nn.GLU(dim=1)", (3, 4, 5)), ("nn.LogSigmoid()", (3, 4)), ("nn.Softmin(dim=1)", (3, 4)),
    ("nn.Softmax2d()", (2, 3, 4, 5)), ("nn.Hardshrink()", (3, 4)),
    ("nn.Softshrink(0.3)", (3, 4)), ("nn.PReLU()", (3, 4)), ("nn.PReLU(3, init=0.1)", (2, 3, 4)),
]
LAYERS += [
    ("nn.Conv1d(4, 6, 3)", (2, 4, 9)),
    ("nn.Conv1d(4, 6, 3, stride=2, padding=1, dilation=2, groups=2, bias=False)", (2, 4, 11)),
    ("nn.Conv1d(4, 6, 4, padding='same', padding_mode='reflect')", (2, 4, 9)),
    ("nn.Conv1d(3, 5, 3, padding=2, padding_mode='circular')", (3, 7)),
    ("nn.Conv3d(4, 6, 3)", (2, 4, 5, 6, 5)),
    ("nn.Conv3d(4, 6, (2, 3, 2), stride=(2, 1, 2), padding=(1, 0, 1), groups=2)", (2, 4, 5, 6, 7)),
    ("nn.Conv3d(2, 3, 3, padding='same', padding_mode='replicate', bias=False)", (2, 4, 5, 4)),
    ("nn.ConvTranspose1d(4, 6, 3, stride=2, padding=1, output_padding=1)", (2, 4, 5)),
    ("nn.ConvTranspose1d(4, 6, 3, groups=2, dilation=2)", (4, 5)),
    ("nn.ConvTranspose3d(4, 6, 3, stride=2, padding=1, output_padding=1)", (2, 4, 3, 4, 3)),
    ("nn.ConvTranspose3d(4, 6, (2, 3, 2), groups=2, dilation=(2, 1, 1), bias=False)",
     (2, 4, 3, 3, 4)),
]
LAYERS += [
    ("nn.MaxPool1d(3, 2, 1)", (2, 3, 9)), ("nn.MaxPool3d((2, 3, 2), stride=(2, 1, 2))",
                                            (2, 3, 5, 6, 7)),
    ("nn.MaxPool3d(3, 2, 1, ceil_mode=True)", (3, 5, 6, 7)), ("nn.AvgPool1d(3, 2, 1)", (2, 3, 9)),
    ("nn.AvgPool3d(3, 2, 1, count_include_pad=False)", (2, 3, 5, 6, 7)),
    ("nn.AvgPool3d(2, divisor_override=3)", (2, 3, 4, 4, 4)),
    ("nn.AdaptiveMaxPool1d(4)", (2, 3, 9)), ("nn.AdaptiveMaxPool2d((3, None))", (2, 3, 7, 5)),
    ("nn.AdaptiveMaxPool3d(2)", (2, 3, 5, 6, 7)), ("nn.AdaptiveAvgPool1d(4)", (2, 3, 9)),
    ("nn.AdaptiveAvgPool3d((2, 3, 4))", (2, 3, 5, 6, 7)),
    ("nn.LPPool1d(2, 3, 2)", (2, 3, 9)), ("nn.LPPool2d(4, (2, 3))", (2, 3, 6, 7)),
    ("nn.ZeroPad2d((1, 2, 0, 1))", (2, 3, 4, 5)), ("nn.ConstantPad1d(2, 3.5)", (2, 3, 4)),
    ("nn.ConstantPad3d((1, 0, 2, 1, 0, 1), -1.0)", (2, 3, 4, 5, 2)),
    ("nn.ReflectionPad1d(2)", (2, 3, 5)), ("nn.ReflectionPad2d((1, 2, 0, 1))", (2, 3, 4, 5)),
    ("nn.ReflectionPad3d(1)", (2, 3, 4, 5, 3)), ("nn.ReplicationPad1d((2, 1))", (2, 3, 4)),
    ("nn.ReplicationPad2d(2)", (2, 3, 4, 5)), ("nn.ReplicationPad3d(1)", (1, 2, 3, 4, 5)),
    ("nn.CircularPad1d(2)", (2, 3, 4)), ("nn.CircularPad2d((1, 2, 0, 1))", (2, 3, 4, 5)),
    ("nn.CircularPad3d(1)", (1, 2, 3, 4, 5)), ("nn.ZeroPad1d(1)", (2, 3, 4)),
    ("nn.ZeroPad3d(1)", (2, 3, 4, 5, 2)),
    ("nn.BatchNorm3d(3)", (4, 3, 2, 3, 4)), ("nn.BatchNorm3d(3, affine=False, momentum=None)",
                                              (4, 3, 2, 3, 4)),
    ("nn.InstanceNorm1d(3)", (2, 3, 7)), ("nn.InstanceNorm1d(3, affine=True)", (3, 7)),
    ("nn.InstanceNorm3d(3, affine=True, track_running_stats=True)", (2, 3, 4, 3, 5)),
    ("nn.RMSNorm(4)", (2, 3, 4)), ("nn.RMSNorm((3, 4), eps=1e-5)", (2, 3, 4)),
    ("nn.RMSNorm(4, elementwise_affine=False)", (3, 4)),
    ("nn.LocalResponseNorm(3)", (2, 6, 5, 4)), ("nn.LocalResponseNorm(2, 1e-2, 0.5, 2.0)",
                                                 (2, 5, 7)),
    ("nn.LocalResponseNorm(4, k=0.5)", (2, 6, 3, 4, 2)),
    ("nn.Unflatten(1, (2, 3))", (4, 6, 5)), ("nn.Unflatten(-1, (2, -1))", (4, 6)),
    ("nn.ChannelShuffle(3)", (2, 6, 4, 5)),
    ("nn.Dropout2d(0.0)", (2, 3, 4, 5)),
    ("nn.AlphaDropout(0.0)", (3, 4)),
]
# modules with randomness in training: compared in eval mode only
EVAL_ONLY = [("nn.RReLU(0.1, 0.3)", (3, 4)), ("nn.Dropout1d(0.4)", (2, 3, 4)),
             ("nn.Dropout2d(0.4)", (2, 3, 4, 5)), ("nn.Dropout3d()", (2, 3, 2, 2, 2)),
             ("nn.AlphaDropout(0.2)", (3, 4)), ("nn.FeatureAlphaDropout(0.2)", (2, 3, 4))]


def _check(src, shape, mode):
    ctor = eval("lambda nn: " + src)  # noqa: S307 - the test's own literal table
    tm, cm = build_pair(ctor)
    assert repr(cm) == repr(tm)
    check_state_dicts_equal(tm, cm, "initial")
    getattr(tm, mode)()
    getattr(cm, mode)()
    for seed in (1, 2):
        tm.zero_grad()
        cm.zero_grad()
        run_forward_backward(tm, cm, shape, seed=seed)


@pytest.mark.parametrize("mode", ["train", "eval"])
@pytest.mark.parametrize("src,shape", LAYERS, ids=[s for s, _ in LAYERS])
def test_layer_matches_torch(src, shape, mode):
    _check(src, shape, mode)


@pytest.mark.parametrize("src,shape", EVAL_ONLY, ids=[s for s, _ in EVAL_ONLY])
def test_random_layer_in_eval_matches_torch(src, shape):
    _check(src, shape, "eval")


def test_rrelu_training_draws_slopes_in_range_and_is_seeded():
    m = tc.nn.RReLU(0.1, 0.3)
    x = -tc.ones(1000)
    tc.manual_seed(3)
    y = m(x)
    slopes = -y.numpy()
    assert slopes.min() >= 0.1 and slopes.max() <= 0.3 and slopes.std() > 0.03
    tc.manual_seed(3)
    assert np.array_equal(m(x).numpy(), y.numpy())
    assert np.array_equal(m(tc.ones(5)).numpy(), np.ones(5, np.float32))


def test_inplace_activation_modules_write_into_their_input():
    for name in ("SiLU", "Hardswish", "Hardsigmoid", "ReLU6", "SELU", "ELU", "CELU", "Mish"):
        x = tc.tensor([-1.0, 0.5, 2.0])
        t = torch.tensor([-1.0, 0.5, 2.0])
        y = getattr(tc.nn, name)(inplace=True)(x)
        getattr(torch.nn, name)(inplace=True)(t)
        assert y is x
        np.testing.assert_allclose(x.numpy(), t.numpy(), rtol=1e-6, err_msg=name)


def test_conv_transpose_nd_output_size_argument():
    for n, shape in ((1, (2, 4, 5)), (3, (2, 4, 3, 4, 3))):
        tm = getattr(torch.nn, f"ConvTranspose{n}d")(4, 3, 3, stride=2, padding=1)
        cm = getattr(tc.nn, f"ConvTranspose{n}d")(4, 3, 3, stride=2, padding=1)
        want = [2 * s for s in shape[2:]]
        assert tuple(cm(tc.zeros(*shape), output_size=want).shape) == \
            tuple(tm(torch.zeros(*shape), output_size=want).shape)


# ------------------------------------------------------------------ embeddings and attention
def _pair_module(src, dtype=np.float64):
    ctor = eval("lambda nn: " + src)  # noqa: S307 - the test's own literal
    return build_pair(ctor, dtype=dtype)


def _grads_match(tm, cm, tol=1e-10):
    for (tn, tp), (cn, cp) in zip(tm.named_parameters(), cm.named_parameters()):
        assert tn == cn
        if tp.grad is None:
            assert cp.grad is None or not np.any(cp.grad.numpy()), tn
            continue
        np.testing.assert_allclose(cp.grad.numpy(), tp.grad.numpy(), atol=tol, err_msg=tn)


EMBEDDINGS = ["nn.Embedding(7, 4)", "nn.Embedding(7, 4, padding_idx=2)",
              "nn.Embedding(7, 4, padding_idx=-1, scale_grad_by_freq=True)",
              "nn.Embedding(7, 4, max_norm=1.0)", "nn.Embedding(7, 4, max_norm=1.5, norm_type=1.0)"]


@pytest.mark.parametrize("src", EMBEDDINGS)
def test_embedding_matches_torch(src):
    tm, cm = _pair_module(src)
    assert repr(cm) == repr(tm)
    idx = np.array([[0, 2, 6, 2], [1, 1, 5, 6]])
    ty, cy = tm(torch.tensor(idx)), cm(tc.tensor(idx))
    np.testing.assert_allclose(cy.detach().numpy(), ty.detach().numpy(), atol=1e-12)
    g = np.random.default_rng(0).standard_normal(ty.shape)
    ty.backward(torch.tensor(g))
    cy.backward(tc.tensor(g))
    _grads_match(tm, cm)
    check_state_dicts_equal(tm, cm, "after max_norm")  # renormalised in place alike


BAGS = [("nn.EmbeddingBag(7, 4)", None), ("nn.EmbeddingBag(7, 4, mode='sum')", None),
        ("nn.EmbeddingBag(7, 4, mode='max')", None),
        ("nn.EmbeddingBag(7, 4, mode='mean', padding_idx=2)", None),
        ("nn.EmbeddingBag(7, 4, mode='sum')", [0, 3, 3, 5]),
        ("nn.EmbeddingBag(7, 4, mode='mean', include_last_offset=True)", [0, 3, 5, 8])]


@pytest.mark.parametrize("src,offsets", BAGS)
def test_embedding_bag_matches_torch(src, offsets):
    tm, cm = _pair_module(src)
    assert repr(cm) == repr(tm)
    idx = np.array([[0, 2, 6, 2], [1, 1, 5, 6]])
    if offsets is not None:
        idx = np.array([0, 2, 6, 2, 1, 1, 5, 6])
        ty = tm(torch.tensor(idx), torch.tensor(offsets))
        cy = cm(tc.tensor(idx), tc.tensor(offsets))
    else:
        ty, cy = tm(torch.tensor(idx)), cm(tc.tensor(idx))
    np.testing.assert_allclose(cy.detach().numpy(), ty.detach().numpy(), atol=1e-12)
    g = np.random.default_rng(0).standard_normal(ty.shape)
    ty.backward(torch.tensor(g))
    cy.backward(tc.tensor(g))
    _grads_match(tm, cm)


def test_embedding_from_pretrained_and_per_sample_weights():
    w = np.arange(12.0).reshape(4, 3)
    tm = torch.nn.Embedding.from_pretrained(torch.tensor(w), padding_idx=1)
    cm = tc.nn.Embedding.from_pretrained(tc.tensor(w), padding_idx=1)
    assert repr(cm) == repr(tm) and not cm.weight.requires_grad
    np.testing.assert_array_equal(cm(tc.tensor([1, 3])).numpy(), tm(torch.tensor([1, 3])).numpy())
    tb = torch.nn.EmbeddingBag.from_pretrained(torch.tensor(w), mode="sum", freeze=False)
    cb = tc.nn.EmbeddingBag.from_pretrained(tc.tensor(w), mode="sum", freeze=False)
    psw = np.array([0.5, 2.0, -1.0, 3.0])
    ty = tb(torch.tensor([0, 1, 2, 3]), torch.tensor([0, 2]), torch.tensor(psw))
    cy = cb(tc.tensor([0, 1, 2, 3]), tc.tensor([0, 2]), tc.tensor(psw))
    np.testing.assert_allclose(cy.detach().numpy(), ty.detach().numpy())


MHA = [
    ("nn.MultiheadAttention(8, 2)", {}),
    ("nn.MultiheadAttention(8, 2, batch_first=True)", {}),
    ("nn.MultiheadAttention(8, 4, bias=False)", {"average_attn_weights": False}),
    ("nn.MultiheadAttention(8, 2, add_bias_kv=True, add_zero_attn=True)", {}),
    ("nn.MultiheadAttention(8, 2, kdim=5, vdim=3)", {}),
    ("nn.MultiheadAttention(8, 2)", {"attn_mask": "bool"}),
    ("nn.MultiheadAttention(8, 2)", {"attn_mask": "float", "key_padding_mask": True}),
    ("nn.MultiheadAttention(8, 2, batch_first=True)", {"key_padding_mask": True,
                                                       "need_weights": False}),
]


def _mha_inputs(src, kw, rng):
    L, S, N, E = 3, 4, 2, 8
    kdim = 5 if "kdim" in src else E
    vdim = 3 if "vdim" in src else E
    first = "batch_first" in src
    shape = (lambda T, D: (N, T, D)) if first else (lambda T, D: (T, N, D))
    arrays = [rng.standard_normal(shape(L, E)), rng.standard_normal(shape(S, kdim)),
              rng.standard_normal(shape(S, vdim))]
    extra = {}
    if kw.get("attn_mask") == "bool":
        extra["attn_mask"] = np.triu(np.ones((L, S), dtype=bool), 1)
    elif kw.get("attn_mask") == "float":
        extra["attn_mask"] = rng.standard_normal((L, S))
    if kw.get("key_padding_mask"):
        kpm = np.zeros((N, S), dtype=bool)
        kpm[0, -1] = True
        extra["key_padding_mask"] = kpm
    opts = {k: v for k, v in kw.items() if k not in ("attn_mask", "key_padding_mask")}
    return arrays, extra, opts


@pytest.mark.filterwarnings("ignore:Support for mismatched:UserWarning")  # torch's note
@pytest.mark.parametrize("src,kw", MHA, ids=[f"{s} {k}" for s, k in MHA])
def test_multihead_attention_matches_torch(src, kw):
    tm, cm = _pair_module(src)
    assert repr(cm) == repr(tm)
    check_state_dicts_equal(tm, cm, "initial")
    arrays, extra, opts = _mha_inputs(src, kw, np.random.default_rng(0))
    t_in = [torch.tensor(a, requires_grad=True) for a in arrays]
    c_in = [tc.tensor(a, requires_grad=True) for a in arrays]
    t_out = tm(*t_in, **{k: torch.tensor(v) for k, v in extra.items()}, **opts)
    c_out = cm(*c_in, **{k: tc.tensor(v) for k, v in extra.items()}, **opts)
    assert (t_out[1] is None) == (c_out[1] is None)
    total_t = t_out[0].sum() * 1.0 + (0 if t_out[1] is None else (t_out[1] ** 2).sum())
    total_c = c_out[0].sum() * 1.0 + (0 if c_out[1] is None else (c_out[1] ** 2).sum())
    for t, c in zip(t_out, c_out):
        if t is not None:
            np.testing.assert_allclose(c.detach().numpy(), t.detach().numpy(), atol=1e-12)
    total_t.backward()
    total_c.backward()
    for t, c in zip(t_in, c_in):
        np.testing.assert_allclose(c.grad.numpy(), t.grad.numpy(), atol=1e-10)
    _grads_match(tm, cm)


def test_multihead_attention_unbatched():
    tm, cm = _pair_module("nn.MultiheadAttention(6, 3)")
    x = np.random.default_rng(1).standard_normal((4, 6))
    ty, tw = tm(torch.tensor(x), torch.tensor(x), torch.tensor(x))
    cy, cw = cm(tc.tensor(x), tc.tensor(x), tc.tensor(x))
    np.testing.assert_allclose(cy.detach().numpy(), ty.detach().numpy(), atol=1e-12)
    np.testing.assert_allclose(cw.detach().numpy(), tw.detach().numpy(), atol=1e-12)


ENCODERS = [
    "nn.TransformerEncoderLayer(8, 2, 16, dropout=0.0)",
    "nn.TransformerEncoderLayer(8, 2, 16, dropout=0.0, activation='gelu', norm_first=True)",
    "nn.TransformerEncoderLayer(8, 4, 12, dropout=0.0, batch_first=True, bias=False)",
    "nn.TransformerEncoder(nn.TransformerEncoderLayer(8, 2, 16, dropout=0.0), 2, "
    "norm=nn.LayerNorm(8), enable_nested_tensor=False)",
]


@pytest.mark.parametrize("src", ENCODERS)
@pytest.mark.parametrize("masks", [False, True])
def test_transformer_encoder_matches_torch(src, masks):
    tm, cm = _pair_module(src)
    assert repr(cm) == repr(tm)
    check_state_dicts_equal(tm, cm, "initial")
    rng = np.random.default_rng(2)
    x = rng.standard_normal((2, 5, 8) if "batch_first" in src else (5, 2, 8))
    kw_t, kw_c = {}, {}
    if masks:
        mask = np.triu(np.ones((5, 5), dtype=bool), 1)
        kpm = np.zeros((2, 5), dtype=bool)
        kpm[1, 3:] = True
        names = ("mask", "src_key_padding_mask") if "Encoder(" in src else \
            ("src_mask", "src_key_padding_mask")
        kw_t = {names[0]: torch.tensor(mask), names[1]: torch.tensor(kpm)}
        kw_c = {names[0]: tc.tensor(mask), names[1]: tc.tensor(kpm)}
    tx, cx = torch.tensor(x, requires_grad=True), tc.tensor(x, requires_grad=True)
    ty, cy = tm(tx, **kw_t), cm(cx, **kw_c)
    np.testing.assert_allclose(cy.detach().numpy(), ty.detach().numpy(), atol=1e-10)
    g = rng.standard_normal(x.shape)
    ty.backward(torch.tensor(g))
    cy.backward(tc.tensor(g))
    np.testing.assert_allclose(cx.grad.numpy(), tx.grad.numpy(), atol=1e-9)
    _grads_match(tm, cm, tol=1e-9)


# ------------------------------------------------------------------------------------ losses
def _loss_inputs(rng, kind):
    p = rng.uniform(0.05, 0.95, (4, 5))
    x, y = rng.standard_normal((4, 5)), rng.standard_normal((4, 5))
    signs = np.where(rng.random(4) < 0.5, -1.0, 1.0)
    return {
        "prob": [p, rng.uniform(0.05, 0.95, (4, 5))],
        "pair": [x, y],
        "kl": [np.log(p / p.sum(1, keepdims=True)), rng.dirichlet(np.ones(5), 4)],
        "rank": [x[:, 0], y[:, 0], signs],
        "sign": [x, np.where(rng.random((4, 5)) < 0.5, -1.0, 1.0)],
        "class": [x, rng.integers(0, 5, 4)],
        "labels": [x, (rng.random((4, 5)) < 0.5).astype(float)],
        "multilabel": [x, np.array([[1, 3, -1, 0, 0], [0, -1, 2, 2, 2], [4, 3, 2, 1, 0],
                                    [2, -1, 0, 0, 0]])],
        "cos": [x, y, signs],
        "triplet": [x, y, rng.standard_normal((4, 5))],
        "poisson": [x, rng.uniform(0, 4, (4, 5))],
        "gauss": [x, y, rng.uniform(0.5, 2, (4, 5))],
    }[kind]


LOSSES = [
    ("nn.BCELoss()", "prob"), ("nn.BCELoss(reduction='sum')", "prob"),
    ("nn.BCEWithLogitsLoss(pos_weight=__import__('numpy').ones(5) * 2)", "prob"),
    ("nn.L1Loss()", "pair"), ("nn.SmoothL1Loss(beta=0.5)", "pair"),
    ("nn.HuberLoss(delta=0.7)", "pair"), ("nn.KLDivLoss(reduction='batchmean')", "kl"),
    ("nn.MarginRankingLoss(margin=0.3)", "rank"), ("nn.HingeEmbeddingLoss(margin=2.0)", "sign"),
    ("nn.MultiMarginLoss()", "class"), ("nn.MultiMarginLoss(p=2, margin=0.5)", "class"),
    ("nn.MultiLabelSoftMarginLoss()", "labels"), ("nn.MultiLabelMarginLoss()", "multilabel"),
    ("nn.CosineEmbeddingLoss(margin=0.2)", "cos"), ("nn.TripletMarginLoss(swap=True)", "triplet"),
    ("nn.PoissonNLLLoss()", "poisson"), ("nn.PoissonNLLLoss(log_input=False, full=True)",
                                         "poisson"),
    ("nn.GaussianNLLLoss(full=True)", "gauss"), ("nn.SoftMarginLoss()", "sign"),
]


def _lib_ctor(src, lib):
    def fix(v):  # arrays in the constructor become the library's tensors
        return lib.tensor(v) if isinstance(v, np.ndarray) else v
    nn = lib.nn

    class Wrap:
        def __getattr__(self, name):
            cls = getattr(nn, name)
            return lambda *a, **k: cls(*[fix(v) for v in a], **{n: fix(v) for n, v in k.items()})
    return eval(src, {"nn": Wrap(), "__import__": __import__})  # noqa: S307 - literal table


@pytest.mark.parametrize("src,kind", LOSSES, ids=[s for s, _ in LOSSES])
def test_loss_module_matches_torch(src, kind):
    tm, cm = _lib_ctor(src, torch), _lib_ctor(src, tc)
    assert repr(cm) == repr(tm)
    assert list(cm.state_dict()) == list(tm.state_dict())
    arrays = _loss_inputs(np.random.default_rng(3), kind)
    t_in = [torch.tensor(a, requires_grad=a.dtype.kind == "f" and i == 0)
            for i, a in enumerate(arrays)]
    c_in = [tc.tensor(a, requires_grad=a.dtype.kind == "f" and i == 0)
            for i, a in enumerate(arrays)]
    ty, cy = tm(*t_in), cm(*c_in)
    np.testing.assert_allclose(cy.detach().numpy(), ty.detach().numpy(), rtol=1e-10)
    ty.sum().backward()
    cy.sum().backward()
    np.testing.assert_allclose(c_in[0].grad.numpy(), t_in[0].grad.numpy(), rtol=1e-9,
                               atol=1e-12)


def test_channel_dropout_zeroes_whole_channels_and_scales():
    tc.manual_seed(0)
    x = tc.ones(50, 40, 3, 3)
    y = tc.nn.Dropout2d(0.25)(x).numpy()
    per_channel = y.reshape(50, 40, 9)
    assert np.all((per_channel == 0).all(-1) | (per_channel == 1 / 0.75).all(-1))
    assert abs((per_channel[..., 0] == 0).mean() - 0.25) < 0.03
    y = tc.nn.functional.alpha_dropout(tc.randn(200000), 0.2, training=True).numpy()
    assert abs(y.mean()) < 0.01 and abs(y.std() - 1.0) < 0.01  # SELU's fixed point kept


def test_bilinear_matches_torch():
    tm, cm = _pair_module("nn.Bilinear(3, 4, 5)")
    assert repr(cm) == repr(tm)
    rng = np.random.default_rng(4)
    a, b = rng.standard_normal((2, 6, 3)), rng.standard_normal((2, 6, 4))
    ta, tb = torch.tensor(a, requires_grad=True), torch.tensor(b, requires_grad=True)
    ca, cb = tc.tensor(a, requires_grad=True), tc.tensor(b, requires_grad=True)
    ty, cy = tm(ta, tb), cm(ca, cb)
    np.testing.assert_allclose(cy.detach().numpy(), ty.detach().numpy(), atol=1e-12)
    ty.sum().backward()
    cy.sum().backward()
    np.testing.assert_allclose(ca.grad.numpy(), ta.grad.numpy(), atol=1e-12)
    _grads_match(tm, cm)


def test_lazy_modules_materialize_on_first_call():
    for src, shape in [("LazyLinear(3)", (4, 5)), ("LazyConv2d(4, 3, padding=1)", (2, 3, 6, 6)),
                       ("LazyConv2d(4, 3, groups=2, bias=False)", (2, 6, 5, 5))]:
        tm, cm = eval("torch.nn." + src), eval("tc.nn." + src)  # noqa: S307
        assert repr(cm) == repr(tm)
        opt = tc.optim.SGD(cm.parameters(), lr=0.1)
        x = np.random.default_rng(0).standard_normal(shape).astype(np.float32)
        tm(torch.tensor(x))
        y = cm(tc.tensor(x))
        assert type(cm).__name__ == type(tm).__name__ and repr(cm) == repr(tm)
        assert [tuple(p.shape) for p in cm.parameters()] == \
            [tuple(p.shape) for p in tm.parameters()]
        cm.load_state_dict({k: tc.tensor(v.detach().numpy()) for k, v in tm.state_dict().items()})
        np.testing.assert_allclose(cm(tc.tensor(x)).detach().numpy(),
                                   tm(torch.tensor(x)).detach().numpy(), rtol=1e-5, atol=1e-6)
        y.sum().backward()
        opt.step()  # the optimizer holds the materialised parameters


def test_parameter_containers_register_like_torch():
    for M in (tc, torch):
        pl = M.nn.ParameterList([M.zeros(2, 3), M.ones(4)])
        pl.append(M.nn.Parameter(M.ones(1)))
        pd = M.nn.ParameterDict({"a": M.zeros(2)})
        pd["b"] = M.ones(3)
        holder = M.nn.Module()
        holder.pl, holder.pd = pl, pd
        if M is torch:
            t_keys, t_repr = list(holder.state_dict()), repr(holder)
        else:
            c_keys, c_repr = list(holder.state_dict()), repr(holder)
            assert all(isinstance(p, tc.nn.Parameter) for p in pl)
            assert len(list(holder.parameters())) == 5 and len(pl) == 3 and "b" in pd
    assert c_keys == t_keys and c_repr == t_repr


def test_cross_map_lrn2d_forward_matches_torch():
    """torch's legacy CrossMapLRN2d sums channel windows through a running-sum recurrence
    (channel 0 stays in later windows); its values are matched.  Its hand-written backward
    is the gradient of the symmetric window instead, so gradients are not compared."""
    for size, C in ((3, 6), (4, 7), (5, 3)):
        x = np.random.default_rng(size).standard_normal((2, C, 4, 5))
        t = torch.nn.CrossMapLRN2d(size, 1e-2, 0.75, 2)(torch.tensor(x))
        c = tc.nn.CrossMapLRN2d(size, 1e-2, 0.75, 2)(tc.tensor(x))
        np.testing.assert_allclose(c.numpy(), t.numpy(), rtol=1e-12)
    assert repr(tc.nn.CrossMapLRN2d(3)) == repr(torch.nn.CrossMapLRN2d(3))
