"""What a tensor says about itself beyond its values, and its conversions, as torch's.

``TensorAttrs`` is a base class of ``tinyconv.Tensor``: the device (always the CPU) and
``to()``/``cuda()``/``cpu()``; torch's type names (``x.type()`` is ``'tinyconv.FloatTensor'``)
and the dtype conversions; the memory layout (``stride()``, ``storage_offset()``,
``data_ptr()``, ``untyped_storage()``, in elements and bytes as torch counts them, read from
the ndarray); the ``new_*`` factories; and the matrix transposes ``mT``/``mH``/``H``.
``parse_to`` reads torch's ``to(...)`` arguments for tensors and modules alike.
"""
import warnings

import numpy as np

from . import _dtypes as D
from ._checks import check_bool
from ._device import check_device, cpu, cuda_error, no_accelerator
from ._engine import TensorBase, storage_root
from ._functions import arith as A
from ._functions import shape as Sh
from ._size import Size
from .ops.cast import ToBFloat16

__all__ = ["TensorAttrs", "UntypedStorage", "parse_to", "check_pin_memory"]

_TO_KEYWORDS = ("device", "dtype", "non_blocking", "copy", "memory_format")


def _is_dtype(value):
    return value is D.bfloat16 or isinstance(value, np.dtype) or (
        isinstance(value, type) and issubclass(value, np.generic))


def parse_to(op, args, kwargs):
    """torch's ``to(...)`` arguments: ``(device, dtype, non_blocking, copy)``.

    The three forms are torch's: ``to(device=None, dtype=None, non_blocking=False,
    copy=False)``, ``to(dtype, non_blocking=False, copy=False)`` and ``to(other,
    non_blocking=False, copy=False)``; ``memory_format`` is accepted and ignored.

    Args:
        op: the caller's name, for errors.
        args: the positional arguments.
        kwargs: the keyword arguments.

    Returns:
        tuple: the device (None when not given), the dtype (a NumPy dtype or None), and the
        non_blocking and copy flags.
    """
    for key in kwargs:
        if key not in _TO_KEYWORDS:
            raise TypeError(f"{op}() got an unexpected keyword argument '{key}'")
    args = list(args)
    given = {}
    if args and isinstance(args[0], TensorBase):
        other = args.pop(0)
        given = {"device": cpu, "dtype": other._data.dtype}
        names = ("non_blocking", "copy")
    elif args and _is_dtype(args[0]):
        given = {"dtype": args.pop(0)}
        names = ("non_blocking", "copy")
    else:
        names = ("device", "dtype", "non_blocking", "copy")
    if len(args) > len(names):
        raise TypeError(f"{op}() received an invalid combination of arguments: too many "
                        f"positional arguments")
    given.update(zip(names, args))
    for key, value in kwargs.items():
        if key in given:
            raise TypeError(f"{op}() got multiple values for argument '{key}'")
        given[key] = value
    dtype = given.get("dtype")
    if dtype is not None and not _is_dtype(dtype):
        raise TypeError(f"{op}(): argument 'dtype' must be a dtype, not "
                        f"{type(dtype).__name__}")
    for flag in ("non_blocking", "copy"):
        check_bool(op, flag, given.get(flag, False))
    if dtype is not D.bfloat16:  # bfloat16 stays itself: to() rounds to it
        dtype = D.canonical_dtype(dtype)
    return given.get("device"), dtype, bool(given.get("non_blocking")), bool(given.get("copy"))


def check_pin_memory(pin_memory):
    """torch's error for ``pin_memory=True`` without an accelerator (False passes).

    Args:
        pin_memory: the factory's argument.
    """
    if pin_memory:
        raise RuntimeError("pin_memory=True requires a CUDA or other accelerator backend; no "
                           "pinned memory allocator is available on this system.")


def _dim_index(dim, ndim, op):
    if ndim == 0:
        raise IndexError(f"{op}: Dimension specified as {dim} but tensor has no dimensions")
    if not -ndim <= dim < ndim:
        raise IndexError(f"{op}: Dimension out of range (expected to be in range of "
                         f"[{-ndim}, {ndim - 1}], but got {dim})")
    return dim % ndim


def _size_arg(size, op):
    if not size:
        raise TypeError(f'{op}() missing 1 required positional arguments: "size"')
    return Sh.shape_arg(size)


