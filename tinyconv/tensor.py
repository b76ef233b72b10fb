"""Tensor: an ndarray with a gradient, a grad flag and the node that produced it.

Dunders and methods call the public ops (one Function per op, in ``tinyconv.ops``); the
engine in ``autograd.py`` alone writes ``.grad``.
"""
from __future__ import annotations

import numbers

import numpy as np

from . import autograd
from .autograd import Node
from .ops import elementwise as E
from .ops import linalg as L
from .ops import reduce as R
from .ops import shape as S

# dtypes are NumPy dtypes under torch's names
float16 = np.dtype(np.float16)
float32 = np.dtype(np.float32)
float64 = np.dtype(np.float64)
int8 = np.dtype(np.int8)
int16 = np.dtype(np.int16)
int32 = np.dtype(np.int32)
int64 = np.dtype(np.int64)
uint8 = np.dtype(np.uint8)
bool_ = np.dtype(np.bool_)  # exported as tinyconv.bool

_py_bool, _py_float, _py_int = bool, float, int

_default_dtype = [float32]


def get_default_dtype():
    """The floating dtype used for Python floats and factories (float32 unless changed)."""
    return _default_dtype[0]


def set_default_dtype(dtype):
    """Set the default floating dtype (float32 or float64)."""
    dt = np.dtype(dtype)
    if dt not in (float32, float64):
        raise TypeError(f"set_default_dtype: only float32 and float64 are supported, got {dt}")
    _default_dtype[0] = dt


def _is_float(dt):
    return dt.kind == "f"


def _canonical_dtype(dtype):
    if dtype is None:
        return None
    try:
        return np.dtype(dtype)
    except TypeError:
        raise TypeError(f"unsupported dtype {dtype!r}") from None


def _as_array(data, dtype=None):
    """ndarray from Python data with torch's inference (floats -> default dtype, ints -> int64)."""
    if isinstance(data, Tensor):
        arr = data.data
    elif isinstance(data, np.ndarray):
        arr = data
    elif isinstance(data, np.generic):
        arr = np.asarray(data)  # NumPy scalars keep their dtype, as in torch
    else:
        arr = np.asarray(data)
        if dtype is None:
            if arr.dtype.kind == "f":
                arr = arr.astype(get_default_dtype())
            elif arr.dtype.kind in "iu" and arr.dtype != np.uint8:
                arr = arr.astype(np.int64)
    if arr.dtype.kind not in "biufc":
        # strings, bytes, objects, structured/void records: torch's TypeError, not a cast
        # that fails (or silently succeeds) later
        raise TypeError(f"tensor: can't convert {type(data).__name__} of dtype {arr.dtype} "
                        f"(shape {arr.shape}); only bool, integer, float and complex data is "
                        f"supported")
    if dtype is not None:
        arr = arr.astype(dtype, copy=False)
    return arr


