"""tessera.compat: running `import tensorflow` / `import keras` programs on Tessera.

The alias changes the import system of a whole process, so most tests run a
small program in a fresh interpreter.
"""
import os
import subprocess
import sys
import textwrap

import pytest

import tessera as ts
from tessera import compat

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def run_py(code, tmp_path, extra_path=None):
    script = tmp_path / "prog.py"
    script.write_text(textwrap.dedent(code))
    env = dict(os.environ, PYTHONPATH=ROOT + os.pathsep + os.environ.get("PYTHONPATH", ""))
    proc = subprocess.run([sys.executable, str(script)], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=120)
    return proc


PRELUDE = """
import tessera.compat
tessera.compat.alias()
def err(stmt):
    try:
        exec(stmt, globals())
    except Exception as e:
        return f"{type(e).__name__};{isinstance(e, ImportError)};{isinstance(e, AttributeError)};{e}"
    return None
"""


def test_tensorflow_resolves_to_tessera(tmp_path):
    proc = run_py(PRELUDE + """
import tensorflow as tf
import tessera
assert tf is tessera
assert tessera.__spec__.name == "tessera"       # the alias does not rename Tessera
import tensorflow.math, tensorflow.nn, tensorflow.linalg, tensorflow.random
import tensorflow.debugging, tensorflow.config
assert tensorflow.math is tessera.math and tensorflow.config is tessera.config
assert tessera.math.__spec__.name == "tessera.math"
from tensorflow.math import exp
from tensorflow import constant, GradientTape
from tensorflow import math as m
assert m is tessera.math
import tensorflow.compat.v2 as tf2
assert tf2 is tessera and tf.compat.v2 is tessera
x = tf.constant([[1.0, 2.0]])
v = tf.Variable([[3.0], [4.0]])
with tf.GradientTape() as tape:
    y = tf.reduce_sum(tf.math.exp(tf.matmul(x, v) / 11.0))
print(round(float(y), 5), [round(float(g), 5) for g in tape.gradient(y, v).numpy().ravel()])
""", tmp_path)
    assert proc.returncode == 0, proc.stderr
    e = 2.718281828459045
    assert proc.stdout.split() == [str(round(e, 5)), f"[{round(e / 11, 5)},",
                                   f"{round(2 * e / 11, 5)}]"]


def test_missing_names_raise_tessera_errors(tmp_path):
    proc = run_py(PRELUDE + """
import tensorflow as tf
for stmt in ["tf.foo_bar", "from tensorflow import foo_bar", "import tensorflow.foo_bar",
             "tf.math.foo_bar", "tf.debugging.foo_bar", "tf.compat.foo_bar"]:
    print(stmt, "|", err(stmt))
print(hasattr(tf, "foo_bar"))
""", tmp_path)
    assert proc.returncode == 0, proc.stderr
    lines = dict(line.split(" | ") for line in proc.stdout.splitlines()[:-1])
    assert lines["tf.foo_bar"].startswith("MissingSymbol;False;True;tessera has no tf.foo_bar yet")
    assert "AliasImportError" in lines["from tensorflow import foo_bar"]
    assert "tessera has no tf.foo_bar yet" in lines["from tensorflow import foo_bar"]
    assert "tessera has no tf.foo_bar yet" in lines["import tensorflow.foo_bar"]
    assert "tessera has no tf.math.foo_bar yet" in lines["tf.math.foo_bar"]
    assert "tessera has no tf.debugging.foo_bar yet" in lines["tf.debugging.foo_bar"]
    assert "tessera has no tf.compat.foo_bar yet" in lines["tf.compat.foo_bar"]
    assert proc.stdout.splitlines()[-1] == "False"


KERAS_FORMS = ["import keras", "from tensorflow import keras", "import tensorflow.keras",
               "from tensorflow.keras import layers", "import tensorflow.keras.layers",
               "import tf_keras", "from keras import layers"]


def test_keras_absent_gives_clear_error(tmp_path):
    if compat._has_keras():
        pytest.skip("tessera.keras exists: covered by test_keras_present_is_aliased")
    proc = run_py(PRELUDE + f"""
import tensorflow as tf
for stmt in {KERAS_FORMS!r}:
    print(stmt, "|", err(stmt))
print("tf.keras", "|", err("tf.keras"))
print("hasattr", "|", hasattr(tf, "keras"))
""", tmp_path)
    assert proc.returncode == 0, proc.stderr
    lines = dict(line.split(" | ") for line in proc.stdout.splitlines())
    for stmt in KERAS_FORMS:
        assert lines[stmt].startswith("AliasImportError;True;False;tessera has no keras yet"), stmt
    assert "tessera has no tf.keras yet" in lines["tf.keras"]
    assert ";False;True;" in lines["tf.keras"]  # an AttributeError
    assert lines["hasattr"] == "False"


