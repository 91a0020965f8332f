"""`keras.utils.text_dataset_from_directory`."""
import numpy as np

import tessera as ts

from ..saving.object_registration import keras_export
from . import dataset_utils as du

__all__ = ["text_dataset_from_directory"]


def _read(path, max_length):
    with open(path, "rb") as f:
        text = f.read().decode("utf-8", errors="replace")
    return text[:max_length] if max_length is not None else text


@keras_export("keras.utils")
def text_dataset_from_directory(directory, labels="inferred", label_mode="int",
                                class_names=None, batch_size=32, max_length=None, shuffle=True,
                                seed=None, validation_split=None, subset=None,
                                follow_links=False, verbose=True):
    """Builds a `ts.data.Dataset` of texts from `.txt` files in class subfolders.

    With `directory/class_a/*.txt` and `directory/class_b/*.txt`, labels are 0 and 1
    (class names sorted alphanumerically).

    Args:
        directory: the data folder.
        labels: "inferred" (from subfolders), a list/tuple of integer labels (sorted file
            order), or None (texts only).
        label_mode: "int", "categorical" (one-hot float32), "binary" (float32 `(n, 1)`,
            exactly 2 classes) or None.
        class_names: explicit order of the class subfolders (with labels="inferred").
        batch_size: texts per batch (None: unbatched).
        max_length: keep at most this many characters of each text.
        shuffle: shuffle the files (and each epoch, within a buffer).
        seed: shuffling seed (required with `validation_split` and `shuffle`).
        validation_split: fraction of files reserved for validation.
        subset: "training", "validation" or "both" (returns `[train_ds, val_ds]`).
        follow_links: follow symbolic links to subfolders.
        verbose: print the number of files found.

    Returns:
        A `ts.data.Dataset` yielding `(texts, labels)` (string tensors and labels), or only
        texts when `label_mode` is None; it has a `class_names` attribute.
    """
    labels, label_mode = du._check_common("text_dataset_from_directory", labels, label_mode,
                                          class_names, shuffle, seed, validation_split, subset)
    if seed is None:
        seed = np.random.randint(int(1e6))
    paths, labs, class_names = du._index_directory(directory, labels, (".txt",), class_names,
                                                   shuffle, seed, follow_links, verbose)
    if label_mode == "binary" and len(class_names) != 2:
        raise ValueError('When passing `label_mode="binary"`, there must be exactly 2 '
                         f"class_names. Received: class_names={class_names}")

    def make(which):
        p, lb = du._subset(paths, labs, validation_split, which, verbose)
        if not p:
            raise ValueError(f"No text files found in directory {directory}. Allowed "
                             "format: .txt")
        texts = np.empty(len(p), dtype=object)
        texts[:] = [_read(f, max_length) for f in p]
        if label_mode is None:
            ds = ts.data.Dataset.from_tensor_slices(texts)
        else:
            ds = ts.data.Dataset.from_tensor_slices(
                (texts, du._encode_labels(lb, label_mode, len(class_names))))
        return du._finish(ds, batch_size, shuffle, seed, class_names, p)
    if subset == "both":
        return [make("training"), make("validation")]
    return make(subset)
