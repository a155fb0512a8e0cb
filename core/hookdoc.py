"""The hook reference (``docs/hooks.md``), written from the hooks' own docstrings.

Every hook is documented once, where it is declared, in one shape (Called, Arguments,
Returns, Example, Implemented by; see ``core/hookspecs.py``). This module reads those
docstrings, finds the first-party implementations by scanning the source for ``@hookimpl``,
and writes the page, so the reference cannot drift from the code: ``houqin docs hooks``
writes it, ``houqin docs hooks --check`` fails while the page is stale, and
``tests/test_hook_reference.py`` checks both directions.
"""

from __future__ import annotations

import ast
import importlib
import inspect
import re
import textwrap
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from importlib.metadata import entry_points
from pathlib import Path
from types import ModuleType

ROOT = Path(__file__).resolve().parent.parent
DOCS_PAGE = ROOT / "docs" / "hooks.md"
SECTIONS = ("Called:", "Arguments:", "Returns:", "Example::", "Implemented by:")
# Where first-party implementations live: the modules, core, and the worked examples that
# docs/plugin-authors.md walks through.
IMPLEMENTATION_ROOTS = ("core", "tenants", "plugins", "tests/plugin_dist")
_ARGUMENT = re.compile(r"^(\w+) \((.+?)\): (.*)$")
_RETURNS = re.compile(r"^(.+?): (.*)$")


class HookDocError(ValueError):
    """A hook's docstring lacks a section or has one out of shape; says which and where."""


@dataclass
class Argument:
    name: str
    type: str
    meaning: str


@dataclass
class HookDoc:
    """One declared hook and what its docstring says about it."""

    name: str
    declared_in: str  # a path relative to the repository, e.g. "core/hookspecs.py"
    signature: str
    summary: str
    called: str
    description: list[str]
    arguments: list[Argument]
    returns_type: str
    returns: str
    example: str
    implemented_by: str
    implementations: list[str] = field(default_factory=list)


def spec_modules(extra: Iterable[str] = ()) -> list[ModuleType]:
    """Core's hookspecs, then those of every first-party module installed (found through the
    ``houqin.plugins`` entry points, as the plugin engine finds them: core names no module),
    then those of the packages named in ``extra``."""
    from core import hookspecs

    modules = [hookspecs]
    found = [ep.load() for ep in sorted(entry_points(group="houqin.plugins"), key=lambda e: e.value)
             if ep.value.startswith("plugins.")]
    found += [importlib.import_module(name) for name in extra]
    for package in found:
        manifest = getattr(package, "manifest", None)
        declared = getattr(manifest, "hookspecs", None)
        if declared is not None and declared not in modules:
            modules.append(declared)
    return modules


def declared_hooks(module: ModuleType) -> Iterator[object]:
    """The ``@hookspec`` functions of ``module``, in the order they are declared."""
    found = [value for value in vars(module).values()
             if inspect.isfunction(value) and hasattr(value, "houqin_spec")
             and value.__module__ == module.__name__]
    return iter(sorted(found, key=lambda f: f.__code__.co_firstlineno))


def _relative(path: str | Path) -> str:
    path = Path(path).resolve()
    try:
        return path.relative_to(ROOT).as_posix()
    except ValueError:
        return path.name


def _signature(func) -> str:
    params = []
    for name, param in inspect.signature(func).parameters.items():
        annotation = param.annotation
        params.append(name if annotation is inspect.Parameter.empty else f"{name}: {annotation}")
    returns = inspect.signature(func).return_annotation
    tail = "" if returns is inspect.Signature.empty else f" -> {returns}"
    return f"{func.__name__}({', '.join(params)}){tail}"


def _blocks(lines: list[str]) -> list[list[str]]:
    """Split lines into blocks at column-0 lines that open a section."""
    blocks: list[list[str]] = [[]]
    for line in lines:
        if line.startswith(SECTIONS):
            blocks.append([])
        blocks[-1].append(line)
    return blocks


def _indented(lines: list[str]) -> list[str]:
    """The indented body of a section, dedented, without the blank lines around it."""
    # dedent, not cleandoc: cleandoc strips the first line apart from the rest, which would
    # take the continuation lines of a lone argument for arguments of their own.
    return textwrap.dedent("\n".join(lines)).strip("\n").splitlines() if lines else []


