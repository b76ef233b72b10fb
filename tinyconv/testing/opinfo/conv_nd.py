"""Registry entries: conv1d, conv3d, conv_transpose1d, conv_transpose3d (over an option grid:
strided, padded, dilated, grouped, 'same', unbatched)."""
from .core import BadArg, OpInfo, Sample, normal, x

TOL_CONV = {"float32": 1e-4}


def _conv(inp, w, bias, **kw):
    ins = [x(*inp), ("weight", normal(*w), True)]
    if bias:
        ins.append(("bias", normal(w[0]), True))
    return Sample(ins, **kw)


def _convT(inp, w, groups, bias, **kw):
    ins = [x(*inp), ("weight", normal(*w), True)]
    if bias:
        ins.append(("bias", normal(w[1] * groups), True))
    return Sample(ins, groups=groups, **kw)


def _conv1d_samples():
    yield _conv((2, 4, 9), (6, 4, 3), True)
    yield _conv((2, 4, 11), (6, 2, 3), True, stride=2, padding=1, dilation=2, groups=2)
    yield _conv((2, 4, 9), (6, 4, 4), False, padding="same")
    yield _conv((2, 4, 9), (6, 4, 2), True, padding="valid", stride=(3,))
    yield _conv((4, 7), (5, 4, 3), True, padding=(2,))
    yield _conv((1, 3, 5), (2, 3, 2), True, gradcheck=True)


def _conv3d_samples():
    yield _conv((2, 4, 5, 6, 5), (6, 4, 3, 3, 3), True)
    yield _conv((2, 4, 5, 6, 7), (6, 2, 2, 3, 2), True, stride=(2, 1, 2), padding=(1, 0, 1),
                dilation=(1, 2, 1), groups=2)
    yield _conv((1, 2, 4, 5, 4), (3, 2, 2, 3, 2), False, padding="same")
    yield _conv((2, 5, 4, 4), (3, 2, 3, 1, 2), True, padding=1, stride=2)
    yield _conv((1, 2, 3, 3, 3), (2, 2, 2, 2, 2), True, gradcheck=True)


def _conv_transpose1d_samples():
    yield _convT((2, 4, 5), (4, 3, 3), 1, True)
    yield _convT((2, 4, 5), (4, 3, 3), 2, True, stride=2, padding=1, output_padding=1)
    yield _convT((4, 6), (4, 2, 2), 1, False, dilation=2, stride=3, output_padding=2)
    yield _convT((1, 2, 3), (2, 2, 2), 1, True, stride=2, gradcheck=True)


def _conv_transpose3d_samples():
    yield _convT((2, 4, 3, 4, 3), (4, 3, 3, 3, 3), 1, True, stride=2, padding=1,
                 output_padding=1)
    yield _convT((2, 4, 3, 3, 4), (4, 3, 2, 3, 2), 2, False, dilation=(2, 1, 1))
    yield _convT((4, 2, 3, 2), (4, 2, 3, 2, 2), 1, True, stride=(1, 2, 3), padding=(1, 0, 0))
    yield _convT((1, 2, 2, 2, 2), (2, 1, 2, 2, 2), 1, True, gradcheck=True)


def _bads(op, cases):
    out = []
    for label, inp, w, exc, match, kw in cases:
        out.append(BadArg(label, lambda M, F, inp=inp, w=w, kw=kw: getattr(F, op)(
            M.randn(*inp), M.randn(*w), **kw), exc, match))
    return out


OPS = [
    OpInfo("conv1d", _conv1d_samples, "conv", tol=TOL_CONV, bad_args=_bads("conv1d", [
        ("4-D weight", (2, 4, 9), (6, 4, 3, 3), RuntimeError, "weight", {}),
        ("channels", (2, 5, 9), (6, 4, 3), RuntimeError, "channels", {}),
        ("stride 0", (2, 4, 9), (6, 4, 3), RuntimeError, "stride", {"stride": 0})])),
    OpInfo("conv3d", _conv3d_samples, "conv", tol=TOL_CONV, bad_args=_bads("conv3d", [
        ("4-D weight", (2, 4, 5, 5, 5), (6, 4, 3, 3), RuntimeError, "weight", {}),
        ("kernel deeper than input", (1, 2, 2, 5, 5), (3, 2, 3, 3, 3), RuntimeError,
         "kernel", {}),
        ("same with stride", (1, 2, 4, 5, 5), (3, 2, 3, 3, 3), (ValueError, RuntimeError),
         "stride", {"padding": "same", "stride": 2})])),
    OpInfo("conv_transpose1d", _conv_transpose1d_samples, "conv", tol=TOL_CONV,
           bad_args=_bads("conv_transpose1d", [
               ("2-D weight", (2, 4, 5), (4, 3), RuntimeError, "weight", {}),
               ("output_padding", (2, 4, 5), (4, 3, 3), RuntimeError, "output padding",
                {"output_padding": 2})])),
    OpInfo("conv_transpose3d", _conv_transpose3d_samples, "conv", tol=TOL_CONV,
           bad_args=_bads("conv_transpose3d", [
               ("channels", (2, 5, 3, 3, 3), (4, 3, 2, 2, 2), RuntimeError, "channels", {}),
               ("output_padding", (2, 4, 3, 3, 3), (4, 3, 2, 2, 2), RuntimeError,
                "output padding", {"output_padding": 1})])),
]
