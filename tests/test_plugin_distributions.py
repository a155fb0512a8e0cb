"""Each first-party module is its own distribution (plugins/<name>/pyproject.toml) and says the
same about itself there as in its manifest: name, version, the core it supports, the modules it
needs; it ships every sub-package and its catalogues, templates and migrations; core's
distribution carries no module. (.ci/module-wheels builds the wheels and checks their contents.)"""

import importlib
import re
import shutil
import subprocess
import tomllib
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.specifiers import SpecifierSet

ROOT = Path(__file__).resolve().parent.parent
MODULES = sorted(path.parent.name for path in (ROOT / "plugins").glob("*/pyproject.toml"))


def _project(folder: Path) -> dict:
    return tomllib.loads((folder / "pyproject.toml").read_text(encoding="utf-8"))


def _requirements(project: dict) -> dict[str, Requirement]:
    return {(req := Requirement(text)).name: req for text in project["project"]["dependencies"]}


def test_every_module_folder_is_a_distribution():
    folders = sorted(p.name for p in (ROOT / "plugins").iterdir()
                     if p.is_dir() and (p / "__init__.py").exists())
    assert folders == MODULES
    assert {"canteen", "fees"} <= set(MODULES)
    # "plugins" is a namespace every module's distribution shares: no one of them may own it.
    assert not (ROOT / "plugins" / "__init__.py").exists()


def test_core_distribution_carries_no_module():
    project = _project(ROOT)
    assert project["project"]["name"] == "houqin"
    assert "houqin.plugins" not in project["project"].get("entry-points", {})
    included = project["tool"]["setuptools"]["packages"]["find"]["include"]
    assert not [pattern for pattern in included if pattern.startswith("plugins")]


@pytest.mark.parametrize("name", MODULES)
def test_distribution_agrees_with_the_manifest(name):
    project = _project(ROOT / "plugins" / name)
    manifest = importlib.import_module(f"plugins.{name}").manifest
    meta = project["project"]
    assert meta["name"] == f"houqin-{name}"
    assert meta["version"] == manifest.version
    assert meta["entry-points"]["houqin.plugins"] == {name: f"plugins.{name}"}
    requirements = _requirements(project)
    # pip must refuse exactly the cores the manifest refuses at start, no more and no fewer.
    assert requirements["houqin"].specifier == SpecifierSet(manifest.core), (
        f"plugins/{name}/pyproject.toml asks for houqin{requirements['houqin'].specifier}"
        f" but the manifest supports core {manifest.core}"
    )
    for needed in manifest.depends:
        assert f"houqin-{needed}" in requirements, f"houqin-{name} must depend on houqin-{needed}"


@pytest.mark.parametrize("name", MODULES)
def test_distribution_ships_every_sub_package_and_its_data(name):
    folder = ROOT / "plugins" / name
    setuptools = _project(folder)["tool"]["setuptools"]
    assert setuptools["package-dir"] == {f"plugins.{name}": "."}
    with_code = {path.parent.relative_to(folder) for path in folder.rglob("*.py")
                 if "__pycache__" not in path.parts and "build" not in path.parts}
    expected = {".".join(("plugins", name, *part.parts)) for part in with_code}
    assert set(setuptools["packages"]) == expected
    data = setuptools["package-data"][f"plugins.{name}"]
    for pattern in ("regulations.toml", "templates/**/*.html", "static/**/*",
                    "translations/*/LC_MESSAGES/*.po", "translations/*/LC_MESSAGES/*.mo"):
        assert pattern in data


def test_first_party_plugins_load_from_this_checkout():
    # A worktree's tests run with the shared virtual environment, whose editable installs point
    # at the main checkout: the checkout the tests run from (first on sys.path) must win.
    from core.plugins.engine import installed_entry_points

    first_party = {name: ep for name, ep in installed_entry_points().items()
                   if ep.value.startswith("plugins.")}
    assert set(first_party) >= {"canteen", "fees"}
    for name, ep in first_party.items():
        module = ep.load()
        assert Path(module.__file__).resolve().is_relative_to(ROOT / "plugins"), (name, module)


def test_make_install_installs_core_and_every_module_in_one_step(tmp_path):
    if shutil.which("make") is None:
        pytest.skip("make is not installed")
    venv = tmp_path / "venv"
    plan = subprocess.run(["make", "-n", "-C", str(ROOT), "install", f"VENV={venv}"],
                          capture_output=True, text=True, check=True).stdout
    install = next(line for line in plan.replace("\\\n", " ").splitlines()
                   if "pip install" in line and "-e '.[dev]'" in line)
    assert sorted(re.findall(r"-e \./plugins/(\w+)/", install)) == MODULES
    # (the stamp's name is a checksum of the module list and every pyproject: see Makefile)
    stamp = re.search(r"touch (\S+)", plan).group(1)
    assert stamp.startswith(f"{venv}/.installed-")
