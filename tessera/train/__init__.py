"""`ts.train`: object-based checkpoints, as `tf.train`.

`Checkpoint` saves and restores the variables of models, layers, optimizers,
`ts.Module`s and `ts.Variable`s (keyed by object path) in one HDF5 file written
atomically; `CheckpointManager` numbers checkpoints and keeps the last few;
`latest_checkpoint(directory)` finds the newest one.
"""
from .checkpoint import (Checkpoint, CheckpointLoadStatus, CheckpointManager,
                         get_checkpoint_state, latest_checkpoint)

__all__ = ["Checkpoint", "CheckpointLoadStatus", "CheckpointManager", "get_checkpoint_state",
           "latest_checkpoint"]
