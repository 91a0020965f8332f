"""Deterministic initializers: Zeros, Ones, Constant, Identity, STFT."""
import numpy as np

from ..saving import serialization_lib
from ..saving.object_registration import keras_export
from .initializer import Initializer, _float_dtype, _host, _np_dtype, _shape, _to_tensor

__all__ = ["Constant", "Zeros", "Ones", "Identity", "STFT"]


@keras_export("keras.initializers")
class Constant(Initializer):
    """Initializer that generates tensors with constant values.

    Only scalar values are allowed (a value that broadcasts to the requested
    shape also works). The value must be convertible to the requested dtype.

    Args:
        value: a Python scalar.

    Example:
    >>> initializer = keras.initializers.Constant(10.)
    >>> values = initializer(shape=(2, 2))
    >>> layer = keras.layers.Dense(3, kernel_initializer=initializer)
    """

    def __init__(self, value=0.0):
        self.value = value

    def __call__(self, shape, dtype=None):
        shape = _shape("Constant initializer", shape)
        _, npd = _np_dtype(dtype)
        v = _host(self.value)
        try:
            arr = np.broadcast_to(v.astype(npd), shape)
        except ValueError:
            raise ValueError(f"Constant initializer: the value of shape {v.shape} cannot fill a "
                             f"tensor of shape {shape}. Pass a scalar value.") from None
        return _to_tensor(arr, npd)

    def get_config(self):
        return {"value": serialization_lib.serialize_keras_object(self.value)}

    @classmethod
    def from_config(cls, config):
        return cls(serialization_lib.deserialize_keras_object(config["value"]))


@keras_export("keras.initializers")
class Zeros(Initializer):
    """Initializer that generates tensors initialized to 0.

    Example:
    >>> initializer = keras.initializers.Zeros()
    >>> values = initializer(shape=(2, 2))
    """

    def __call__(self, shape, dtype=None):
        """Returns zeros of `shape`; `dtype` (numeric or bool) defaults to floatx."""
        _, npd = _np_dtype(dtype)
        return _to_tensor(np.zeros(_shape("Zeros initializer", shape), npd), npd)


@keras_export("keras.initializers")
class Ones(Initializer):
    """Initializer that generates tensors initialized to 1.

    Example:
    >>> initializer = keras.initializers.Ones()
    >>> values = initializer(shape=(2, 2))
    """

    def __call__(self, shape, dtype=None):
        """Returns ones of `shape`; `dtype` (numeric or bool) defaults to floatx."""
        _, npd = _np_dtype(dtype)
        return _to_tensor(np.ones(_shape("Ones initializer", shape), npd), npd)


@keras_export("keras.initializers")
@keras_export("keras.initializers", name="IdentityInitializer")
class Identity(Initializer):
    """Initializer that generates the identity matrix (only for 2-D shapes).

    Also available as `keras.initializers.IdentityInitializer` and `identity`.

    Args:
        gain: multiplicative factor applied to the identity matrix.

    Example:
    >>> initializer = keras.initializers.Identity()
    >>> values = initializer(shape=(2, 2))
    """

    def __init__(self, gain=1.0):
        self.gain = gain

    def __call__(self, shape, dtype=None):
        shape = _shape("Identity initializer", shape)
        if len(shape) != 2:
            raise ValueError("Identity matrix initializer can only be used for 2D matrices. "
                             f"Received: shape={shape} of rank {len(shape)}.")
        _, npd = _np_dtype(dtype)
        return _to_tensor(_host(self.gain) * np.eye(*shape), npd)

    def get_config(self):
        return {"gain": self.gain}


@keras_export("keras.initializers")
@keras_export("keras.initializers", name="STFTInitializer")
class STFT(Initializer):
    """Initializer of Conv kernels computing a short-time Fourier transform.

    For a kernel of shape `(frame_length, 1, fft_length // 2 + 1)` it gives the
    real (`cos`) or imaginary (`-sin`) part of the DFT basis, optionally
    multiplied by a window from `scipy.signal.windows` and normalized.

    Args:
        side: `"real"` or `"imag"`.
        window: a window name (e.g. `"hann"`, `"hamming"`), an array of window
            values, or None for no window.
        scaling: `"density"` (divide by the window's L2 norm), `"spectrum"`
            (by its L1 norm) or None.
        periodic: whether the window is periodic (instead of symmetric).

    Example:
    >>> initializer = keras.initializers.STFT("real", "hann", "density", False)
    >>> values = initializer(shape=(128, 1, 65))
    """

    def __init__(self, side="real", window="hann", scaling="density", periodic=False):
        if side not in ("real", "imag"):
            raise ValueError(f"STFT initializer: side should be 'real' or 'imag', not {side!r}.")
        if isinstance(window, str):
            _get_window(window, 1, False)  # raises for an unknown window name
        if scaling is not None and scaling not in ("density", "spectrum"):
            raise ValueError("STFT initializer: scaling is invalid, it must be None, 'density' or "
                             f"'spectrum'. Received scaling={scaling!r}")
        self.side = side
        self.window = window
        self.scaling = scaling
        self.periodic = periodic

    def __call__(self, shape, dtype=None):
        shape = _shape("STFT initializer", shape)
        if len(shape) != 3:
            raise ValueError("STFT initializer: the shape must be (frame_length, input_channels, "
                             f"fft_length // 2 + 1), received shape={shape}.")
        _, npd = _float_dtype("STFT initializer", dtype)
        frame_length, _, fft_bins = shape
        fft_length = (fft_bins - 1) * 2
        freq = np.arange(fft_bins, dtype=np.float64).reshape(1, 1, fft_bins) / fft_length
        time = np.arange(frame_length, dtype=np.float64).reshape(frame_length, 1, 1)
        args = -2.0 * time * freq * np.pi
        kernel = np.cos(args) if self.side == "real" else np.sin(args)
        if self.window is not None:
            win = self.window
            if isinstance(win, str):
                win = _get_window(win, frame_length, self.periodic)
            win = _host(win).astype(np.float64)
            if win.ndim != 1 or win.shape[-1] != frame_length:
                raise ValueError("STFT initializer: the shape of `window` must be equal to "
                                 f"[frame_length]. Received: window shape={win.shape}")
            win = win.reshape(frame_length, 1, 1)
            if self.scaling == "density":
                scale = np.sqrt(np.sum(np.square(win)))
            elif self.scaling == "spectrum":
                scale = np.sum(np.abs(win))
            else:
                scale = 1.0
            kernel = kernel * win / scale
        return _to_tensor(np.broadcast_to(kernel, shape), npd)

    def get_config(self):
        return {"side": self.side, "window": self.window, "periodic": self.periodic,
                "scaling": self.scaling}


_NUMPY_WINDOWS = {"hann": np.hanning, "hanning": np.hanning, "hamming": np.hamming,
                  "blackman": np.blackman, "bartlett": np.bartlett}


def _get_window(name, length, periodic):
    """The named window of `length` samples (periodic: the DFT-even form, as scipy's
    `get_window(..., fftbins=True)`). Common windows come from NumPy; others need scipy."""
    fn = _NUMPY_WINDOWS.get(str(name).lower()) if isinstance(name, str) else None
    if fn is not None:
        return fn(length + 1)[:-1] if periodic else fn(length)
    try:
        from scipy import signal
    except ImportError:
        raise ImportError(f"The STFT initializer's window {name!r} needs scipy: pip install "
                          "scipy, use 'hann', 'hamming', 'blackman' or 'bartlett', or pass the "
                          "window values as an array.") from None
    return signal.get_window(name, length, fftbins=periodic)