class Tensor:
    """An n-dimensional array that can record the operations applied to it.

    Attributes:
        data: the ndarray holding the values.
        grad: a Tensor with the accumulated gradient (leaves only), or None.
        requires_grad: whether operations on this tensor are recorded.
        grad_fn: the Node that produced this tensor (None for leaves).
    """

    __slots__ = ("data", "grad", "requires_grad", "grad_fn", "_hooks", "__weakref__")
    __array_priority__ = 1000  # ndarray OP Tensor defers to Tensor's reflected dunders

    def __init__(self, data, requires_grad=False, dtype=None):
        arr = _as_array(data, _canonical_dtype(dtype))
        if isinstance(data, (np.ndarray, Tensor)) and arr is (data.data if isinstance(data, Tensor) else data):
            arr = arr.copy()
        self.data = arr
        self.grad = None
        self.grad_fn = None
        self._hooks = None
        self.requires_grad = False
        if requires_grad:
            self.requires_grad_(True)

    @classmethod
    def _make(cls, data, requires_grad, grad_fn):
        """Fast internal constructor: no copy, no checks (0-d NumPy scalars become arrays)."""
        t = object.__new__(Tensor)
        if type(data) is not np.ndarray:
            data = np.asarray(data)
        t.data = data
        t.grad = None
        t.requires_grad = requires_grad
        t.grad_fn = grad_fn
        t._hooks = None
        return t

    # ----------------------------------------------------------------------------------
    # properties
    # ----------------------------------------------------------------------------------
    @property
    def shape(self):
        return self.data.shape

    @property
    def dtype(self):
        return self.data.dtype

    @property
    def ndim(self):
        return self.data.ndim

    @property
    def is_leaf(self):
        return self.grad_fn is None

    @property
    def device(self):
        return "cpu"

    @property
    def T(self):
        return self.permute(*reversed(range(self.ndim)))

    def size(self, dim=None):
        if dim is None:
            return self.data.shape
        return self.data.shape[R.normalize_dims(dim, self.ndim, "size")[0]] if self.ndim else 1

    def dim(self):
        return self.data.ndim

    def numel(self):
        return self.data.size

    def element_size(self):
        return self.data.itemsize

    def is_floating_point(self):
        return _is_float(self.data.dtype)

    def is_contiguous(self):
        return self.data.flags.c_contiguous

    # ----------------------------------------------------------------------------------
    # conversions
    # ----------------------------------------------------------------------------------
    def numpy(self):
        """The underlying ndarray (shares memory); like torch, refuses while requiring grad."""
        if self.requires_grad:
            raise RuntimeError(
                "Can't call numpy() on Tensor that requires grad. Use tensor.detach().numpy() "
                "instead.")
        return self.data

    def item(self):
        if self.data.size != 1:
            raise RuntimeError(
                f"a Tensor with {self.data.size} elements cannot be converted to Scalar")
        return self.data.reshape(()).item()

    def tolist(self):
        return self.data.tolist()

    def __array__(self, dtype=None, copy=None):
        if dtype is not None and np.dtype(dtype) != self.data.dtype:
            return self.data.astype(dtype)
        return self.data.copy() if copy else self.data

    def __float__(self):
        return _py_float(self.item())

    def __int__(self):
        return _py_int(self.item())

    def __index__(self):
        if self.data.dtype.kind not in "iub" or self.data.size != 1:
            raise TypeError("only integer tensors of a single element can be converted to an index")
        return _py_int(self.item())

    def __bool__(self):
        if self.data.size != 1:
            raise RuntimeError(
                f"Boolean value of Tensor with {self.data.size} values is ambiguous")
        return _py_bool(self.data.reshape(()))

    def __len__(self):
        if self.ndim == 0:
            raise TypeError("len() of a 0-d tensor")
        return self.data.shape[0]

    def __iter__(self):
        if self.ndim == 0:
            raise TypeError("iteration over a 0-d tensor")
        return (self[i] for i in range(self.data.shape[0]))

    def __format__(self, spec):
        if self.ndim == 0:
            return format(self.item(), spec)
        return object.__format__(self, spec)

    __hash__ = object.__hash__

    def __repr__(self):
        body = np.array2string(self.data, separator=", ", prefix="tensor(", precision=4)
        extra = []
        if self.data.dtype not in (get_default_dtype(), int64, bool_):
            extra.append(f"dtype=tinyconv.{self.data.dtype}")
        if self.grad_fn is not None:
            extra.append(f"grad_fn={self.grad_fn!r}")
        elif self.requires_grad:
            extra.append("requires_grad=True")
        return "tensor(" + body + "".join(", " + e for e in extra) + ")"

    def to(self, *args, **kwargs):
        """``t.to(dtype)``; a device argument ('cpu') is accepted and ignored."""
        dtype = kwargs.get("dtype")
        for a in args:
            if isinstance(a, str) and a.startswith("cpu"):
                continue
            if isinstance(a, Tensor):
                dtype = a.dtype
            else:
                dtype = a
        if dtype is None or np.dtype(dtype) == self.data.dtype:
            return self
        return E.Cast.apply(self, dtype=np.dtype(dtype))

    def type(self, dtype=None):
        return self.data.dtype if dtype is None else self.to(dtype)

    def float(self):
        return self.to(float32)

    def double(self):
        return self.to(float64)

    def long(self):
        return self.to(int64)

    def int(self):
        return self.to(int32)

    def bool(self):
        return self.to(bool_)

    def half(self):
        return self.to(float16)

    def cpu(self):
        return self

    # ----------------------------------------------------------------------------------
    # autograd
    # ----------------------------------------------------------------------------------
    def requires_grad_(self, requires_grad=True):
        """Set ``requires_grad`` in place (leaves only); returns self."""
        if requires_grad and not _is_float(self.data.dtype):
            raise RuntimeError(
                f"requires_grad_: only Tensors of floating point dtype can require gradients "
                f"(got dtype {self.data.dtype})")
        if not requires_grad and self.grad_fn is not None:
            raise RuntimeError(
                "requires_grad_: you can only change requires_grad flags of leaf variables. "
                "Use detach() to get a tensor that does not require grad.")
        self.requires_grad = _py_bool(requires_grad)
        return self

    def detach(self):
        """A new leaf sharing this tensor's data, outside any graph."""
        return Tensor._make(self.data, False, None)

    def detach_(self):
        self.grad_fn = None
        self.requires_grad = False
        return self

    def clone(self):
        return S.Contiguous.apply(self) if not self.data.flags.c_contiguous else \
            E.Mul.apply(self, Tensor._make(np.ones((), dtype=self.dtype), False, None))

    def contiguous(self):
        return self if self.data.flags.c_contiguous else S.Contiguous.apply(self)

    def retain_grad(self):
        """Keep ``.grad`` for this non-leaf tensor during backward."""
        import weakref

        if self.grad_fn is None:
            return
        self.grad_fn.retained = weakref.ref(self)

    def register_post_accumulate_grad_hook(self, hook):
        """Call ``hook(tensor)`` after a gradient is accumulated into this leaf's ``.grad``."""
        from .utils.hooks import RemovableHandle

        if self.grad_fn is not None:
            raise RuntimeError(
                "post accumulate grad hooks cannot be registered on non-leaf tensors")
        if self._hooks is None:
            self._hooks = {}
        handle = RemovableHandle(self._hooks)
        self._hooks[handle.id] = hook
        return handle

    def backward(self, gradient=None, retain_graph=None):
        """Compute gradients of this tensor w.r.t. the graph leaves.

        Args:
            gradient: the gradient of some scalar w.r.t. this tensor; may be omitted for a
                one-element tensor (it is then 1).
            retain_graph: keep saved buffers so backward can run through the graph again.
        """
        if not self.requires_grad:
            raise RuntimeError(
                "element 0 of tensors does not require grad and does not have a grad_fn")
        if gradient is None:
            if self.data.size != 1:
                raise RuntimeError(
                    f"grad can be implicitly created only for scalar outputs (this tensor has "
                    f"shape {tuple(self.shape)}); pass gradient= with that shape")
            g = np.ones(self.data.shape, dtype=self.data.dtype)
        else:
            g = gradient.data if isinstance(gradient, Tensor) else np.asarray(gradient)
            if g.shape != self.data.shape:
                raise RuntimeError(
                    f"backward: gradient has shape {tuple(g.shape)} but the output has shape "
                    f"{tuple(self.data.shape)}")
            g = g.astype(self.data.dtype, copy=True)
        autograd.backward(self, g, retain_graph=_py_bool(retain_graph))

    # ----------------------------------------------------------------------------------
    # in-place updates (data only; refused on leaves that require grad while grad is on)
    # ----------------------------------------------------------------------------------
    def _check_inplace(self, op):
        if self.requires_grad and autograd.is_grad_enabled():
            if self.grad_fn is None:
                raise RuntimeError(
                    f"{op}: a leaf Variable that requires grad is being used in an in-place "
                    f"operation.")
            raise RuntimeError(
                f"{op}: in-place operations on tensors that are part of a graph are not "
                f"supported; use the out-of-place op")

    def _other_array(self, other):
        a = other.data if isinstance(other, Tensor) else np.asarray(other)
        return a

    def zero_(self):
        self._check_inplace("zero_")
        self.data[...] = 0
        return self

    def fill_(self, value):
        self._check_inplace("fill_")
        self.data[...] = value
        return self

    def copy_(self, src):
        self._check_inplace("copy_")
        arr = self._other_array(src)
        try:
            np.copyto(self.data, np.broadcast_to(arr, self.data.shape), casting="unsafe")
        except ValueError:
            raise RuntimeError(
                f"copy_: source of shape {tuple(arr.shape)} cannot be broadcast to "
                f"{tuple(self.data.shape)}") from None
        return self

    def add_(self, other, alpha=1):
        self._check_inplace("add_")
        a = self._other_array(other)
        self.data += a if alpha == 1 else a * alpha
        return self

    def sub_(self, other, alpha=1):
        return self.add_(other, alpha=-alpha)

    def mul_(self, other):
        self._check_inplace("mul_")
        self.data *= self._other_array(other)
        return self

    def div_(self, other):
        self._check_inplace("div_")
        self.data /= self._other_array(other)
        return self

    def clamp_(self, min=None, max=None):
        self._check_inplace("clamp_")
        np.clip(self.data, min, max, out=self.data)
        return self

    def uniform_(self, a=0.0, b=1.0, generator=None):
        from ._random import _gen

        self._check_inplace("uniform_")
        self.data[...] = _gen(generator).uniform(a, b, size=self.data.shape)
        return self

    def normal_(self, mean=0.0, std=1.0, generator=None):
        from ._random import _gen

        self._check_inplace("normal_")
        self.data[...] = _gen(generator).normal(mean, std, size=self.data.shape)
        return self

    def __setitem__(self, index, value):
        self._check_inplace("__setitem__")
        self.data[_index_arrays(index)] = self._other_array(value)

    # ----------------------------------------------------------------------------------
    # arithmetic
    # ----------------------------------------------------------------------------------
    def __add__(self, other):
        return add(self, other)

    def __radd__(self, other):
        return add(other, self)

    def __sub__(self, other):
        return sub(self, other)

    def __rsub__(self, other):
        return sub(other, self)

    def __mul__(self, other):
        return mul(self, other)

    def __rmul__(self, other):
        return mul(other, self)

    def __truediv__(self, other):
        return div(self, other)

    def __rtruediv__(self, other):
        return div(other, self)

    def __pow__(self, other):
        return pow(self, other)

    def __rpow__(self, other):
        return pow(other, self)

    def __matmul__(self, other):
        return matmul(self, other)

    def __rmatmul__(self, other):
        return matmul(other, self)

    def __neg__(self):
        return E.Neg.apply(self)

    def __pos__(self):
        return self

    def __abs__(self):
        return self.abs()

    def __iadd__(self, other):
        return self.add_(other) if not self.requires_grad else add(self, other)

    def __isub__(self, other):
        return self.sub_(other) if not self.requires_grad else sub(self, other)

    def __imul__(self, other):
        return self.mul_(other) if not self.requires_grad else mul(self, other)

    def __itruediv__(self, other):
        return self.div_(other) if not self.requires_grad else div(self, other)

    # comparisons: no gradient, boolean results
    def __eq__(self, other):
        return _compare(np.equal, self, other)

    def __ne__(self, other):
        return _compare(np.not_equal, self, other)

    def __lt__(self, other):
        return _compare(np.less, self, other)

    def __le__(self, other):
        return _compare(np.less_equal, self, other)

    def __gt__(self, other):
        return _compare(np.greater, self, other)

    def __ge__(self, other):
        return _compare(np.greater_equal, self, other)

    def __invert__(self):
        if self.dtype != bool_:
            raise TypeError("~ is only supported on bool tensors here")
        return Tensor._make(~self.data, False, None)

    def __and__(self, other):
        return Tensor._make(self.data & self._other_array(other), False, None)

    def __or__(self, other):
        return Tensor._make(self.data | self._other_array(other), False, None)

    eq, ne, lt, le, gt, ge = __eq__, __ne__, __lt__, __le__, __gt__, __ge__

    def add(self, other, alpha=1):
        return add(self, other if alpha == 1 else other * alpha)

    def sub(self, other, alpha=1):
        return sub(self, other if alpha == 1 else other * alpha)

    def mul(self, other):
        return mul(self, other)

    def div(self, other):
        return div(self, other)

    def pow(self, exponent):
        return pow(self, exponent)

    def matmul(self, other):
        return matmul(self, other)

    def neg(self):
        return E.Neg.apply(self)

    def exp(self):
        return exp(self)

    def log(self):
        return log(self)

    def sqrt(self):
        return sqrt(self)

    def abs(self):
        return abs(self)

    def clamp(self, min=None, max=None):
        return clamp(self, min, max)

    clip = clamp

    def maximum(self, other):
        return maximum(self, other)

    def minimum(self, other):
        return minimum(self, other)

    # activations live in nn.functional; these are the Tensor-method spellings
    def relu(self):
        from .nn import functional as F

        return F.relu(self)

    def sigmoid(self):
        from .nn import functional as F

        return F.sigmoid(self)

    def tanh(self):
        from .nn import functional as F

        return F.tanh(self)

    def softmax(self, dim):
        from .nn import functional as F

        return F.softmax(self, dim)

    def log_softmax(self, dim):
        from .nn import functional as F

        return F.log_softmax(self, dim)

    # ----------------------------------------------------------------------------------
    # reductions
    # ----------------------------------------------------------------------------------
    def sum(self, dim=None, keepdim=False, dtype=None):
        x = self if dtype is None else self.to(dtype)
        if x.data.dtype.kind in "biu" and dtype is None:
            x = x.to(int64)
        return R.Sum.apply(x, axes=R.normalize_dims(dim, x.ndim, "sum"),
                           keepdim=R.check_keepdim(keepdim, "sum"))

    def mean(self, dim=None, keepdim=False, dtype=None):
        x = self if dtype is None else self.to(dtype)
        if not _is_float(x.data.dtype):
            raise RuntimeError(
                f"mean(): could not infer output dtype. Input dtype must be either a floating "
                f"point or complex dtype. Got: {x.dtype}")
        return R.Mean.apply(x, axes=R.normalize_dims(dim, x.ndim, "mean"),
                            keepdim=R.check_keepdim(keepdim, "mean"))

    def max(self, dim=None, keepdim=False):
        """Max of all elements, or ``(values, indices)`` along ``dim``; a Tensor ``dim``
        gives the elementwise maximum."""
        return _max_min(self, dim, keepdim, "max")

    def min(self, dim=None, keepdim=False):
        return _max_min(self, dim, keepdim, "min")

    def amax(self, dim=None, keepdim=False):
        keepdim = R.check_keepdim(keepdim, "amax")
        if dim is None:
            return R.MaxAll.apply(self, mode="max")
        if isinstance(dim, (tuple, list)):
            # several dims: reduce them one at a time, highest first, so the indices stay valid
            dims = R.normalize_dims(dim, self.ndim, "amax") if self.ndim else (0,)
            out = self
            for d in sorted(dims, reverse=True):
                out = R.MaxDim.apply(out, dim=d, keepdim=keepdim, mode="max")[0]
            return out
        return _max_min(self, dim, keepdim, "max")[0]

    def argmax(self, dim=None, keepdim=False):
        return _arg(self, dim, keepdim, np.argmax, "argmax")

    def argmin(self, dim=None, keepdim=False):
        return _arg(self, dim, keepdim, np.argmin, "argmin")

    def var(self, dim=None, unbiased=None, keepdim=False, correction=None):
        return _var(self, dim, unbiased, keepdim, correction, False)

    def std(self, dim=None, unbiased=None, keepdim=False, correction=None):
        return _var(self, dim, unbiased, keepdim, correction, True)

    # ----------------------------------------------------------------------------------
    # shape
    # ----------------------------------------------------------------------------------
    def reshape(self, *shape):
        target = _infer_shape(_shape_arg(shape), self.data.size, "reshape", self.shape)
        if target == self.data.shape:
            return self
        return S.Reshape.apply(self, shape=target)

    def view(self, *shape):
        if len(shape) == 1 and not isinstance(shape[0], (tuple, list)) and \
                not isinstance(shape[0], numbers.Integral):
            return self.to(shape[0])
        if not self.data.flags.c_contiguous:
            raise RuntimeError(
                f"view size is not compatible with input tensor's size and stride (input "
                f"shape {tuple(self.shape)} is not contiguous). Use .reshape(...) instead.")
        return self.reshape(*shape)

    def view_as(self, other):
        return self.view(other.shape)

    def reshape_as(self, other):
        return self.reshape(other.shape)

    def flatten(self, start_dim=0, end_dim=-1):
        return flatten(self, start_dim, end_dim)

    def permute(self, *dims):
        dims = _shape_arg(dims)
        if len(dims) != self.ndim:
            raise RuntimeError(
                f"permute: number of dims {len(dims)} does not match the tensor's {self.ndim} "
                f"(shape {tuple(self.shape)})")
        nd = R.normalize_dims(dims, self.ndim, "permute") if self.ndim else ()
        if len(nd) != self.ndim:
            raise RuntimeError(f"permute: repeated dim in {dims}")
        dims = tuple(_py_int(d) % self.ndim for d in dims)
        if dims == tuple(range(self.ndim)):
            return self
        return S.Permute.apply(self, dims=dims)

    def transpose(self, dim0, dim1):
        if self.ndim == 0:
            return self
        d0, d1 = (R.normalize_dims(d, self.ndim, "transpose")[0] for d in (dim0, dim1))
        perm = list(range(self.ndim))
        perm[d0], perm[d1] = perm[d1], perm[d0]
        return self.permute(*perm)

    def t(self):
        if self.ndim > 2:
            raise RuntimeError(f"t() expects a tensor with <= 2 dimensions, but self is {self.ndim}D")
        return self.T

    def unsqueeze(self, dim):
        nd = self.ndim + 1
        if not -nd <= dim < nd:
            raise IndexError(
                f"unsqueeze: Dimension out of range (expected to be in range of [{-nd}, {nd - 1}],"
                f" but got {dim})")
        d = dim % nd
        return S.Reshape.apply(self, shape=self.shape[:d] + (1,) + self.shape[d:])

    def squeeze(self, dim=None):
        if dim is None:
            shape = tuple(s for s in self.shape if s != 1)
        else:
            axes = R.normalize_dims(dim, self.ndim, "squeeze") if self.ndim else ()
            shape = tuple(s for i, s in enumerate(self.shape) if not (i in axes and s == 1))
        if shape == self.shape:
            return self
        return S.Reshape.apply(self, shape=shape)

    def expand(self, *sizes):
        sizes = _shape_arg(sizes)
        if len(sizes) < self.ndim:
            raise RuntimeError(
                f"expand: the number of sizes provided ({len(sizes)}) must be greater or equal "
                f"to the number of dimensions in the tensor ({self.ndim})")
        lead = len(sizes) - self.ndim
        target = []
        for i, s in enumerate(sizes):
            cur = self.shape[i - lead] if i >= lead else None
            if s == -1:
                if cur is None:
                    raise RuntimeError("expand: -1 is not allowed in a leading, new dimension")
                s = cur
            if cur is not None and cur != s and cur != 1:
                raise RuntimeError(
                    f"expand: the expanded size of the tensor ({s}) must match the existing size "
                    f"({cur}) at non-singleton dimension {i}. Target sizes: {list(sizes)}. "
                    f"Tensor sizes: {list(self.shape)}")
            target.append(_py_int(s))
        target = tuple(target)
        if target == self.shape:
            return self
        return S.Expand.apply(self, shape=target)

    def expand_as(self, other):
        return self.expand(*other.shape)

    def repeat(self, *sizes):
        sizes = _shape_arg(sizes)
        x = self.reshape((1,) * (len(sizes) - self.ndim) + self.shape)
        for d, r in enumerate(sizes):
            if r != 1:
                x = cat([x] * r, dim=d)
        return x

    def __getitem__(self, index):
        idx = _index_arrays(index)
        if S.is_advanced_index(idx):
            _check_index_bounds(idx, self.shape)
        return S.GetItem.apply(self, index=idx)


