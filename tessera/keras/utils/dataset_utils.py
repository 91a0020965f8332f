"""`keras.utils.timeseries_dataset_from_array` and `keras.utils.split_dataset`."""
import numpy as np

import tessera as ts

from ..saving.object_registration import keras_export

__all__ = ["timeseries_dataset_from_array", "split_dataset"]


@keras_export("keras.utils")
def timeseries_dataset_from_array(data, targets, sequence_length, sequence_stride=1,
                                  sampling_rate=1, batch_size=128, shuffle=False, seed=None,
                                  start_index=None, end_index=None):
    """Creates a dataset of sliding windows over a timeseries.

    Window `i` is `data[start_index + p_i : start_index + p_i + sequence_length *
    sampling_rate : sampling_rate]` with `p_i = i * sequence_stride`; its target is
    `targets[start_index + p_i]`.

    Args:
        data: array of timesteps (axis 0 is time).
        targets: targets aligned with `data` (same length), or None.
        sequence_length: number of timesteps per output sequence.
        sequence_stride: offset between consecutive windows.
        sampling_rate: step between timesteps within a window.
        batch_size: windows per batch; None yields unbatched windows.
        shuffle: shuffle the windows.
        seed: shuffling seed.
        start_index, end_index: only use `data[start_index:end_index]`.

    Returns:
        A `ts.data.Dataset` of `(batch_of_sequences, batch_of_targets)` (or only sequences
        when `targets` is None).
    """
    data = np.asarray(data)
    n = len(data)
    if start_index:
        if start_index < 0:
            raise ValueError("`start_index` must be 0 or greater. Received: "
                             f"start_index={start_index}")
        if start_index >= n:
            raise ValueError("`start_index` must be lower than the length of the data. "
                             f"Received: start_index={start_index}, for data of length {n}")
    if end_index:
        if start_index and end_index <= start_index:
            raise ValueError("`end_index` must be higher than `start_index`. Received: "
                             f"start_index={start_index}, and end_index={end_index} ")
        if end_index >= n:
            raise ValueError("`end_index` must be lower than the length of the data. "
                             f"Received: end_index={end_index}, for data of length {n}")
        if end_index <= 0:
            raise ValueError(f"`end_index` must be higher than 0. Received: "
                             f"end_index={end_index}")
    if sampling_rate <= 0:
        raise ValueError("`sampling_rate` must be higher than 0. Received: "
                         f"sampling_rate={sampling_rate}")
    if sampling_rate >= n:
        raise ValueError("`sampling_rate` must be lower than the length of the data. "
                         f"Received: sampling_rate={sampling_rate}, for data of length {n}")
    if sequence_stride <= 0:
        raise ValueError("`sequence_stride` must be higher than 0. Received: "
                         f"sequence_stride={sequence_stride}")
    if sequence_stride >= n:
        raise ValueError("`sequence_stride` must be lower than the length of the data. "
                         f"Received: sequence_stride={sequence_stride}, for data of length {n}")
    if targets is not None:
        targets = np.asarray(targets)
        if len(targets) != n:
            raise ValueError("Expected data and targets to have the same number of time "
                             f"steps (axis 0) but got data.shape={data.shape}, "
                             f"targets.shape={targets.shape}")
    start_index = start_index or 0
    end_index = n if end_index is None else end_index
    num_seqs = end_index - start_index - (sequence_length - 1) * sampling_rate
    if targets is not None:
        num_seqs = min(num_seqs, len(targets))
    starts = np.arange(0, max(num_seqs, 0), sequence_stride, dtype="int64")
    if shuffle:
        if seed is None:
            seed = np.random.randint(int(1e6))
        np.random.RandomState(seed).shuffle(starts)
    window = starts[:, None] + np.arange(sequence_length) * sampling_rate
    view = data[start_index:end_index]
    seqs = view[window] if len(starts) else np.zeros((0, sequence_length) + data.shape[1:],
                                                      data.dtype)
    if targets is not None:
        tgt = targets[start_index:end_index][starts]
        ds = ts.data.Dataset.from_tensor_slices((seqs, tgt))
    else:
        ds = ts.data.Dataset.from_tensor_slices(seqs)
    if batch_size is not None:
        ds = ds.batch(batch_size)
    return ds


