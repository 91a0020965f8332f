"""`keras.callbacks`: hooks into `fit`, `evaluate` and `predict`.

`ModelCheckpoint` and `BackupAndRestore` are not available yet.
"""
from .callback import Callback
from .callback_list import CallbackList
from .csv_logger import CSVLogger
from .early_stopping import EarlyStopping
from .history import History
from .lambda_callback import LambdaCallback
from .learning_rate_scheduler import LearningRateScheduler
from .monitor_callback import MonitorCallback
from .progbar_logger import ProgbarLogger
from .reduce_lr_on_plateau import ReduceLROnPlateau
from .terminate_on_nan import TerminateOnNaN

__all__ = ["Callback", "CallbackList", "CSVLogger", "EarlyStopping", "History",
           "LambdaCallback", "LearningRateScheduler", "MonitorCallback", "ProgbarLogger",
           "ReduceLROnPlateau", "TerminateOnNaN"]
