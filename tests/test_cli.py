"""The `tessera` command: --version, run (TF-style scripts through the alias), demo, info."""
import os
import subprocess
import sys
import textwrap

import pytest

import tessera
from tessera import cli

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def tessera_cmd(*args, cwd=ROOT):
    env = dict(os.environ, PYTHONPATH=ROOT + os.pathsep + os.environ.get("PYTHONPATH", ""))
    return subprocess.run([sys.executable, "-m", "tessera", *args], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=120)


TF_SCRIPT = """
import sys
import tensorflow as tf

x = tf.constant([[1.0, 2.0]])
w = tf.Variable([[0.5], [-0.25]])
with tf.GradientTape() as tape:
    y = tf.reduce_sum(tf.math.exp(tf.matmul(x, w)))
g = tape.gradient(y, w)
print("name", __name__)
print("argv", sys.argv[1:])
print("y", round(float(y), 6))
print("g", [round(float(v), 6) for v in g.numpy().ravel()])

def broken():
    return tf.foo_bar

if "boom" in sys.argv:
    broken()
if len(sys.argv) > 1 and sys.argv[-1].isdigit():
    sys.exit(int(sys.argv[-1]))
"""


@pytest.fixture
def script(tmp_path):
    p = tmp_path / "train.py"
    p.write_text(textwrap.dedent(TF_SCRIPT))
    return p


def test_version():
    proc = tessera_cmd("--version")
    assert proc.returncode == 0
    assert proc.stdout.strip() == f"tessera {tessera.__version__}"


def test_main_version_in_process(capsys):
    assert cli.main(["--version"]) == 0
    assert capsys.readouterr().out == f"tessera {tessera.__version__}\n"


def test_run_tf_script_with_arguments(script, tmp_path):
    proc = tessera_cmd("run", str(script), "arg1", "--flag", "-m", "x", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.splitlines()
    assert lines[0] == "name __main__"
    assert lines[1] == "argv ['arg1', '--flag', '-m', 'x']"
    assert lines[2] == "y 1.0"               # exp(1 * 0.5 + 2 * -0.25)
    assert lines[3] == "g [1.0, 2.0]"        # x * exp(x @ w)


def test_run_propagates_exit_code(script):
    proc = tessera_cmd("run", str(script), "7")
    assert proc.returncode == 7, proc.stderr


def test_run_shows_the_scripts_traceback(script):
    proc = tessera_cmd("run", str(script), "boom")
    assert proc.returncode == 1
    err = proc.stderr
    assert "tessera has no tf.foo_bar yet" in err
    assert f'File "{script}"' in err and "in broken" in err
    assert "cli.py" not in err and "runpy" not in err


def test_run_script_dir_on_path(tmp_path):
    (tmp_path / "helper_mod_for_cli.py").write_text("VALUE = 41\n")
    (tmp_path / "main.py").write_text("import helper_mod_for_cli as h\nprint(h.VALUE + 1)\n")
    proc = tessera_cmd("run", str(tmp_path / "main.py"))
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "42"


def test_run_module(tmp_path):
    (tmp_path / "tfmod_for_cli.py").write_text(
        "import sys\nimport tensorflow as tf\nprint(sys.argv[1:], float(tf.reduce_sum(tf.constant([1.0, 2.0]))))\n")
    proc = tessera_cmd("run", "-m", "tfmod_for_cli", "--help", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "['--help'] 3.0"


def test_run_errors():
    proc = tessera_cmd("run", "/no/such/file.py")
    assert proc.returncode == 2
    assert "can't open file '/no/such/file.py'" in proc.stderr
    proc = tessera_cmd("run")
    assert proc.returncode == 2 and "give a script" in proc.stderr


def test_no_command_prints_help(capsys):
    assert cli.main([]) == 1
    out = capsys.readouterr().out
    assert "usage: tessera" in out and "run" in out and "demo" in out


def test_info(capsys):
    assert cli.main(["info"]) == 0
    out = capsys.readouterr().out
    import numpy as np
    assert f"tessera {tessera.__version__}" in out
    assert f"numpy   {np.__version__}" in out
    assert "/physical_device:CPU:0 (CPU)" in out


def test_demo_passes_options(monkeypatch, capsys):
    import types
    seen = {}
    fake = types.ModuleType("tessera.demo")
    fake.main = lambda argv: seen.setdefault("argv", argv) and 0
    monkeypatch.setitem(sys.modules, "tessera.demo", fake)
    assert cli.main(["demo", "--epochs", "2", "--seed", "5"]) == 0
    assert seen["argv"] == ["--epochs", "2", "--seed", "5"]


def test_demo_absent(monkeypatch, capsys):
    monkeypatch.setitem(sys.modules, "tessera.demo", None)  # makes the import fail
    assert cli.main(["demo"]) == 1
    assert "no demo" in capsys.readouterr().err


def test_import_is_cheap():
    code = ("import sys, tessera.cli; "
            "print(sorted(m for m in ('runpy', 'tessera.compat', 'tessera.demo', 'tessera.keras') "
            "if m in sys.modules))")
    env = dict(os.environ, PYTHONPATH=ROOT)
    proc = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "[]"
