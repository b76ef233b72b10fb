"""Registry entries: 1-D and 3-D pooling, adaptive max pooling, power-average pooling, and
the channel/alpha dropouts, bilinear, channel_shuffle, local_response_norm, rms_norm.
Max pooling samples use distinct values (no ties: one argmax per window)."""
from .core import BadArg, OpInfo, Sample, distinct, normal, positive, x


def _d(*shape):
    return ("input", distinct(*shape), True)


def _max1d():
    yield Sample([_d(2, 3, 9)], kernel_size=3)
    yield Sample([_d(2, 3, 9)], kernel_size=3, stride=2, padding=1, dilation=2)
    yield Sample([_d(3, 10)], kernel_size=4, stride=3, ceil_mode=True)
    yield Sample([_d(2, 3, 9)], label="indices", kernel_size=2, return_indices=True)
    yield Sample([_d(1, 2, 6)], gradcheck=True, kernel_size=2)


def _max3d():
    yield Sample([_d(2, 3, 5, 6, 7)], kernel_size=(2, 3, 2), stride=(2, 1, 2))
    yield Sample([_d(2, 2, 5, 6, 5)], kernel_size=3, stride=2, padding=1, ceil_mode=True)
    yield Sample([_d(3, 5, 6, 7)], kernel_size=2, dilation=(2, 1, 2), return_indices=True)
    yield Sample([_d(1, 1, 3, 4, 4)], gradcheck=True, kernel_size=2)


def _avg1d():
    yield Sample([x(2, 3, 9)], kernel_size=3)
    yield Sample([x(2, 3, 9)], kernel_size=3, stride=2, padding=1, count_include_pad=False)
    yield Sample([x(3, 10)], kernel_size=4, stride=3, padding=2, ceil_mode=True)


def _avg3d():
    yield Sample([x(2, 3, 5, 6, 7)], kernel_size=(2, 3, 2), stride=(2, 1, 2), padding=(1, 1, 0))
    yield Sample([x(2, 2, 5, 6, 5)], kernel_size=3, stride=2, padding=1, ceil_mode=True,
                 count_include_pad=False)
    yield Sample([x(2, 2, 4, 4, 4)], kernel_size=2, divisor_override=3)
    yield Sample([x(3, 5, 6, 7)], kernel_size=3, stride=2, padding=1, ceil_mode=True)
    yield Sample([x(1, 1, 3, 3, 3)], gradcheck=True, kernel_size=2, stride=1)


def _adaptive(n, with_indices):
    shapes = {1: [(2, 3, 9), (3, 10)], 2: [(2, 3, 7, 9), (3, 5, 4)],
              3: [(2, 3, 5, 6, 7), (2, 4, 3, 5)]}[n]
    sizes = {1: [4, 3], 2: [(3, 4), (2, None)], 3: [(2, 3, 4), 2]}[n]

    def samples():
        for shape, size in zip(shapes, sizes):
            mk = _d(*shape) if with_indices else x(*shape)
            yield Sample([mk], output_size=size)
        if with_indices:
            yield Sample([_d(*shapes[0])], label="indices", output_size=sizes[0],
                         return_indices=True)
        yield Sample([_d(*((1, 2) + (5,) * n))], gradcheck=True, output_size=3)
    return samples


def _lp(n):
    def samples():
        shape = (2, 3, 9) if n == 1 else (2, 3, 6, 7)
        for p, k, s in [(2.0, 3, None), (3.0, 2, 1), (1.5, 3, 2)]:
            yield Sample([("input", positive(*shape), True)], norm_type=p, kernel_size=k,
                         stride=s)
        small = (1, 2, 5) if n == 1 else (1, 2, 4, 4)
        yield Sample([("input", positive(*small), True)], norm_type=2.0, kernel_size=2,
                     stride=None, gradcheck=True)
    return samples


def _dropout_samples(shape):
    def samples():
        yield Sample([x(*shape)], p=0.5, training=False)
        yield Sample([x(*shape)], p=0.0, training=True)
        yield Sample([x(*shape[:-2], 2, 2)], p=0.0, training=True, label="small",
                     gradcheck=True)
    return samples


def _bilinear_samples():
    for lead in [(4,), (2, 3), ()]:
        yield Sample([("input1", normal(*lead, 3), True), ("input2", normal(*lead, 4), True),
                      ("weight", normal(5, 3, 4), True), ("bias", normal(5), True)],
                     fn=lambda M, F, a, b, w, bb: F.bilinear(a, b, w, bb))
    yield Sample([("input1", normal(2, 3), True), ("input2", normal(2, 2), True),
                  ("weight", normal(2, 3, 2), True)], label="no bias", gradcheck=True,
                 fn=lambda M, F, a, b, w: F.bilinear(a, b, w))


def _shuffle_samples():
    yield Sample([x(2, 6, 4, 5)], groups=3)
    yield Sample([x(2, 6, 4)], groups=2)


def _lrn_samples():
    yield Sample([x(2, 6, 5, 4)], size=3)
    yield Sample([x(2, 5, 7)], size=2, alpha=1e-2, beta=0.5, k=2.0)
    yield Sample([x(2, 6, 3, 4, 2)], size=4, k=0.5)
    yield Sample([x(1, 4, 3)], gradcheck=True, size=3, alpha=0.1)


def _rms_samples():
    yield Sample([x(2, 3, 4)], normalized_shape=(4,))
    yield Sample([x(2, 3, 4), ("weight", normal(3, 4), True)], normalized_shape=(3, 4),
                 eps=1e-5)
    yield Sample([x(5, 4)], normalized_shape=[4], eps=0.1)