# --------------------------------------------------------------------------------------------
# public functional forms (tc.add, tc.exp, ...): the one place each op is wrapped
# --------------------------------------------------------------------------------------------
def _promote(da, db):
    if da == db:
        return da
    fa, fb = _is_float(da), _is_float(db)
    if fa and not fb:
        return da
    if fb and not fa:
        return db
    return np.promote_types(da, db)


def _scalar_dtype(value, like):
    """dtype torch gives a Python scalar combined with a tensor of dtype ``like``."""
    if _is_float(like):
        return like
    if isinstance(value, (_py_float, np.floating)):
        return get_default_dtype()
    if like == bool_ and isinstance(value, (numbers.Integral,)) and not isinstance(value, _py_bool):
        return int64
    return like


def _pair(a, b, op):
    """Two Tensors of one dtype, with torch's promotion for scalars and mixed dtypes."""
    if isinstance(a, Tensor):
        if isinstance(b, Tensor):
            da, db = a.data.dtype, b.data.dtype
            if da is not db and da != db:
                dt = _promote(da, db)
                a, b = a.to(dt), b.to(dt)
            return a, b
        b = _const(b, a.data.dtype, op)
    elif isinstance(b, Tensor):
        a = _const(a, b.data.dtype, op)
    else:
        raise TypeError(f"{op}: expected at least one Tensor")
    if a.data.dtype != b.data.dtype:  # e.g. an int tensor with a float scalar
        dt = _promote(a.data.dtype, b.data.dtype)
        a, b = a.to(dt), b.to(dt)
    return a, b


