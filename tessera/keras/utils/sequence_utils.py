"""`keras.utils.pad_sequences`."""
import numpy as np

from ..saving.object_registration import keras_export

__all__ = ["pad_sequences"]


@keras_export("keras.utils")
def pad_sequences(sequences, maxlen=None, dtype="int32", padding="pre", truncating="pre",
                  value=0.0):
    """Pads sequences to the same length.

    Args:
        sequences: list of sequences (each a list of scalars or of equal-shape arrays).
        maxlen: output length; None uses the longest sequence.
        dtype: output dtype (may be a string type such as "object").
        padding: "pre" or "post": pad before or after each sequence.
        truncating: "pre" or "post": drop values from the start or end of long sequences.
        value: padding value.

    Returns:
        A NumPy array of shape `(len(sequences), maxlen) + sample_shape`.

    Example:
    >>> keras.utils.pad_sequences([[1], [2, 3]])
    array([[0, 1],
           [2, 3]], dtype=int32)
    """
    if not hasattr(sequences, "__len__"):
        raise ValueError("pad_sequences: `sequences` must be iterable (a list of lists).")
    num_samples = len(sequences)
    lengths = []
    sample_shape = ()
    found = False
    for x in sequences:
        try:
            lengths.append(len(x))
        except TypeError as e:
            raise ValueError("pad_sequences: `sequences` must be a list of iterables. Found "
                             f"non-iterable: {x!r}") from e
        if not found and len(x):
            sample_shape = np.asarray(x).shape[1:]
            found = True
    if maxlen is None:
        maxlen = max(lengths) if lengths else 0
    is_str = np.issubdtype(np.dtype(dtype), np.str_) or np.dtype(dtype) == np.dtype(object)
    if isinstance(value, str) and dtype != object and not is_str:
        raise ValueError(f"pad_sequences: `dtype` {dtype} is not compatible with `value`'s "
                         f"type {type(value)}. Use `dtype=object` for variable-length "
                         "strings.")
    if padding not in ("pre", "post"):
        raise ValueError(f'Padding type "{padding}" not understood')
    if truncating not in ("pre", "post"):
        raise ValueError(f'Truncating type "{truncating}" not understood')
    x = np.full((num_samples, maxlen) + sample_shape, value, dtype=dtype)
    for idx, s in enumerate(sequences):
        if not len(s):
            continue
        trunc = s[-maxlen:] if truncating == "pre" else s[:maxlen]
        if maxlen == 0:
            continue
        trunc = np.asarray(trunc, dtype=dtype)
        if trunc.shape[1:] != sample_shape:
            raise ValueError(f"pad_sequences: shape of sample {trunc.shape[1:]} of sequence at "
                             f"position {idx} differs from the expected shape {sample_shape}.")
        if padding == "post":
            x[idx, :len(trunc)] = trunc
        else:
            x[idx, maxlen - len(trunc):] = trunc
    return x
