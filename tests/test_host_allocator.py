"""The host allocator setting (`ts.config.set_host_allocator_caching`)."""
import os
import subprocess
import sys

import tessera as ts


def test_allocator_caching_switch():
    if not sys.platform.startswith("linux"):
        assert ts.config.set_host_allocator_caching(True) in (True, False)
        return
    assert ts.config.set_host_allocator_caching(False) is True
    assert ts.config.host_allocator_caching() is False
    assert ts.config.set_host_allocator_caching(True) is True
    assert ts.config.host_allocator_caching() is True


def test_environment_variable_turns_it_off_at_import():
    code = "import tessera as ts; print(ts.config.host_allocator_caching())"
    env = {**os.environ, "TESSERA_MALLOC_TUNING": "0"}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env)
    assert out.returncode == 0 and out.stdout.strip() == "False", out.stderr
    if sys.platform.startswith("linux"):
        env["TESSERA_MALLOC_TUNING"] = "1"
        out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                             env=env)
        assert out.stdout.strip() == "True", out.stderr