def _samples(dataset):
    """A dataset/arrays/tuple as (list of per-sample elements, structure kind)."""
    if isinstance(dataset, ts.data.Dataset):
        return list(dataset), "dataset"
    if isinstance(dataset, (tuple, list)) and dataset and all(
            hasattr(a, "__len__") and not isinstance(a, str) for a in dataset) and \
            isinstance(dataset, tuple):
        arrs = [np.asarray(a) for a in dataset]
        if len({len(a) for a in arrs}) > 1:
            raise ValueError("split_dataset: all arrays in the tuple must have the same "
                             f"length, got {[len(a) for a in arrs]}.")
        return arrs, "tuple"
    if isinstance(dataset, (np.ndarray, list, ts.Tensor)):
        return [np.asarray(dataset)], "array"
    raise TypeError("The `dataset` argument must be either a `ts.data.Dataset`, a NumPy "
                    "array, a list or a tuple of arrays. "
                    f"Received: dataset={dataset} of type {type(dataset)}")


def _sizes(left_size, right_size, total):
    for name, v in (("left_size", left_size), ("right_size", right_size)):
        if v is None:
            continue
        if isinstance(v, bool) or not isinstance(v, (int, float, np.integer, np.floating)):
            raise TypeError(f"Invalid `{name}` type. Expected an int or float, got {v!r}.")
        if isinstance(v, (float, np.floating)) and not 0 < v < 1:
            raise ValueError(f"`{name}` should be in the range (0, 1) when it is a float. "
                             f"Received: {name}={v}")
        if isinstance(v, (int, np.integer)) and not 0 <= v <= total:
            raise ValueError(f"`{name}` should be an int in [0, {total}] (the dataset "
                             f"length). Received: {name}={v}")
    if left_size is None and right_size is None:
        raise ValueError("split_dataset: you must specify either `left_size` or "
                         "`right_size`.")

    def canon(v):
        return int(round(v * total)) if isinstance(v, (float, np.floating)) else int(v)
    left = canon(left_size) if left_size is not None else None
    right = canon(right_size) if right_size is not None else None
    if left is None:
        left = total - right
    if right is None:
        right = total - left
    if left + right > total:
        raise ValueError("The sum of `left_size` and `right_size` should be at most the total "
                         f"number of samples {total}. Received: left_size={left_size}, "
                         f"right_size={right_size}")
    if left == 0 and right == 0:
        raise ValueError("Both `left_size` and `right_size` are zero: nothing to split.")
    return left, right


@keras_export("keras.utils")
def split_dataset(dataset, left_size=None, right_size=None, shuffle=False, seed=None,
                  preferred_backend=None):
    """Splits a dataset (or arrays) into a left and a right `ts.data.Dataset`.

    Args:
        dataset: a `ts.data.Dataset`, a NumPy array/list, or a tuple of arrays with the same
            first dimension.
        left_size: float in (0, 1): fraction of samples for the left part; int: number of
            samples; None: the complement of `right_size`.
        right_size: as `left_size`, for the right part.
        shuffle: shuffle the samples before splitting.
        seed: shuffling seed.
        preferred_backend: accepted for compatibility; Tessera always returns
            `ts.data.Dataset`s.

    Returns:
        A tuple `(left_dataset, right_dataset)`.
    """
    parts, kind = _samples(dataset)
    total = len(parts[0]) if kind != "dataset" else len(parts)
    left, right = _sizes(left_size, right_size, total)
    order = np.arange(total)
    if shuffle:
        if seed is None:
            seed = np.random.randint(int(1e6))
        np.random.RandomState(seed).shuffle(order)
    li, ri = order[:left], order[left:left + right]

    def build(ix):
        if kind == "dataset":
            elems = [parts[i] for i in ix]
            if not elems:
                return ts.data.Dataset.from_tensor_slices(np.zeros((0,)))
            flat = [ts.nest.flatten(e) for e in elems]
            stacked = [np.stack([np.asarray(f[j]) for f in flat]) for j in range(len(flat[0]))]
            return ts.data.Dataset.from_tensor_slices(
                ts.nest.pack_sequence_as(elems[0], stacked))
        if kind == "tuple":
            return ts.data.Dataset.from_tensor_slices(tuple(a[ix] for a in parts))
        return ts.data.Dataset.from_tensor_slices(parts[0][ix])
    return build(li), build(ri)