def _const(value, like, op):
    if isinstance(value, np.ndarray):
        t = Tensor._make(value, False, None)
        dt = _promote(like, value.dtype)
        return t if dt == value.dtype else t.to(dt)
    if not isinstance(value, numbers.Number):
        raise TypeError(f"{op}: unsupported operand type {type(value).__name__}")
    return Tensor._make(np.asarray(value, dtype=_scalar_dtype(value, like)), False, None)


def _binary(fn, a, b, op):
    try:
        return fn.apply(a, b)
    except ValueError:
        if a.data.shape != b.data.shape:
            _check_broadcast(a, b, op)
        raise


def add(input, other, alpha=1):
    a, b = _pair(input, other if alpha == 1 else other * alpha, "add")
    return _binary(E.Add, a, b, "add")


def sub(input, other, alpha=1):
    a, b = _pair(input, other if alpha == 1 else other * alpha, "sub")
    return _binary(E.Sub, a, b, "sub")


def mul(input, other):
    a, b = _pair(input, other, "mul")
    return _binary(E.Mul, a, b, "mul")


def div(input, other):
    a, b = _pair(input, other, "div")
    if not _is_float(a.data.dtype):  # true division of integers gives the default float
        a, b = a.to(get_default_dtype()), b.to(get_default_dtype())
    return _binary(E.Div, a, b, "div")


