"""`keras.utils`: progress bar, to_categorical, seeds, PyDataset, summaries, plotting."""
from .progbar import Progbar  # noqa: F401
from .numerical_utils import normalize, to_categorical  # noqa: F401
from .py_dataset import PyDataset, Sequence  # noqa: F401
from .misc import clear_session, plot_model, set_random_seed, model_to_dot  # noqa: F401
from ..saving.object_registration import (CustomObjectScope, custom_object_scope,  # noqa: F401
                                          get_custom_objects, get_registered_name,
                                          get_registered_object, register_keras_serializable)
from ..saving.serialization_lib import (deserialize_keras_object,  # noqa: F401
                                        serialize_keras_object)
from .sequence_utils import pad_sequences  # noqa: F401,E402
from .dataset_utils import split_dataset, timeseries_dataset_from_array  # noqa: F401,E402
from .text_utils import text_dataset_from_directory  # noqa: F401,E402
from .image_utils import (array_to_img, image_dataset_from_directory,  # noqa: F401,E402
                          img_to_array, load_img, save_img)
from ..datasets._common import get_file, validate_file  # noqa: F401,E402
