"""Array backends: NumPy on CPU, CuPy on NVIDIA GPUs (see `xp.py`)."""