def pow(input, exponent):
    a, b = _pair(input, exponent, "pow")
    return _binary(E.Pow, a, b, "pow")


def matmul(input, other):
    a, b = _pair(input, other, "matmul")
    if a.ndim == 0 or b.ndim == 0:
        raise RuntimeError(
            f"matmul: both arguments need at least 1 dimension (got shapes {tuple(a.shape)} and "
            f"{tuple(b.shape)})")
    k_a = a.shape[-1]
    k_b = b.shape[-2] if b.ndim > 1 else b.shape[0]
    if k_a != k_b:
        raise RuntimeError(
            f"matmul: mat1 and mat2 shapes cannot be multiplied ({tuple(a.shape)} and "
            f"{tuple(b.shape)}): inner sizes {k_a} and {k_b} differ")
    if a.ndim > 2 or b.ndim > 2:
        try:
            np.broadcast_shapes(a.shape[:-2], b.shape[:-2])
        except ValueError:
            raise RuntimeError(
                f"matmul: batch dimensions of {tuple(a.shape)} and {tuple(b.shape)} do not "
                f"broadcast") from None
    return L.MatMul.apply(a, b)


def _unary(fn, x, name):
    if not isinstance(x, Tensor):
        raise TypeError(f"{name}(): argument 'input' must be a Tensor, not {type(x).__name__}")
    if not _is_float(x.data.dtype):
        x = x.to(get_default_dtype())
    return fn.apply(x)


