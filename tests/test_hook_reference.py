"""The hook reference (docs/hooks.md) agrees with the hooks as declared, and every hook's
docstring has the sections it is written from, with an Example that runs as written."""

import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from core import hookdoc
from core.cli import cli

HOOKS = hookdoc.collect()
PAGE = hookdoc.DOCS_PAGE.read_text(encoding="utf-8")


def _declared() -> list[tuple[str, object]]:
    return [(hookdoc._relative(module.__file__), func) for module in hookdoc.spec_modules()
            for func in hookdoc.declared_hooks(module)]


def test_every_declared_hook_is_in_the_reference_and_every_documented_one_declared():
    documented = re.findall(r"^### (\w+)$", PAGE, flags=re.MULTILINE)
    declared = [func.__name__ for _, func in _declared()]
    assert "houqin_blueprints" in declared and "houqin_fee_charges" in declared
    assert sorted(documented) == sorted(declared)


def test_the_reference_is_current():
    assert hookdoc.render(hookdoc.collect()) == PAGE, "run: houqin docs hooks"


def test_the_check_command_fails_on_a_stale_page(tmp_path):
    stale = tmp_path / "hooks.md"
    stale.write_text(PAGE.replace("### houqin_search\n", ""), encoding="utf-8")
    result = CliRunner().invoke(cli, ["docs", "hooks", "--check", "--output", str(stale)])
    assert result.exit_code == 2 and "out of date" in result.output
    written = CliRunner().invoke(cli, ["docs", "hooks", "--output", str(stale)])
    assert written.exit_code == 0
    assert stale.read_text(encoding="utf-8") == PAGE


@pytest.mark.parametrize(("source", "func"), _declared(), ids=lambda v: getattr(v, "__name__", v))
def test_each_docstring_has_its_sections(source, func):
    hook = hookdoc.parse(func, source)  # raises HookDocError naming what is missing
    assert hook.summary and hook.called and hook.returns_type and hook.implemented_by
    assert all(a.type and a.meaning for a in hook.arguments)


def test_a_docstring_without_its_sections_is_refused():
    def houqin_bare(tenant) -> list:
        """Return something.

        Called: sometimes.

        Arguments:
            tenant (TenantRef): the school.

        Returns:
            list: things.

        Implemented by: nobody
        """

    with pytest.raises(hookdoc.HookDocError, match="Example"):
        hookdoc.parse(houqin_bare, "x.py")

    def houqin_untyped(tenant, day) -> list:
        """Return something.

        Called: sometimes.

        Arguments:
            tenant (TenantRef): the school.

        Returns:
            list: things.

        Example::

            pass

        Implemented by: nobody
        """

    with pytest.raises(hookdoc.HookDocError, match="signature"):
        hookdoc.parse(houqin_untyped, "x.py")


@pytest.mark.parametrize("hook", HOOKS, ids=lambda h: h.name)
def test_each_example_runs_as_written(hook):
    code = compile(hook.example, f"<example of {hook.name}>", "exec")
    namespace = {"__name__": "houqin_example"}
    exec(code, namespace)  # imports and definitions only: the hookimpl itself is not called
    impl = namespace.get(hook.name)
    assert callable(impl), f"the example of {hook.name} defines no {hook.name}"
    assert hasattr(impl, "houqin_impl"), f"the example's {hook.name} is not a @hookimpl"


@pytest.mark.parametrize("hook", HOOKS, ids=lambda h: h.name)
def test_implemented_by_names_only_real_implementations(hook):
    named = re.findall(r"[\w/]+\.py", hook.implemented_by)
    for path in named:
        assert (hookdoc.ROOT / path).exists(), f"{hook.name}: {path} does not exist"
        assert hook.name in set(hookdoc._hookimpls(hookdoc.ROOT / path)), (
            f"{hook.name}: {path} does not implement it")


def test_implementations_are_found_by_their_decorator(tmp_path):
    module = tmp_path / "plugin.py"
    module.write_text(
        "from core.sdk import hookimpl\n\n"
        "@hookimpl\ndef houqin_jobs():\n    return []\n\n"
        "@hookimpl(optionalhook=True, specname='houqin_fee_charges')\n"
        "def charges(term_id, student_ids):\n    return []\n\n"
        "def houqin_search(tenant, principal, query, limit):\n    return []\n",
        encoding="utf-8")
    assert sorted(hookdoc._hookimpls(Path(module))) == ["houqin_fee_charges", "houqin_jobs"]
