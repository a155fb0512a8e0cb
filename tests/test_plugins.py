"""The plugin engine: entry points, the allow-list, manifests, and which way imports point."""

import ast
import sys
from pathlib import Path

import pytest

from core.plugins.engine import installed_entry_points, load_plugins
from core.plugins.manifest import PluginError, PluginManifest
from tests.conftest import INCOMPATIBLE_DIST

ROOT = Path(__file__).parent.parent


def test_plugins_are_found_through_entry_points():
    assert {"notes", "tags", "playground"} <= set(installed_entry_points())
    host = load_plugins(["tags", "notes"])
    assert host.names == ["notes", "tags"]  # dependencies first
    assert host.requirements("tags") == ["notes"]
    assert host.dependents("notes") == {"tags"}


def test_allow_list_loads_only_what_it_names(app_factory):
    app = app_factory(plugins=["playground"])
    assert app.extensions["houqin"].plugins.names == ["playground"]
    # The routes of a plugin the deployment leaves out do not exist at all.
    assert not any(r.rule.startswith("/api/v1/notes") for r in app.url_map.iter_rules())
    assert app.test_client().get("/api/v1/notes").status_code == 404


def test_allow_list_naming_a_missing_plugin_is_a_clear_error():
    with pytest.raises(PluginError, match="HOUQIN_PLUGINS names library, which is not installed"):
        load_plugins(["notes", "library"])


def test_a_dependency_left_out_is_a_clear_error():
    with pytest.raises(PluginError, match="plugin tags needs notes, which HOUQIN_PLUGINS leaves out"):
        load_plugins(["tags"])


def test_core_version_range_is_checked_at_load(monkeypatch):
    monkeypatch.syspath_prepend(str(INCOMPATIBLE_DIST))
    with pytest.raises(PluginError) as caught:
        load_plugins(["future"])
    message = str(caught.value)
    # which plugin and from which distribution, the range it supports, the core running here
    assert ("plugin future 9.0.0 (from houqin-futureplugin) supports Houqin core >=9,<10,"
            " but this is core 0.1.0") in message
    # and the commands that fix it: the release made for this core, or leaving it out
    assert "pip install 'houqin-futureplugin' 'houqin==0.1.0'" in message
    assert "HOUQIN_PLUGINS" in message
    assert "pip uninstall houqin-futureplugin" in message
    sys.modules.pop("houqin_future", None)


def test_a_server_refuses_to_start_with_a_plugin_made_for_another_core(monkeypatch, tmp_path):
    from core.app import create_app

    monkeypatch.syspath_prepend(str(INCOMPATIBLE_DIST))
    with pytest.raises(PluginError, match=r"plugin future 9\.0\.0 \(from houqin-futureplugin\)"):
        create_app({"TESTING": True, "HOUQIN_PLUGINS": ["future"], "SECRET_KEY": "test-secret",
                    "INSTANCE_PATH": str(tmp_path / "instance"),
                    "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'houqin.db'}"})
    sys.modules.pop("houqin_future", None)


def test_manifest_checks():
    with pytest.raises(PluginError, match="not a PEP 440 specifier"):
        PluginManifest(name="x", version="1", title="X", core="about one").check()
    with pytest.raises(PluginError, match="lowercase identifier"):
        PluginManifest(name="Bad-Name", version="1", title="X", core=">=0").check()
    with pytest.raises(PluginError, match="unknown tenant types"):
        PluginManifest(name="x", version="1", title="X", core=">=0",
                       tenant_types=frozenset({"university"})).check()


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


def test_core_and_tenants_never_import_a_plugin():
    plugin_packages = {"plugins"} | {ep.value.split(":")[0].split(".")[0]
                                     for ep in installed_entry_points().values()}
    offenders = []
    for folder in ("core", "tenants"):
        for path in (ROOT / folder).rglob("*.py"):
            for name in _imports(path):
                if name.split(".")[0] in plugin_packages:
                    offenders.append(f"{path.relative_to(ROOT)} imports {name}")
    assert offenders == []


def test_first_party_plugins_use_only_the_sdk_from_core():
    offenders = []
    for path in (ROOT / "plugins").rglob("*.py"):
        plugin = path.relative_to(ROOT / "plugins").parts[0]
        for name in _imports(path):
            top = name.split(".")
            if top[0] in ("core", "tenants") and name != "core.sdk":
                offenders.append(f"{path.relative_to(ROOT)} imports {name}")
            if top[0] == "plugins" and len(top) > 1 and top[1] != plugin:
                offenders.append(f"{path.relative_to(ROOT)} reaches into {name}")
    assert offenders == []