def parse(func, declared_in: str) -> HookDoc:
    """Read a hook's docstring into its sections; raise ``HookDocError`` naming what is off."""
    where = f"{declared_in}: {func.__name__}"
    doc = inspect.cleandoc(func.__doc__ or "")
    lines = doc.splitlines()
    blocks = _blocks(lines)
    heads = [next(s for s in SECTIONS if block[0].startswith(s)) for block in blocks[1:]]
    if heads != list(SECTIONS):
        raise HookDocError(f"{where}: the docstring needs the sections {', '.join(SECTIONS)}"
                           f" once each, in that order (found {', '.join(heads) or 'none'})")
    summary_and_more = "\n".join(blocks[0]).strip().split("\n\n")
    summary = " ".join(summary_and_more[0].split())
    description = [p for p in summary_and_more[1:] if p.strip()]
    called = arguments_block = returns_block = example_block = implemented = None
    for block in blocks[1:]:
        head = block[0]
        if head.startswith("Called:"):
            paragraphs = "\n".join(block).split("\n\n")
            called = " ".join(paragraphs[0][len("Called:"):].split())
            description += [p for p in paragraphs[1:] if p.strip()]
        elif head.startswith("Arguments:"):
            arguments_block = block[1:]
        elif head.startswith("Returns:"):
            returns_block = block[1:]
        elif head.startswith("Example::"):
            example_block = block[1:]
        elif head.startswith("Implemented by:"):
            implemented = " ".join(" ".join(block)[len("Implemented by:"):].split())
    if not called:
        raise HookDocError(f"{where}: 'Called:' says nothing")
    arguments = _arguments(arguments_block or [], where)
    params = list(inspect.signature(func).parameters)
    if [a.name for a in arguments] != params:
        raise HookDocError(f"{where}: Arguments lists {[a.name for a in arguments]}, the"
                           f" signature has {params}")
    returns = " ".join(_indented(returns_block or []))
    matched = _RETURNS.match(returns)
    if not matched:
        raise HookDocError(f"{where}: Returns must read 'type: what it is'")
    example = "\n".join(_indented(example_block or [])).strip()
    if not example:
        raise HookDocError(f"{where}: the Example is empty")
    if not implemented:
        raise HookDocError(f"{where}: 'Implemented by:' says nothing")
    return HookDoc(func.__name__, declared_in, _signature(func), summary, called, description,
                   arguments, matched.group(1), matched.group(2), example, implemented)


def _arguments(block: list[str], where: str) -> list[Argument]:
    lines = _indented(block)
    if [line.strip() for line in lines] in (["none."], ["None."]):
        return []
    arguments: list[Argument] = []
    for line in lines:
        if line.startswith(" ") and arguments:
            arguments[-1].meaning += " " + line.strip()
            continue
        matched = _ARGUMENT.match(line)
        if not matched:
            raise HookDocError(f"{where}: argument line {line!r} must read 'name (type): meaning'")
        arguments.append(Argument(*matched.groups()))
    return arguments


def implementations(roots: Iterable[str] = IMPLEMENTATION_ROOTS) -> dict[str, list[str]]:
    """Every ``@hookimpl`` function under ``roots``, by hook name: the files that implement
    it, relative to the repository."""
    found: dict[str, list[str]] = {}
    for root in roots:
        for path in sorted((ROOT / root).rglob("*.py")):
            if ".venv" in path.parts:
                continue
            for name in _hookimpls(path):
                files = found.setdefault(name, [])
                if _relative(path) not in files:
                    files.append(_relative(path))
    return found


def _hookimpls(path: Path) -> Iterator[str]:
    try:
        tree = ast.parse(path.read_text(encoding="utf-8"))
    except (SyntaxError, UnicodeDecodeError):
        return
    for node in ast.walk(tree):
        if not isinstance(node, ast.FunctionDef):
            continue
        for decorator in node.decorator_list:
            target = decorator.func if isinstance(decorator, ast.Call) else decorator
            label = target.attr if isinstance(target, ast.Attribute) else getattr(target, "id", "")
            if label != "hookimpl":
                continue
            specname = next((kw.value.value for kw in getattr(decorator, "keywords", ())
                             if kw.arg == "specname" and isinstance(kw.value, ast.Constant)),
                            None)
            yield specname or node.name