def _address(a):
    return a.__array_interface__["data"][0]


class UntypedStorage:
    """The memory under a tensor and its views (what ``Tensor.untyped_storage()`` returns).

    Two tensors share memory when their storages have the same ``data_ptr()``.

    Args:
        array: the ndarray that owns the memory.
    """

    __slots__ = ("_array",)

    def __init__(self, array):
        self._array = array

    @property
    def device(self):
        return cpu

    def data_ptr(self):
        """The address of the first byte.

        Returns:
            int: an address.
        """
        return _address(self._array)

    def nbytes(self):
        """The size in bytes.

        Returns:
            int: bytes.
        """
        return self._array.nbytes

    size = nbytes

    def __len__(self):
        return self._array.nbytes

    def element_size(self):
        """The size of one element: one byte (the storage is untyped).

        Returns:
            int: 1.
        """
        return 1

    def __repr__(self):
        return f"<tinyconv.UntypedStorage of {self._array.nbytes} bytes>"


class TensorAttrs:
    """Device, type names, memory layout, conversions and ``new_*`` factories of a Tensor."""

    __slots__ = ()

    # ----------------------------------------------------------------------------------
    # device
    # ----------------------------------------------------------------------------------
    @property
    def device(self):
        """The tensor's device: ``tinyconv.device('cpu')``."""
        return cpu

    is_cuda = False
    is_cpu = True
    is_meta = False

    def get_device(self):
        """The device ordinal of a CUDA tensor; -1 for a CPU tensor (as torch).

        Returns:
            int: -1.
        """
        return -1

    def to(self, *args, **kwargs):
        """This tensor with another dtype (or device): ``to(dtype)``, ``to(device, dtype)``,
        ``to(other)``, with ``non_blocking`` and ``copy`` keywords, as torch's.

        Returns self when nothing changes and ``copy`` is False; a device other than the CPU
        raises torch's error for a CPU-only build.
        """
        dev, dtype, _, copy = parse_to("to", args, kwargs)
        if dev is not None:
            # torch copies to a device with an index ("cpu:0" is not the tensor's "cpu")
            copy = check_device(dev, "to", creating=False)._index is not None or copy
        if dtype is D.bfloat16:
            return ToBFloat16.apply(self)
        if dtype is None or dtype == self._data.dtype:
            return self.clone() if copy else self
        return A.cast(self, dtype)

    def cpu(self, memory_format=None):
        """This tensor (it is on the CPU already).

        Args:
            memory_format: accepted, as torch's.

        Returns:
            Tensor: self.
        """
        return self

    def cuda(self, device=None, non_blocking=False, memory_format=None):
        """Move to a CUDA device: raises torch's error for a build without CUDA.

        Args:
            device: a CUDA device or None.
            non_blocking: accepted, as torch's.
            memory_format: accepted, as torch's.
        """
        raise cuda_error(device)

    def pin_memory(self, device=None):
        """Copy into page-locked memory: raises torch's error without an accelerator.

        Args:
            device: accepted, as torch's.
        """
        raise no_accelerator()

    def is_pinned(self, device=None):
        """Whether the tensor is in page-locked memory.

        Args:
            device: accepted, as torch's.

        Returns:
            bool: False.
        """
        return False

    # ----------------------------------------------------------------------------------
    # dtypes and torch's type names
    # ----------------------------------------------------------------------------------
    def type(self, dtype=None, non_blocking=False, **kwargs):
        """The type name (``'tinyconv.FloatTensor'``), or this tensor converted to a dtype.

        Args:
            dtype: None for the name; a dtype, or a type name ('tinyconv.DoubleTensor' or
                torch's 'torch.DoubleTensor'), to convert.
            non_blocking: accepted, as torch's.
            **kwargs: accepted, as torch's.

        Returns:
            str or Tensor: the name, or self when the dtype is already ``dtype``, else a
            converted copy.
        """
        if dtype is None:
            return D.type_name(self._data.dtype)
        if isinstance(dtype, str):
            dtype = D.dtype_of_type_name(dtype)
        elif hasattr(dtype, "_legacy_dtype"):  # tc.DoubleTensor
            dtype = dtype._legacy_dtype
        elif not _is_dtype(dtype):
            raise TypeError("dtype must be a type, str, or dtype object")
        return A.cast(self, dtype)

    def type_as(self, other):
        """This tensor in ``other``'s dtype.

        Args:
            other: a Tensor.

        Returns:
            Tensor: self when the dtypes agree, else a converted copy.
        """
        return A.cast(self, other._data.dtype)

    def float(self):
        return A.cast(self, D.float32)

    def double(self):
        return A.cast(self, D.float64)

    def half(self):
        return A.cast(self, D.float16)

    def bfloat16(self):
        """Values rounded to bfloat16, stored as float32 (NumPy has no bfloat16: see
        ``tinyconv._dtypes.bfloat16``)."""
        return ToBFloat16.apply(self)

    def long(self):
        return A.cast(self, D.int64)

    def int(self):
        return A.cast(self, D.int32)

    def bool(self):
        return A.cast(self, D.bool_)

    # ----------------------------------------------------------------------------------
    # memory layout, in torch's units
    # ----------------------------------------------------------------------------------
    def nelement(self):
        """The number of elements (``numel()``).

        Returns:
            int: the number of elements.
        """
        return self._data.size

    def element_size(self):
        """The size of one element in bytes.

        Returns:
            int: 4 for float32, 8 for float64 and int64...
        """
        return self._data.itemsize

    def is_contiguous(self, memory_format=None):
        """Whether the elements lie in memory in row-major order without gaps.

        Args:
            memory_format: accepted, as torch's.

        Returns:
            bool: True for a contiguous tensor.
        """
        return self._data.flags.c_contiguous

    def stride(self, dim=None):
        """The steps in memory, in elements, from one index to the next along each dimension.

        Args:
            dim: one dimension, or None for all.

        Returns:
            tuple or int: the strides (0 along an expanded dimension), or one of them.
        """
        a = self._data
        item = a.itemsize
        if dim is None:
            return tuple(s // item for s in a.strides)
        return a.strides[_dim_index(dim, a.ndim, "stride")] // item

    def storage_offset(self):
        """Where the first element sits in the storage, in elements.

        Returns:
            int: 0 for a tensor that starts its storage; ``x[1].storage_offset()`` is the size
            of a row.
        """
        a = self._data
        return (_address(a) - _address(storage_root(a))) // a.itemsize

    def data_ptr(self):
        """The address of the first element (0 for an empty tensor, as torch).

        Returns:
            int: an address.
        """
        return _address(self._data) if self._data.size else 0

    def _is_view(self):
        """Whether this tensor is a view of another (its ``_base``), as torch's."""
        return self._base is not None

    def untyped_storage(self):
        """The memory this tensor views, shared with its base and its other views.

        Returns:
            UntypedStorage: with ``data_ptr()`` and ``nbytes()``.
        """
        return UntypedStorage(storage_root(self._data))

    # ----------------------------------------------------------------------------------
    # new tensors like this one
    # ----------------------------------------------------------------------------------
    def _new(self, make, dtype, device, requires_grad, pin_memory, op):
        check_device(device, op)
        check_pin_memory(pin_memory)
        arr = make(self._data.dtype if dtype is None else D.canonical_dtype(dtype))
        t = self._make(arr, False, None)
        return t.requires_grad_(True) if requires_grad else t

    def new_zeros(self, *size, dtype=None, device=None, requires_grad=False, pin_memory=False):
        """A tensor of zeros, by default of this tensor's dtype.

        Args:
            *size: the shape, as ints or one sequence.
            dtype: the dtype (default: this tensor's).
            device: the device (the CPU).
            requires_grad: record operations on the result for autograd.
            pin_memory: accepted when False, as torch's without an accelerator.

        Returns:
            Tensor: a new tensor.
        """
        shape = _size_arg(size, "new_zeros")
        return self._new(lambda dt: np.zeros(shape, dtype=dt), dtype, device, requires_grad,
                         pin_memory, "new_zeros")

    def new_ones(self, *size, dtype=None, device=None, requires_grad=False, pin_memory=False):
        """A tensor of ones, by default of this tensor's dtype.

        Args:
            *size: the shape, as ints or one sequence.
            dtype: the dtype (default: this tensor's).
            device: the device (the CPU).
            requires_grad: record operations on the result for autograd.
            pin_memory: accepted when False, as torch's without an accelerator.

        Returns:
            Tensor: a new tensor.
        """
        shape = _size_arg(size, "new_ones")
        return self._new(lambda dt: np.ones(shape, dtype=dt), dtype, device, requires_grad,
                         pin_memory, "new_ones")

    def new_empty(self, *size, dtype=None, device=None, requires_grad=False, pin_memory=False):
        """An uninitialised tensor, by default of this tensor's dtype.

        Args:
            *size: the shape, as ints or one sequence.
            dtype: the dtype (default: this tensor's).
            device: the device (the CPU).
            requires_grad: record operations on the result for autograd.
            pin_memory: accepted when False, as torch's without an accelerator.

        Returns:
            Tensor: a new tensor.
        """
        shape = _size_arg(size, "new_empty")
        return self._new(lambda dt: np.empty(shape, dtype=dt), dtype, device, requires_grad,
                         pin_memory, "new_empty")

    def new_full(self, size, fill_value, dtype=None, device=None, requires_grad=False,
                 pin_memory=False):
        """A tensor filled with ``fill_value``, by default of this tensor's dtype.

        Args:
            size: the shape, a sequence of ints.
            fill_value: the value.
            dtype: the dtype (default: this tensor's).
            device: the device (the CPU).
            requires_grad: record operations on the result for autograd.
            pin_memory: accepted when False, as torch's without an accelerator.

        Returns:
            Tensor: a new tensor.
        """
        shape = Sh.shape_arg((size,))
        return self._new(lambda dt: np.full(shape, fill_value, dtype=dt), dtype, device,
                         requires_grad, pin_memory, "new_full")

    def new_tensor(self, data, dtype=None, device=None, requires_grad=False,
                   pin_memory=False):
        """A copy of ``data``, by default in this tensor's dtype.

        Args:
            data: a number, a (nested) list, an ndarray or a Tensor (torch's warning: prefer
                ``data.detach().clone()``).
            dtype: the dtype (default: this tensor's).
            device: the device (the CPU).
            requires_grad: record operations on the result for autograd.
            pin_memory: accepted when False, as torch's without an accelerator.

        Returns:
            Tensor: a new tensor that shares no memory with ``data``.
        """
        if isinstance(data, TensorBase):
            warnings.warn("To copy construct from a tensor, it is recommended to use "
                          "sourceTensor.detach().clone() or sourceTensor.detach().clone()"
                          ".requires_grad_(True), rather than tensor.new_tensor(sourceTensor).",
                          UserWarning, stacklevel=2)
            data = data._data
        return self._new(lambda dt: np.array(data, dtype=dt), dtype, device, requires_grad,
                         pin_memory, "new_tensor")

    # ----------------------------------------------------------------------------------
    # matrix transposes (views)
    # ----------------------------------------------------------------------------------
    @property
    def mT(self):
        """The last two dimensions swapped (a view; a batch of matrices transposed)."""
        if self._data.ndim < 2:
            raise RuntimeError(f"tensor.mT is only supported on matrices or batches of "
                               f"matrices. Got {self._data.ndim}-D tensor.")
        return Sh.transpose(self, -2, -1)

    @property
    def mH(self):
        """The conjugate transpose of the last two dimensions (``mT`` for real tensors)."""
        if self._data.ndim < 2:
            raise RuntimeError(f"tensor.mH is only supported on matrices or batches of "
                               f"matrices. Got {self._data.ndim}-D tensor.")
        return Sh.transpose(self, -2, -1)

    @property
    def H(self):
        """The conjugate transpose of a matrix (``t()`` for real tensors)."""
        if self._data.ndim != 2:
            raise RuntimeError(f"tensor.H is only supported on matrices (2-D tensors). Got "
                               f"{self._data.ndim}-D tensor."
                               + (" For batches of matrices, consider using tensor.mH"
                                  if self._data.ndim > 2 else ""))
        return Sh.transpose(self, 0, 1)

    # the shape, as a tinyconv.Size
    @property
    def shape(self):
        """The sizes of the dimensions, a ``tinyconv.Size``."""
        return _new_size(Size, self._data.shape)

    def size(self, dim=None):
        """The shape, or the size of one dimension.

        Args:
            dim: a dimension (negative counts from the end), or None for the whole shape.

        Returns:
            Size or int: the shape, or one size.
        """
        if dim is None:
            return _new_size(Size, self._data.shape)
        return self._data.shape[_dim_index(dim, self._data.ndim, "size")]


_new_size = tuple.__new__
