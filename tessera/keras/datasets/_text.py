"""Shared word-index sequence processing for IMDB and Reuters (Keras's exact recipe)."""
import json

import numpy as np

from . import _common


def index_words(xs, start_char, index_from):
    if start_char is not None:
        return [[start_char] + [w + index_from for w in x] for x in xs]
    if index_from:
        return [[w + index_from for w in x] for x in xs]
    return [list(x) for x in xs]


def remove_long(maxlen, xs, labels):
    keep = [i for i, x in enumerate(xs) if len(x) < maxlen]
    return [xs[i] for i in keep], np.asarray(labels)[keep]


def limit_vocab(xs, num_words, skip_top, oov_char):
    if not num_words:
        num_words = max(max(x) for x in xs if len(x)) if any(len(x) for x in xs) else 0
    if oov_char is not None:
        return [[w if skip_top <= w < num_words else oov_char for w in x] for x in xs]
    return [[w for w in x if skip_top <= w < num_words] for x in xs]


def as_object_array(xs):
    out = np.empty(len(xs), dtype="object")
    for i, x in enumerate(xs):
        out[i] = x
    return out


def word_index(path, name, md5):
    path = _common.get_file(path, origin=_common.GCS + name, file_hash=md5)
    with open(path) as f:
        return json.load(f)
