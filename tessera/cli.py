"""The `tessera` command (also `python -m tessera`).

    tessera --version
    tessera run script.py [args...]    run a TensorFlow/Keras program on Tessera
    tessera run -m package.module [args...]
    tessera demo [--epochs N] [--seed S]
    tessera info                       versions and devices

Importing this module stays cheap: Tessera's heavier parts load only when a
command needs them.
"""
import argparse
import os
import sys

__all__ = ["main"]


def _version():
    from ._version import __version__
    return __version__


def _parser():
    p = argparse.ArgumentParser(
        prog="tessera",
        description="Tessera: a deep-learning platform with TensorFlow's and Keras's API.")
    p.add_argument("--version", action="store_true", help="print the version and exit")
    sub = p.add_subparsers(dest="command", metavar="COMMAND")
    r = sub.add_parser(
        "run", help="run a TensorFlow/Keras program with `import tensorflow` / `import keras` "
                    "resolving to Tessera",
        description="Runs a Python program as __main__ after tessera.compat.alias(), so that "
                    "its `import tensorflow as tf` and `import keras` load Tessera.")
    r.add_argument("-m", dest="module", metavar="MODULE",
                   help="run a module (as `python -m MODULE`) instead of a script")
    r.add_argument("script", nargs="?", help="the program to run")
    r.add_argument("args", nargs=argparse.REMAINDER, help="arguments passed to the program")
    d = sub.add_parser("demo", help="train a small network on the shipped handwritten digits")
    d.add_argument("--epochs", type=int, default=None, help="training epochs")
    d.add_argument("--seed", type=int, default=None, help="random seed")
    sub.add_parser("info", help="print versions and the devices Tessera can use")
    return p


def _trimmed_traceback(exc, first_file):
    """Prints `exc` with the frames of this launcher (cli, runpy) removed."""
    import traceback
    tb = exc.__traceback__
    if first_file is not None:
        t = tb
        while t is not None and os.path.abspath(t.tb_frame.f_code.co_filename) != first_file:
            t = t.tb_next
        if t is not None:
            tb = t
        elif isinstance(exc, SyntaxError):
            tb = None  # the program did not compile: the error names its file and line
    else:
        # skip this module's and runpy's frames
        while tb is not None and tb.tb_frame.f_code.co_filename in (__file__, _runpy_file()):
            tb = tb.tb_next
    traceback.print_exception(type(exc), exc, tb, file=sys.stderr)


def _runpy_file():
    import runpy
    return runpy.__file__


def _exit_code(e):
    code = e.code
    if code is None:
        return 0
    if isinstance(code, int):
        return code
    print(code, file=sys.stderr)
    return 1


def _run(args):
    import runpy

    from . import compat
    if args.module is None and args.script is None:
        print("tessera run: give a script (tessera run script.py [args...]) or -m MODULE.",
              file=sys.stderr)
        return 2
    if args.module is not None:
        rest = ([args.script] if args.script is not None else []) + list(args.args)
        target, first_file = args.module, None
    else:
        rest = list(args.args)
        script = os.path.abspath(args.script)
        if not os.path.exists(script):
            print(f"tessera run: can't open file {args.script!r}: no such file.", file=sys.stderr)
            return 2
        target, first_file = script, (script if os.path.isfile(script) else None)
    compat.alias()
    old_argv, old_path0 = sys.argv[:], (sys.path[0] if sys.path else None)
    try:
        if args.module is not None:
            sys.argv = [args.module] + rest
            sys.path.insert(0, os.getcwd())
            runpy.run_module(target, run_name="__main__", alter_sys=True)
        else:
            sys.argv = [args.script] + rest
            sys.path.insert(0, os.path.dirname(target))
            runpy.run_path(target, run_name="__main__")
    except SystemExit as e:
        return _exit_code(e)
    except Exception as e:  # the program's own error: show its traceback, not ours
        _trimmed_traceback(e, first_file)
        return 1
    finally:
        sys.argv = old_argv
        if sys.path and old_path0 is not None and sys.path[0] != old_path0:
            sys.path.pop(0)
    return 0


def _demo(args):
    import importlib
    try:
        demo = importlib.import_module("tessera.demo")
    except ModuleNotFoundError as e:
        if e.name != "tessera.demo":
            raise
        print("tessera demo: this installation has no demo (tessera/demo.py is missing).",
              file=sys.stderr)
        return 1
    argv = []
    if args.epochs is not None:
        argv += ["--epochs", str(args.epochs)]
    if args.seed is not None:
        argv += ["--seed", str(args.seed)]
    code = demo.main(argv)
    return 0 if code is None else int(code)


def _info():
    import platform

    import numpy as np

    import tessera as ts
    print(f"tessera {_version()}")
    print(f"python  {platform.python_version()} ({sys.executable})")
    print(f"numpy   {np.__version__}")
    try:
        import cupy
        print(f"cupy    {cupy.__version__}")
    except Exception:  # noqa: BLE001 (absent, or no CUDA driver)
        print("cupy    not available (GPU support: pip install tessera[gpu])")
    print(f"native  {ts.config.native_kernels()}")
    print("devices:")
    for dev in ts.config.list_physical_devices():
        print(f"  {dev.name} ({dev.device_type})")
    return 0


def main(argv=None):
    """Runs the `tessera` command with `argv` (default `sys.argv[1:]`); returns the exit code."""
    p = _parser()
    argv = sys.argv[1:] if argv is None else list(argv)
    if argv and argv[0] == "run" and len(argv) > 1 and argv[1] not in ("-h", "--help"):
        # Everything after the script (or `-m MODULE`) belongs to the program, as with
        # `python script.py ...`: argparse must not look at it.
        if argv[1] == "-m":
            if len(argv) < 3:
                p.parse_args(["run", "-m"])  # prints argparse's error and exits 2
            args = argparse.Namespace(command="run", version=False, module=argv[2],
                                      script=None, args=argv[3:])
        else:
            args = argparse.Namespace(command="run", version=False, module=None,
                                      script=argv[1], args=argv[2:])
        return _run(args)
    args = p.parse_args(argv)
    if args.version:
        print(f"tessera {_version()}")
        return 0
    if args.command == "run":
        return _run(args)
    if args.command == "demo":
        return _demo(args)
    if args.command == "info":
        return _info()
    p.print_help()
    return 1


if __name__ == "__main__":
    sys.exit(main())