def _m(M, *s):
    return M.randn(*s)


def _e(name, samples, bad, **kw):
    return OpInfo(name, samples, "pooling", bad_args=bad, **kw)


OPS = [
    _e("max_pool1d", _max1d, [BadArg("kernel 0", lambda M, F: F.max_pool1d(_m(M, 2, 3, 5), 0),
                                     RuntimeError, "kernel_size")], gradcheck="marked"),
    _e("max_pool3d", _max3d, [BadArg("4-D kernel", lambda M, F: F.max_pool3d(
        _m(M, 2, 3, 5, 5, 5), (2, 2, 2, 2)), RuntimeError, "kernel_size", torch="raises")],
       gradcheck="marked"),
    _e("avg_pool1d", _avg1d, [BadArg("2-D input", lambda M, F: F.avg_pool1d(_m(M, 5), 2),
                                     RuntimeError, "input", torch="raises")]),
    _e("avg_pool3d", _avg3d, [BadArg("divisor 0", lambda M, F: F.avg_pool3d(
        _m(M, 1, 2, 4, 4, 4), 2, divisor_override=0), RuntimeError, "divisor")]),
    _e("adaptive_avg_pool1d", _adaptive(1, False), [BadArg("pair size", lambda M, F:
                                                           F.adaptive_avg_pool1d(
                                                               _m(M, 2, 3, 5), (2, 2)),
                                                           TypeError, "output_size",
                                                           torch="raises")]),
    _e("adaptive_avg_pool3d", _adaptive(3, False), [BadArg("2-D input", lambda M, F:
                                                           F.adaptive_avg_pool3d(
                                                               _m(M, 3, 4), 2),
                                                           RuntimeError, "input",
                                                           torch="raises")]),
    _e("adaptive_max_pool1d", _adaptive(1, True), [BadArg("size -1", lambda M, F:
                                                          F.adaptive_max_pool1d(
                                                              _m(M, 2, 3, 5), -1),
                                                          RuntimeError, "output_size",
                                                          torch="raises"),
                                                   BadArg("size 2**63 - 1", lambda M, F:
                                                          F.adaptive_max_pool1d(
                                                              _m(M, 3, 3, 2), 2**63 - 1),
                                                          RuntimeError, "output", torch="raises")],
       gradcheck="marked"),
    _e("adaptive_max_pool2d", _adaptive(2, True), [BadArg("2-D input", lambda M, F:
                                                          F.adaptive_max_pool2d(_m(M, 3, 4), 2),
                                                          RuntimeError, "input",
                                                          torch="raises")],
       gradcheck="marked"),
    _e("adaptive_max_pool3d", _adaptive(3, True), [BadArg("2-D input", lambda M, F:
                                                          F.adaptive_max_pool3d(_m(M, 3, 4), 2),
                                                          RuntimeError, "input",
                                                          torch="raises")],
       gradcheck="marked"),
    _e("lp_pool1d", _lp(1), [BadArg("norm_type 0", lambda M, F: F.lp_pool1d(
        _m(M, 2, 3, 5), 0, 2), ValueError, "norm_type", torch=None)]),  # torch divides by 0
    _e("lp_pool2d", _lp(2), [BadArg("norm_type 0", lambda M, F: F.lp_pool2d(
        _m(M, 2, 3, 5, 5), 0, 2), ValueError, "norm_type", torch=None)]),
    _e("dropout1d", _dropout_samples((2, 3, 4)), [BadArg("4-D input", lambda M, F: F.dropout1d(
        _m(M, 2, 3, 4, 5)), RuntimeError, "4D")]),
    _e("dropout2d", _dropout_samples((2, 3, 4, 5)), [BadArg("p 2", lambda M, F: F.dropout2d(
        _m(M, 2, 3, 4, 5), 2.0), ValueError, "probability")]),
    _e("dropout3d", _dropout_samples((2, 3, 2, 4, 5)), [BadArg("p -1", lambda M, F: F.dropout3d(
        _m(M, 2, 3, 2, 4, 5), -1.0), ValueError, "probability")]),
    _e("alpha_dropout", _dropout_samples((3, 4)), [BadArg("p 2", lambda M, F: F.alpha_dropout(
        _m(M, 3, 4), 2.0, True), ValueError, "probability")]),
    _e("feature_alpha_dropout", _dropout_samples((2, 3, 4)), [BadArg(
        "p 2", lambda M, F: F.feature_alpha_dropout(_m(M, 2, 3, 4), 2.0, True), ValueError,
        "probability")]),
    _e("bilinear", _bilinear_samples, [BadArg("weight shape", lambda M, F: F.bilinear(
        _m(M, 2, 3), _m(M, 2, 4), _m(M, 5, 4, 3)), RuntimeError, "weight")]),
    _e("channel_shuffle", _shuffle_samples, [BadArg("groups", lambda M, F: F.channel_shuffle(
        _m(M, 2, 5, 3, 3), 2), RuntimeError, "divisible")]),
    _e("local_response_norm", _lrn_samples, [BadArg("2-D input", lambda M, F:
                                                    F.local_response_norm(_m(M, 3, 4), 2),
                                                    ValueError, "dimensionality")]),
    _e("rms_norm", _rms_samples, [BadArg("shape", lambda M, F: F.rms_norm(_m(M, 2, 3), (4,)),
                                         RuntimeError, "normalized_shape")]),
]