def exp(input):
    return _unary(E.Exp, input, "exp")


def log(input):
    return _unary(E.Log, input, "log")


def sqrt(input):
    return _unary(E.Sqrt, input, "sqrt")


def abs(input):
    if not isinstance(input, Tensor):
        raise TypeError(f"abs(): argument 'input' must be a Tensor, not {type(input).__name__}")
    return E.Abs.apply(input)


def neg(input):
    return E.Neg.apply(input)


def clamp(input, min=None, max=None):
    if min is None and max is None:
        raise RuntimeError("clamp: at least one of 'min' or 'max' must not be None")
    for name, v in (("min", min), ("max", max)):
        if v is not None and not isinstance(v, numbers.Real):
            raise TypeError(f"clamp: {name} must be a number, got {type(v).__name__}")
    return E.Clamp.apply(input, min=min, max=max)


def maximum(input, other):
    a, b = _pair(input, other, "maximum")
    return _binary(E.Maximum, a, b, "maximum")


def minimum(input, other):
    a, b = _pair(input, other, "minimum")
    return _binary(E.Minimum, a, b, "minimum")


def where(condition, input, other):
    """Elements of ``input`` where ``condition`` holds, else of ``other``."""
    cond = condition.data if isinstance(condition, Tensor) else np.asarray(condition)
    if cond.dtype != np.bool_:
        raise TypeError(f"where: condition must be a bool tensor, got dtype {cond.dtype}")
    a, b = _pair(input, other, "where")
    try:
        np.broadcast_shapes(cond.shape, a.shape, b.shape)
    except ValueError:
        raise RuntimeError(
            f"where: shapes condition {cond.shape}, input {tuple(a.shape)} and other "
            f"{tuple(b.shape)} do not broadcast") from None
    return E.Where.apply(a, b, cond=cond)