def test_keras_present_is_aliased(tmp_path):
    # A stand-in tessera.keras package on tessera's search path: the alias must
    # detect it when the import happens, not when alias() was called.
    pkg = tmp_path / "extra" / "keras"
    pkg.mkdir(parents=True)
    (pkg / "__init__.py").write_text("MARK = 'fake keras'\n")
    (pkg / "layers.py").write_text("Dense = 'fake Dense'\n")
    # Once the real tessera.keras exists it is found first and the stand-in is unused.
    fake = not compat._has_keras()
    proc = run_py(PRELUDE + f"""
import tessera
tessera.__path__.append({str(tmp_path / 'extra')!r})
import keras
import tessera.keras
assert keras is tessera.keras and (not {fake} or keras.MARK == "fake keras")
from keras import layers
assert layers is tessera.keras.layers and (not {fake} or layers.Dense == "fake Dense")
from tensorflow import keras as k2
from tensorflow.keras import layers as l2
import tensorflow.keras.layers
import tf_keras
import tensorflow as tf
assert k2 is keras and l2 is layers and tensorflow.keras.layers is layers and tf_keras is keras
assert tf.keras is keras
print("ok")
""", tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "ok"


def test_compat_v1_is_refused_clearly(tmp_path):
    proc = run_py(PRELUDE + """
import tensorflow as tf
for stmt in ["tf.compat.v1", "import tensorflow.compat.v1 as tf1",
             "from tensorflow.compat import v1", "import tensorflow.compat.v1.layers"]:
    print(stmt, "|", err(stmt))
print("private", "|", err("import tensorflow.python"))
""", tmp_path)
    assert proc.returncode == 0, proc.stderr
    lines = dict(line.split(" | ") for line in proc.stdout.splitlines())
    for stmt in ["tf.compat.v1", "import tensorflow.compat.v1 as tf1",
                 "from tensorflow.compat import v1", "import tensorflow.compat.v1.layers"]:
        assert "does not support the TensorFlow 1 API (tf.compat.v1" in lines[stmt], stmt
    assert lines["tf.compat.v1"].startswith("CompatV1Error;False;True;")
    assert "private implementation" in lines["private"]


def test_unalias_removes_hook_and_modules(tmp_path):
    proc = run_py(PRELUDE + """
import sys
import tensorflow, tensorflow.math
tessera.compat.alias()      # twice is harmless
assert sum(type(f).__name__ == "_AliasFinder" for f in sys.meta_path) == 1
assert tessera.compat.is_aliased()
tessera.compat.unalias()
assert not tessera.compat.is_aliased()
assert not [n for n in sys.modules if n == "tensorflow" or n.startswith("tensorflow.")]
print(err("import tensorflow").split(";")[0])
import tessera.math       # Tessera itself is untouched
print(tessera.math.__name__)
""", tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.split() == ["ModuleNotFoundError", "tessera.math"]


def test_alias_replaces_an_earlier_module_with_warning(tmp_path):
    proc = run_py("""
import sys, types, warnings
sys.modules["tensorflow"] = types.ModuleType("tensorflow")
import tessera, tessera.compat
with warnings.catch_warnings(record=True) as w:
    warnings.simplefilter("always")
    tessera.compat.alias()
import tensorflow
print(tensorflow is tessera, "imported before the alias" in str(w[0].message))
""", tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.split() == ["True", "True"]


def test_compat_functions():
    assert compat.as_bytes("é") == "é".encode()
    assert compat.as_bytes(bytearray(b"ab")) == b"ab"
    assert compat.as_text(b"ab") == "ab" and compat.as_str("x") == "x"
    assert compat.as_str_any(3) == "3"
    with pytest.raises(TypeError, match="Expected binary or unicode string"):
        compat.as_bytes(3)
    import pathlib
    assert compat.path_to_str(pathlib.Path("/a/b")) == "/a/b"
    assert compat.dimension_value(ts.TensorShape([3, None])[0]) == 3
    assert compat.dimension_value(None) is None
    assert compat.forward_compatible(2020, 1, 1) is True
    assert ts.compat is compat
    assert ts.compat.v2 is ts
    with pytest.raises(AttributeError, match="TensorFlow 1 API"):
        ts.compat.v1
    assert not hasattr(ts.compat, "v1")
