"""The Python examples of the authors' documentation run as written, Datasette-style.

Every ```python block of the pages below is executed in a fresh namespace, in a process of
its own (an example may declare models, which must not join this session's metadata). A
block that is an excerpt and cannot run alone says so on the line before it with
``<!-- fragment: why -->``; those are only compiled where they can be.
"""

import json
import re
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PAGES = ("docs/plugin-authors.md", "docs/tutorial.md")
FENCE = re.compile(r"^( *)```python\n(.*?)^ *```", re.DOTALL | re.MULTILINE)
FRAGMENT = "<!-- fragment"

RUNNER = textwrap.dedent("""
    import json, sys, traceback
    blocks = json.loads(sys.stdin.read())
    failures = []
    for line, code in blocks:
        namespace = {"__name__": "docs_example_%d" % line}
        try:
            exec(compile(code, "<block at line %d>" % line, "exec"), namespace)
        except BaseException:
            failures.append("line %d:\\n%s" % (line, traceback.format_exc(limit=3)))
    print(json.dumps(failures))
""")


def blocks(page: str) -> list[tuple[int, str, bool]]:
    """(line, code, is_fragment) of every Python block of ``page``."""
    text = (ROOT / page).read_text(encoding="utf-8")
    found = []
    for match in FENCE.finditer(text):
        line = text.count("\n", 0, match.start()) + 1
        before = text[:match.start()].rstrip("\n").rsplit("\n", 1)[-1]
        code = textwrap.dedent(match.group(2)) if match.group(1) else match.group(2)
        found.append((line, code, before.strip().startswith(FRAGMENT)))
    return found


@pytest.mark.parametrize("page", PAGES)
def test_every_example_runs_as_written(page):
    runnable = [(line, code) for line, code, fragment in blocks(page) if not fragment]
    assert runnable, f"{page} has no runnable example"
    result = subprocess.run([sys.executable, "-c", RUNNER], input=json.dumps(runnable),
                            capture_output=True, text=True, cwd=ROOT, timeout=300)
    assert result.returncode == 0, result.stderr
    failures = json.loads(result.stdout.strip().splitlines()[-1])
    assert not failures, f"{page}: examples that do not run:\n" + "\n".join(failures)


@pytest.mark.parametrize("page", PAGES)
def test_fragments_are_few_and_say_why(page):
    text = (ROOT / page).read_text(encoding="utf-8")
    marks = re.findall(r"^ *<!-- fragment: (.+?) -->$", text, flags=re.MULTILINE)
    everything = blocks(page)
    fragments = [b for b in everything if b[2]]
    assert len(marks) == len(fragments), "a fragment mark must say why: <!-- fragment: why -->"
    assert len(fragments) * 2 <= len(everything), f"{page}: most examples should run as written"


def test_a_broken_example_is_caught(tmp_path):
    result = subprocess.run([sys.executable, "-c", RUNNER],
                            input=json.dumps([[1, "from core.sdk import no_such_name"]]),
                            capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert "no_such_name" in json.loads(result.stdout.strip().splitlines()[-1])[0]