def _compare(ufunc, a, b):
    x = a.data if isinstance(a, Tensor) else np.asarray(a)
    y = b.data if isinstance(b, Tensor) else np.asarray(b)
    try:
        return Tensor._make(ufunc(x, y), False, None)
    except ValueError:
        raise RuntimeError(
            f"{ufunc.__name__}: shapes {x.shape} and {y.shape} do not broadcast") from None


def _check_broadcast(a, b, op):
    try:
        np.broadcast_shapes(a.data.shape, b.data.shape)
    except ValueError:
        raise RuntimeError(
            f"{op}: The size of tensor a {tuple(a.shape)} must match the size of tensor b "
            f"{tuple(b.shape)} (shapes do not broadcast)") from None


def _max_min(x, dim, keepdim, mode):
    keepdim = R.check_keepdim(keepdim, mode)
    if isinstance(dim, Tensor):
        return maximum(x, dim) if mode == "max" else minimum(x, dim)
    if dim is None:
        return R.MaxAll.apply(x, mode=mode)
    if isinstance(dim, (tuple, list)):
        raise TypeError(f"{mode}(): dim must be an int, got {type(dim).__name__} {dim!r} "
                        f"(use amax for several dims)")
    d = R.normalize_dims(dim, x.ndim, mode)[0] if x.ndim else 0
    values, indices = R.MaxDim.apply(x, dim=d, keepdim=keepdim, mode=mode)
    return _MaxResult(values, indices)


autograd._Tensor = Tensor


class _MaxResult(tuple):
    """(values, indices) with torch's attribute names."""

    def __new__(cls, values, indices):
        return super().__new__(cls, (values, indices))

    @property
    def values(self):
        return self[0]

    @property
    def indices(self):
        return self[1]


def _arg(x, dim, keepdim, fn, name):
    keepdim = R.check_keepdim(keepdim, name)
    if dim is None:
        return Tensor._make(np.asarray(fn(x.data), dtype=np.int64), False, None)
    d = R.normalize_dims(dim, x.ndim, name)[0] if x.ndim else None
    out = fn(x.data, axis=d)
    if keepdim and d is not None:
        out = np.expand_dims(out, d)
    return Tensor._make(out.astype(np.int64, copy=False), False, None)


def _var(x, dim, unbiased, keepdim, correction, sqrt_):
    if correction is None:
        correction = 1 if unbiased is None or unbiased else 0
    elif unbiased is not None:
        raise RuntimeError("var: pass either unbiased or correction, not both")
    if isinstance(dim, bool):  # torch's old var(unbiased) positional form
        correction, dim = (1 if dim else 0), None
    if not _is_float(x.data.dtype):
        raise RuntimeError(f"{'std' if sqrt_ else 'var'}: input dtype must be floating point, got {x.dtype}")
    op = "std" if sqrt_ else "var"
    axes = R.normalize_dims(dim, x.ndim, op)
    return R.Var.apply(x, axes=axes, correction=correction, keepdim=R.check_keepdim(keepdim, op),
                       sqrt=sqrt_)


def flatten(input, start_dim=0, end_dim=-1):
    """Merge dims ``start_dim..end_dim`` into one."""
    if not isinstance(input, Tensor):
        raise TypeError(f"flatten(): argument 'input' must be a Tensor, not {type(input).__name__}")
    if input.ndim == 0:
        return input.reshape(1)
    s = R.normalize_dims(start_dim, input.ndim, "flatten")[0]
    e = R.normalize_dims(end_dim, input.ndim, "flatten")[0]
    if s > e:
        raise RuntimeError(
            f"flatten() has invalid args: start_dim {start_dim} cannot come after end_dim "
            f"{end_dim}")
    shape = input.shape
    n = 1
    for d in shape[s:e + 1]:
        n *= d
    return input.reshape(shape[:s] + (n,) + shape[e + 1:])


