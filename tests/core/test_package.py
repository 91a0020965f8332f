import os
import subprocess
import sys

import pytest

import tessera as ts

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def _run(code):
    env = dict(os.environ, PYTHONPATH=ROOT)
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env,
                          cwd=ROOT, timeout=60)


def test_import_is_silent_and_imports_no_optional_package():
    r = _run("import sys, tessera\n"
             "bad = [m for m in ('cupy', 'mpi4py', 'ml_dtypes', 'h5py', 'scipy', 'tessera.keras')"
             " if m in sys.modules]\n"
             "print(','.join(bad))")
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip() == "" and r.stderr == ""


def test_version_and_namespaces():
    assert isinstance(ts.__version__, str) and ts.__version__.count(".") == 2
    assert ts.math.add is ts.add and ts.linalg.matmul is ts.matmul


def test_missing_symbol_error_names_it():
    with pytest.raises(AttributeError, match=r"tessera has no tf.definitely_missing yet"):
        ts.definitely_missing
    with pytest.raises(AttributeError, match=r"tessera has no tf.math.nope yet"):
        ts.math.nope
    assert not hasattr(ts, "definitely_missing")


def test_device_scope_and_config():
    with ts.device("/CPU:0"):
        assert ts.ones([1]).device.endswith("CPU:0")
    with ts.device("/GPU:0"):  # soft placement falls back to the CPU without a GPU
        x = ts.ones([1])
    assert x.device.endswith(":0")
    with pytest.raises(ValueError, match="/CPU:0"):
        ts.device("/TPU-ish:0")
    cpus = ts.config.list_physical_devices("CPU")
    assert len(cpus) == 1 and cpus[0].device_type == "CPU"
    ts.config.threading.set_intra_op_parallelism_threads(2)
    assert ts.config.threading.get_intra_op_parallelism_threads() == 2
    ts.config.threading.set_intra_op_parallelism_threads(0)


def test_function_runs_eagerly_and_checks_signature():
    @ts.function(input_signature=[ts.TensorSpec([None, 2], ts.float32)])
    def f(x):
        return x * 2

    assert f(ts.ones([3, 2])).shape == (3, 2)
    with pytest.raises(ts.errors.InvalidArgumentError, match="input_signature"):
        f(ts.ones([3, 3]))

    class M(ts.Module):
        @ts.function(jit_compile=True, reduce_retracing=True)
        def __call__(self, x):
            return x + 1

    assert float(M()(ts.constant(1.0))) == 2.0
    ts.config.run_functions_eagerly(True)
    assert ts.config.functions_run_eagerly()
    ts.config.run_functions_eagerly(False)


def test_dtypes_and_as_dtype():
    assert ts.as_dtype("float32") is ts.float32
    assert ts.as_dtype(float) is ts.float32 and ts.as_dtype(bool) is ts.bool
    assert ts.int8.min == -128 and ts.uint8.max == 255 and ts.float16.is_floating
    assert ts.int32.is_integer and not ts.int32.is_floating and ts.float64.size == 8
    with pytest.raises(TypeError, match="Cannot convert"):
        ts.as_dtype("float7")
    for name in ("float16", "float32", "float64", "int8", "int16", "int32", "int64",
                 "uint8", "uint16", "uint32", "uint64", "bool"):
        assert ts.cast(ts.constant([1, 0]), name).dtype.name == name


def test_bfloat16_through_ml_dtypes():
    pytest.importorskip("ml_dtypes")
    x = ts.cast(ts.constant([1.5, 2.0]), ts.bfloat16)
    assert x.dtype == ts.bfloat16
    assert ts.cast(x, ts.float32).numpy().tolist() == [1.5, 2.0]


def test_tensorshape():
    s = ts.TensorShape([2, None, 3])
    assert s == (2, None, 3) and s == [2, None, 3] and s.rank == 3
    assert s[1:] == (None, 3) and s.num_elements() is None
    assert s.is_compatible_with([2, 5, 3]) and not s.is_compatible_with([2, 5])
    assert s.merge_with([None, 4, 3]) == (2, 4, 3)
    assert repr(ts.TensorShape([2, 3])) == "TensorShape([2, 3])"
    assert ts.TensorShape(None).rank is None
