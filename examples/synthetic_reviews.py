"""Synthetic "reviews" with a learnable rule, shared by the text-classifier examples.

Each review is a sequence of word ids: mostly neutral words, plus an odd number of
sentiment words (ids 2-21 positive, 22-41 negative) at random places. A review is
positive when it holds more positive than negative words.
"""
import numpy as np

VOCAB, MAXLEN = 2000, 40
POSITIVE, NEGATIVE = np.arange(2, 22), np.arange(22, 42)   # 0 padding, 1 unused


def make_reviews(n, seed, maxlen=MAXLEN, vocab=VOCAB, label_dtype="float32"):
    """(tokens (n, maxlen) int32, labels (n,)): 1 when positive words outnumber negative."""
    rng = np.random.default_rng(seed)
    x = rng.integers(42, vocab, size=(n, maxlen))                   # neutral words
    k = 2 * rng.integers(0, 4, size=n) + 1                          # 1, 3, 5 or 7 sentiment words
    rank = np.argsort(rng.random((n, maxlen)), axis=1).argsort(axis=1)
    place = rank < k[:, None]                                       # k random positions per row
    sign = rng.random((n, maxlen)) < 0.5                            # positive or negative word
    words = np.where(sign, rng.choice(POSITIVE, (n, maxlen)), rng.choice(NEGATIVE, (n, maxlen)))
    x = np.where(place, words, x).astype("int32")
    score = (place & sign).sum(1) - (place & ~sign).sum(1)
    return x, (score > 0).astype(label_dtype)