def cat(tensors, dim=0):
    """Concatenate along an existing dim."""
    tensors = _tensor_seq(tensors, "cat")
    ref = tensors[0]
    if ref.ndim == 0:
        raise RuntimeError("cat: zero-dimensional tensor cannot be concatenated")
    d = R.normalize_dims(dim, ref.ndim, "cat")[0]
    dt = ref.dtype
    for t in tensors[1:]:
        dt = _promote(dt, t.dtype)
    for i, t in enumerate(tensors):
        if t.ndim != ref.ndim or t.shape[:d] + t.shape[d + 1:] != ref.shape[:d] + ref.shape[d + 1:]:
            raise RuntimeError(
                f"cat: Sizes of tensors must match except in dimension {d}: tensor 0 has shape "
                f"{tuple(ref.shape)}, tensor {i} has shape {tuple(t.shape)}")
    tensors = [t.to(dt) for t in tensors]
    return S.Cat.apply(*tensors, dim=d)


def stack(tensors, dim=0):
    """Stack along a new dim."""
    tensors = _tensor_seq(tensors, "stack")
    ref = tensors[0]
    for i, t in enumerate(tensors):
        if t.shape != ref.shape:
            raise RuntimeError(
                f"stack expects each tensor to be equal size, but got {tuple(ref.shape)} at "
                f"entry 0 and {tuple(t.shape)} at entry {i}")
    nd = ref.ndim + 1
    if not -nd <= dim < nd:
        raise IndexError(f"stack: Dimension out of range (expected [{-nd}, {nd - 1}], got {dim})")
    dt = ref.dtype
    for t in tensors[1:]:
        dt = _promote(dt, t.dtype)
    return S.Stack.apply(*[t.to(dt) for t in tensors], dim=dim % nd)


def _tensor_seq(tensors, op):
    if isinstance(tensors, Tensor) or not len(tensors):
        raise (TypeError if isinstance(tensors, Tensor) else RuntimeError)(
            f"{op}: expected a non-empty sequence of Tensors")
    out = list(tensors)
    for i, t in enumerate(out):
        if not isinstance(t, Tensor):
            raise TypeError(f"{op}: expected Tensor as element {i}, got {type(t).__name__}")
    return out


def _shape_arg(shape):
    if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
        shape = tuple(shape[0])
    elif len(shape) == 1 and hasattr(shape[0], "__len__") and not isinstance(shape[0], Tensor):
        shape = tuple(shape[0])
    for s in shape:
        if not isinstance(s, numbers.Integral):
            raise TypeError(f"shape entries must be ints, got {s!r} in {shape}")
    return tuple(_py_int(s) for s in shape)


def _infer_shape(shape, size, op, src_shape):
    neg = [i for i, s in enumerate(shape) if s == -1]
    if len(neg) > 1:
        raise RuntimeError(f"{op}: only one dimension can be inferred (shape {shape})")
    if any(s < -1 for s in shape):
        raise RuntimeError(f"{op}: invalid shape dimension in {shape}")
    known = 1
    for s in shape:
        if s != -1:
            known *= s
    if neg:
        if known == 0 or size % known:
            raise RuntimeError(
                f"{op}: shape '{list(shape)}' is invalid for input of size {size} "
                f"(input shape {tuple(src_shape)})")
        shape = tuple(size // known if s == -1 else s for s in shape)
    elif known != size:
        raise RuntimeError(
            f"{op}: shape '{list(shape)}' is invalid for input of size {size} "
            f"(input shape {tuple(src_shape)})")
    return shape


def _index_arrays(index):
    """Replace Tensors/lists inside an index by ndarrays (numpy's advanced indexing)."""
    if isinstance(index, tuple):
        return tuple(_index_item(i) for i in index)
    return _index_item(index)


def _index_item(i):
    if isinstance(i, Tensor):
        arr = i.data
        if arr.dtype.kind == "f":
            raise IndexError(
                "tensors used as indices must be long, int, byte or bool tensors "
                f"(got {arr.dtype})")
        return arr
    if isinstance(i, list):
        arr = np.asarray(i)
        if arr.dtype.kind == "f":
            raise IndexError("indices must be integers or booleans")
        return arr
    return i


def _check_index_bounds(idx, shape):
    items = idx if isinstance(idx, tuple) else (idx,)
    dim = 0
    for it in items:
        if it is None:
            continue
        if it is Ellipsis:
            dim = len(shape) - sum(1 for j in items if j is not None and j is not Ellipsis
                                   and not (isinstance(j, np.ndarray) and j.dtype == np.bool_))
            continue
        if isinstance(it, np.ndarray):
            if it.dtype == np.bool_:
                dims = it.ndim
                if shape[dim:dim + dims] != it.shape:
                    raise IndexError(
                        f"The shape of the mask {it.shape} does not match the shape of the "
                        f"indexed tensor {tuple(shape)} at dim {dim}")
                dim += dims
                continue
            if dim >= len(shape):
                raise IndexError(f"too many indices for tensor of dimension {len(shape)}")
            n = shape[dim]
            if it.size and (it.max() >= n or it.min() < -n):
                bad = it.max() if it.max() >= n else it.min()
                raise IndexError(
                    f"index {bad} is out of bounds for dimension {dim} with size {n}")
        dim += 1
