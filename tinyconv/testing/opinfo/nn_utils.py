"""Registry entries: ``nn.utils`` functions on tensors (``nn.utils.rnn.pad_sequence``).

A list argument is built inside the sample's call from its tensor inputs, so each sequence
is an input with its own gradient."""
from .core import BadArg, OpInfo, Sample, ints, normal


def _pad(M):
    return M.nn.utils.rnn.pad_sequence


def _seqs(*lengths, rest=(3,)):
    return [(f"seq{i}", normal(n, *rest), True) for i, n in enumerate(lengths)]


def _pad_sequence_samples():
    for batch_first in (False, True):
        for side in ("right", "left"):
            yield Sample(_seqs(2, 5, 1), label=f"(L, 3) batch_first={batch_first} {side}",
                         fn=lambda M, F, *s, bf=batch_first, side=side: _pad(M)(
                             list(s), bf, padding_side=side))
    yield Sample(_seqs(3, 1, 4, rest=()), label="1-d padding_value=-1.5 tuple",
                 fn=lambda M, F, *s: _pad(M)(s, padding_value=-1.5))
    yield Sample(_seqs(2, 3, rest=(2, 2)), label="(L, 2, 2) batch_first left value 7",
                 fn=lambda M, F, *s: _pad(M)(list(s), True, 7, "left"))
    yield Sample(_seqs(3, 3), label="equal lengths", fn=lambda M, F, *s: _pad(M)(list(s)))
    yield Sample(_seqs(4), label="one sequence", fn=lambda M, F, *s: _pad(M)(list(s), True))
    yield Sample([("input", normal(3, 2, 4), True)], label="a tensor: its rows",
                 fn=lambda M, F, t: _pad(M)(t))
    yield Sample([("seq0", ints(0, 9, 3), False), ("seq1", ints(0, 9, 1), False)],
                 label="int64 padding_value=0.5 truncates",
                 fn=lambda M, F, a, b: _pad(M)([a, b], padding_value=0.5))
    yield Sample([("seq0", normal(2, 3), True), ("seq1", normal(4, 3), True)],
                 label="second sequence float64 takes the first's dtype",
                 fn=lambda M, F, a, b: _pad(M)([a, b.double()], True))


def _bad(label, call, exc, match, **kw):
    return BadArg(label, lambda M, F: call(M, _pad(M)), exc, match, **kw)


BAD = [
    _bad("empty list", lambda M, p: p([]), RuntimeError, "empty list"),
    _bad("padding_side='middle'", lambda M, p: p([M.ones(2)], padding_side="middle"),
         RuntimeError, "padding_side", names_op=False),
    _bad("trailing sizes differ", lambda M, p: p([M.ones(2, 3), M.ones(2, 4)]), RuntimeError,
         "match", names_op=False),
    _bad("an int element", lambda M, p: p([M.ones(2), 3]), TypeError, "element 1"),
    _bad("a list of lists", lambda M, p: p([[1.0, 2.0]]), TypeError, "element 0",
         names_op=False),
    _bad("0-d elements", lambda M, p: p([M.tensor(1.0), M.tensor(2.0)]), RuntimeError, "",
         names_op=False),
    _bad("padding_side=3", lambda M, p: p([M.ones(2)], padding_side=3), TypeError,
         "padding_side"),
    _bad("padding_value='x'", lambda M, p: p([M.ones(2)], padding_value="x"), TypeError,
         "padding_value"),
]

OPS = [OpInfo("nn.utils.rnn.pad_sequence", _pad_sequence_samples, "nn_utils", bad_args=BAD)]
