"""`ts.debugging` and `ts.print`: assertions on values and shapes, numeric checks."""
import sys

import numpy as np

from .backend import xp as _xp
from .core import errors as _errors
from .core.tensor import Tensor, to_array

__all__ = ["print"]

_print = print


def print(*inputs, output_stream=None, summarize=3, sep=" ", end="\n", name=None):
    """Prints tensors and Python values, as `tf.print` (NumPy-style summarised arrays).

    Args:
        *inputs: tensors and other values.
        output_stream: `sys.stdout` (default), `sys.stderr`, or a file path
            prefixed with `file://`.
        summarize: items printed at each end of each axis (-1 prints all).
        sep, end: as for Python's `print`.
    """
    parts = []
    for x in inputs:
        if isinstance(x, Tensor):
            a = _xp.to_numpy(x._a)
            if a.ndim == 0:
                parts.append(str(a.item()))
            else:
                thr = sys.maxsize if summarize is None or summarize < 0 else 2 * summarize
                parts.append(np.array2string(a, separator=" ", threshold=thr,
                                             edgeitems=max(summarize or 3, 1)))
        else:
            parts.append(str(x))
    text = sep.join(parts) + end
    stream = output_stream if output_stream is not None else sys.stdout
    if isinstance(stream, str):
        if stream.startswith("file://"):
            with open(stream[len("file://"):], "a") as f:
                f.write(text)
            return
        stream = {"stdout": sys.stdout, "stderr": sys.stderr}.get(stream, sys.stdout)
    stream.write(text)
