"""Run a console script as on a machine without Debian's libzbar0:

    python -m tests.harden.no_zbar checkpoint ARGS...
    python -m tests.harden.no_zbar gunicorn ARGS...
    python -m tests.harden.no_zbar python -c CODE

ctypes.util.find_library("zbar") answers None, as it does when the library is not installed,
so pyzbar's import fails exactly as it would there. Everything else runs unchanged."""
import ctypes.util
import sys

_find_library = ctypes.util.find_library


def _without_zbar(name):
    return None if name == "zbar" else _find_library(name)


ctypes.util.find_library = _without_zbar


def main() -> None:
    script, *args = sys.argv[1:]
    sys.argv = [script, *args]
    if script == "checkpoint":
        from server.cli import main as checkpoint

        checkpoint()
    elif script == "gunicorn":
        from gunicorn.app.wsgiapp import run

        sys.exit(run())
    elif script == "python" and args[:1] == ["-c"]:
        exec(compile(args[1], "<no_zbar>", "exec"), {"__name__": "__main__"})
    else:
        raise SystemExit(f"unknown script {script!r}")


if __name__ == "__main__":
    main()