def collect(extra: Iterable[str] = ()) -> list[HookDoc]:
    """Every declared hook, parsed, with its first-party implementations."""
    found = implementations()
    docs = []
    for module in spec_modules(extra):
        declared_in = _relative(module.__file__)
        for func in declared_hooks(module):
            hook = parse(func, declared_in)
            hook.implementations = found.get(hook.name, [])
            docs.append(hook)
    return docs


def _md(text: str) -> str:
    """reStructuredText's inline code (``x``) as Markdown's (`x`)."""
    return re.sub(r"``(.+?)``", r"`\1`", text)


def _cell(text: str) -> str:
    """Text for a Markdown table cell: a ``|`` (``str | None``) would end the cell."""
    return text.replace("|", "\\|")


def _anchor(name: str) -> str:
    return name.lower()


def render(hooks: list[HookDoc]) -> str:
    """The Markdown of docs/hooks.md."""
    out = [
        "# Hook reference",
        "",
        "<!-- Written by `houqin docs hooks` from the hooks' docstrings; do not edit by hand:",
        "     change the docstring where the hook is declared and run the command again. -->",
        "",
        "Every hook a module may implement, with its signature, when it is called and in",
        "which scope, its arguments, what it returns, an example and the first-party modules",
        "that implement it. Implement a hook with `@hookimpl` from `core.sdk`, as a",
        "module-level function of the package your entry point names (see",
        "[plugin-authors.md](plugin-authors.md#hooks) and the [tutorial](tutorial.md)).",
        "Hooks called with a school in context reach only the modules that school switched",
        "on; hooks called at start-up reach every loaded module. A hook declared by a module",
        "exists only where that module is installed: implement it with",
        "`@hookimpl(optionalhook=True)` unless you depend on the module.",
        "",
    ]
    by_source: dict[str, list[HookDoc]] = {}
    for hook in hooks:
        by_source.setdefault(hook.declared_in, []).append(hook)
    for source, group in by_source.items():
        out.append(f"- [`{source}`](../{source}): "
                   + ", ".join(f"[`{h.name}`](#{_anchor(h.name)})" for h in group))
    out.append("")
    for source, group in by_source.items():
        title = "Core" if source.startswith("core/") else f"Declared by `{source.split('/')[-2]}`"
        out += [f"## {title}", "", f"Declared in [`{source}`](../{source}).", ""]
        for hook in group:
            out += _render_hook(hook)
    return "\n".join(out).rstrip() + "\n"


def _render_hook(hook: HookDoc) -> list[str]:
    out = [f"### {hook.name}", "", "```python", hook.signature, "```", "", _md(hook.summary), "",
           f"**Called:** {_md(hook.called)}", ""]
    literal = False
    for paragraph in hook.description:
        if literal:  # the paragraph after one ending in "::" is code, as in reST
            out += ["```text", inspect.cleandoc(paragraph), "```", ""]
        else:
            out += [_md(" ".join(paragraph.split())).removesuffix("::")
                    + (":" if paragraph.rstrip().endswith("::") else ""), ""]
        literal = paragraph.rstrip().endswith("::") and not literal
    if hook.arguments:
        out += ["| argument | type | meaning |", "| --- | --- | --- |"]
        out += [f"| `{a.name}` | `{_cell(a.type)}` | {_cell(_md(a.meaning))} |"
                for a in hook.arguments]
    else:
        out.append("No arguments.")
    out += ["", f"**Returns** `{hook.returns_type}`: {_md(hook.returns)}", "", "Example:", "",
            "```python", hook.example, "```", ""]
    if hook.implementations:
        links = ", ".join(f"[`{path}`](../{path})" for path in hook.implementations)
        out.append(f"**Implemented by:** {links}")
    else:
        out.append(f"**Implemented by:** {_md(hook.implemented_by)}")
    out.append("")
    return out


def write(path: Path = DOCS_PAGE, extra: Iterable[str] = ()) -> str:
    text = render(collect(extra))
    path.write_text(text, encoding="utf-8")
    return text
