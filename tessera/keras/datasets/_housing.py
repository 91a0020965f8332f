"""Shared shuffle-and-split for the housing regression datasets."""
import numpy as np


def split(x, y, test_split, seed):
    if not 0 <= test_split < 1:
        raise ValueError(f"`test_split` must be in [0, 1), got {test_split}.")
    rng = np.random.RandomState(seed)
    idx = np.arange(len(x))
    rng.shuffle(idx)
    x, y = x[idx], y[idx]
    n = int(len(x) * (1 - test_split))
    return (np.array(x[:n]), np.array(y[:n])), (np.array(x[n:]), np.array(y[n:]))
