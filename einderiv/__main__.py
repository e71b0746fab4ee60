"""``python -m einderiv``: the same program as the ``einderiv`` command."""

from einderiv.cli import main

if __name__ == "__main__":
    raise SystemExit(main())
