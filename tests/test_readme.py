"""The README's console examples are real: each `$ einderiv ...` prints exactly what it shows."""

import re
import shlex
from pathlib import Path

import pytest

from einderiv.cli import main

README = Path(__file__).resolve().parents[1] / "README.md"


def _examples():
    text = README.read_text(encoding="utf-8")
    for block in re.findall(r"```console\n(.*?)```", text, re.DOTALL):
        lines = block.splitlines()
        starts = [k for k, line in enumerate(lines) if line.startswith("$ ")]
        for n, k in enumerate(starts):
            end = starts[n + 1] if n + 1 < len(starts) else len(lines)
            yield lines[k][2:], "\n".join(lines[k + 1 : end]).strip()


EXAMPLES = list(_examples())


def test_the_readme_has_examples():
    assert len(EXAMPLES) >= 5


@pytest.mark.parametrize("command, shown", EXAMPLES, ids=[c for c, _ in EXAMPLES])
def test_console_example_prints_what_the_readme_shows(command, shown, capsys):
    args = shlex.split(command)
    assert args[0] == "einderiv"
    main(args[1:])
    out, err = capsys.readouterr()
    assert (out + err).strip() == shown


def test_python_examples_run_as_shown():
    """The README's ``>>>`` examples are doctests: each prints exactly what the README shows."""
    import doctest

    text = README.read_text(encoding="utf-8")
    blocks = re.findall(r"```python\n(.*?)```", text, re.DOTALL)
    examples = "\n".join(block for block in blocks if ">>> " in block)
    parser = doctest.DocTestParser()
    test = parser.get_doctest(examples, {}, "README.md", str(README), 0)
    assert test.examples, "the README has no >>> examples"
    runner = doctest.DocTestRunner(optionflags=doctest.NORMALIZE_WHITESPACE)
    runner.run(test)
    assert runner.summarize(verbose=False).failed == 0