# -- shared helpers for image/text_dataset_from_directory -------------------------------------
def _check_common(fn, labels, label_mode, class_names, shuffle, seed, validation_split, subset):
    if labels not in ("inferred", None) and not isinstance(labels, (list, tuple)):
        raise ValueError(f"{fn}: `labels` argument should be a list/tuple of integer labels, "
                         "of the same size as the number of files in the target directory. "
                         "If you wish to infer the labels from the subdirectory names in the "
                         'target directory, pass `labels="inferred"`. If you wish to get a '
                         f"dataset that only contains data (no labels), pass `labels=None`. "
                         f"Received: labels={labels}")
    if label_mode not in ("int", "categorical", "binary", None):
        raise ValueError(f'{fn}: `label_mode` argument must be one of "int", "categorical", '
                         f'"binary", or None. Received: label_mode={label_mode}')
    if labels is None or label_mode is None:
        labels, label_mode = None, None
    if class_names and labels != "inferred":
        raise ValueError(f'{fn}: you can only pass `class_names` if `labels="inferred"`. '
                         f"Received: labels={labels}, and class_names={class_names}")
    if validation_split is not None and not 0 < validation_split < 1:
        raise ValueError(f"{fn}: `validation_split` must be between 0 and 1, received: "
                         f"{validation_split}")
    if subset not in ("training", "validation", "both", None):
        raise ValueError(f'{fn}: `subset` must be either "training", "validation" or "both", '
                         f"received: {subset}")
    if (validation_split is None) != (subset is None):
        raise ValueError(f"{fn}: if `subset` is set, `validation_split` must be set, and "
                         "inversely.")
    if validation_split and shuffle and seed is None:
        raise ValueError(f"{fn}: if using `validation_split` and shuffling the data, you "
                         "must provide a `seed` argument, to make sure that there is no "
                         "overlap between the training and validation subset.")
    return labels, label_mode


def _index_directory(directory, labels, formats, class_names=None, shuffle=True, seed=None,
                     follow_links=False, verbose=True):
    """Lists files under `directory` (class subfolders when labels="inferred").

    Returns `(file_paths, labels_array or None, class_names)`.
    """
    import os
    if not os.path.isdir(directory):
        raise ValueError(f"Could not find directory {directory}")
    if labels == "inferred":
        subdirs = sorted(d for d in os.listdir(directory)
                         if os.path.isdir(os.path.join(directory, d)))
        if class_names:
            missing = [c for c in class_names if c not in subdirs]
            if missing or sorted(class_names) != sorted(set(class_names)):
                raise ValueError("The `class_names` passed did not match the names of the "
                                 f"subdirectories of the target directory. Expected: "
                                 f"{subdirs} (or a subset of it), but received: "
                                 f"class_names={class_names}")
            subdirs = list(class_names)
        class_names = subdirs
    else:
        subdirs = [""]
        class_names = None
    paths, labs = [], []
    formats = tuple(f.lower() for f in formats)
    for ci, sub in enumerate(subdirs):
        root = os.path.join(directory, sub)
        found = []
        for dirpath, dirnames, fnames in os.walk(root, followlinks=follow_links):
            dirnames.sort()
            for f in sorted(fnames):
                if f.lower().endswith(formats):
                    found.append(os.path.join(dirpath, f))
        found.sort()
        paths.extend(found)
        labs.extend([ci] * len(found))
    if labels == "inferred":
        labs = np.asarray(labs, dtype="int32")
    elif isinstance(labels, (list, tuple)):
        if len(labels) != len(paths):
            raise ValueError("Expected the lengths of `labels` to match the number of files "
                             f"in the target directory. len(labels) is {len(labels)} while "
                             f"we found {len(paths)} files in directory {directory}.")
        labs = np.asarray(labels, dtype="int32")
        class_names = [str(c) for c in sorted(set(labs.tolist()))]
    else:
        labs = None
    if verbose:
        if class_names is not None:
            print(f"Found {len(paths)} files belonging to {len(class_names)} classes.")
        else:
            print(f"Found {len(paths)} files.")
    if shuffle:
        if seed is None:
            seed = np.random.randint(int(1e6))
        order = np.arange(len(paths))
        np.random.RandomState(seed).shuffle(order)
        paths = [paths[i] for i in order]
        if labs is not None:
            labs = labs[order]
    return paths, labs, class_names


def _subset(paths, labs, validation_split, subset, verbose=True):
    """The training or validation part of `(paths, labs)` (validation is the tail)."""
    if not validation_split:
        return paths, labs
    num_val = int(validation_split * len(paths))
    if subset == "training":
        if verbose:
            print(f"Using {len(paths) - num_val} files for training.")
        return paths[:len(paths) - num_val], None if labs is None else labs[:len(paths) - num_val]
    if verbose:
        print(f"Using {num_val} files for validation.")
    return paths[len(paths) - num_val:], None if labs is None else labs[len(paths) - num_val:]


def _encode_labels(labs, label_mode, num_classes):
    if label_mode == "binary":
        return labs.astype("float32").reshape(-1, 1)
    if label_mode == "categorical":
        return np.eye(num_classes, dtype="float32")[labs]
    return labs.astype("int32")


def _finish(ds, batch_size, shuffle, seed, class_names, paths):
    if shuffle:
        ds = ds.shuffle(buffer_size=(batch_size or 1) * 8, seed=seed)
    if batch_size is not None:
        ds = ds.batch(batch_size)
    ds.class_names = class_names
    ds.file_paths = paths
    return ds
