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


@pytest.mark.parametrize("command", [["db", "upgrade"], ["run"], ["tenants", "list"]])
def test_commands_refuse_a_plugin_made_for_another_core_in_one_paragraph(
        command, monkeypatch, tmp_path):
    from click.testing import CliRunner

    from core.cli import cli

    monkeypatch.syspath_prepend(str(INCOMPATIBLE_DIST))
    monkeypatch.setenv("HOUQIN_PLUGINS", "future")
    monkeypatch.setenv("HOUQIN_INSTANCE_PATH", str(tmp_path / "instance"))
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'houqin.db'}")
    monkeypatch.setenv("SECRET_KEY", "test-secret")
    result = CliRunner().invoke(cli, command)
    # The operator reads what to do and the command stops, having done nothing: no traceback
    # (CliRunner would hold the escaped exception), no usage line, a non-zero status.
    assert result.exit_code == 2, result.output
    assert isinstance(result.exception, SystemExit)
    message = result.stderr
    assert message.startswith("Error: plugin future 9.0.0 (from houqin-futureplugin) supports")
    assert "pip install 'houqin-futureplugin' 'houqin==0.1.0'" in message
    assert "Traceback" not in result.output and "Usage:" not in result.output
    assert len(message.strip().splitlines()) == 1
    assert not (tmp_path / "houqin.db").exists() or (tmp_path / "houqin.db").stat().st_size == 0
    sys.modules.pop("houqin_future", None)


def test_the_web_server_stops_with_the_same_paragraph(tmp_path):
    import os
    import subprocess

    env = {**os.environ, "HOUQIN_PLUGINS": "future", "SECRET_KEY": "test-secret",
           "HOUQIN_INSTANCE_PATH": str(tmp_path / "instance"),
           "DATABASE_URL": f"sqlite:///{tmp_path / 'houqin.db'}",
           "PYTHONPATH": os.pathsep.join([str(ROOT), str(INCOMPATIBLE_DIST)])}
    served = subprocess.run([sys.executable, "-c", "import wsgi"], cwd=ROOT, env=env,
                            capture_output=True, text=True, timeout=60)
    assert served.returncode == 4  # gunicorn's "app failed to load": it stops, no restarts
    assert served.stderr.startswith("Error: plugin future 9.0.0 (from houqin-futureplugin)")
    assert "Traceback" not in served.stderr


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


PLUGIN_FOLDERS = (ROOT / "plugins", ROOT / "tests" / "plugin_dist")
# Translation functions come from the SDK too (core.sdk._, lazy_gettext, ...), so a plugin's
# strings are translated the way core's are, whatever Babel core ships with.
REFUSED_LIBRARIES = ("flask_babel",)


def sdk_offences(path: Path) -> list[str]:
    """What a plugin file does that only the SDK may: import core (or tenants) beyond
    ``core.sdk``, import a name the SDK does not list in ``__all__`` or a private one
    (``_x``; ``_`` itself is gettext), read a private attribute of the SDK module, reach
    through ``app.extensions`` / ``current_app.extensions``, or into pluggy's manager."""
    import core.sdk as sdk

    public = set(sdk.__all__) | set(sdk.DEPRECATED)
    tree = ast.parse(path.read_text(encoding="utf-8"))
    sdk_aliases = set()
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                top = alias.name.split(".")
                if top[0] in ("core", "tenants") and alias.name != "core.sdk":
                    found.append(f"imports {alias.name}")
                elif alias.name == "core.sdk":
                    sdk_aliases.add(alias.asname or "core")
                if top[0] in REFUSED_LIBRARIES:
                    found.append(f"imports {alias.name} (take it from core.sdk)")
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            top = node.module.split(".")
            if top[0] in REFUSED_LIBRARIES:
                found.append(f"imports {node.module} (take it from core.sdk)")
            if top[0] not in ("core", "tenants"):
                continue
            if node.module == "core":
                names = [a.name for a in node.names]
                sdk_aliases |= {a.asname or a.name for a in node.names if a.name == "sdk"}
                if names != ["sdk"]:
                    found.append(f"imports {', '.join(n for n in names if n != 'sdk')} "
                                 "from core")
            elif node.module != "core.sdk":
                found.append(f"imports {node.module}")
            else:
                found += [f"imports {a.name} from core.sdk, which it does not publish"
                          for a in node.names if a.name not in public]
                found += [f"imports {a.name} from core.sdk as {a.asname}: use the SDK's name"
                          for a in node.names if a.asname and a.asname != a.name]
        elif isinstance(node, ast.Attribute):
            if node.attr == "extensions":
                found.append("reaches through .extensions")
            elif node.attr in ("get_hookimpls", "get_plugin", "subset_hook_caller"):
                found.append(f"reaches into pluggy (.{node.attr}): use hooks() or all_hooks()")
            elif (isinstance(node.value, ast.Name) and node.value.id in sdk_aliases
                  and node.attr not in public and node.attr != "sdk"):
                found.append(f"uses {node.value.id}.{node.attr}, which core.sdk does not "
                             "publish")
            elif (isinstance(node.value, ast.Attribute) and node.value.attr == "sdk"
                  and node.attr not in public):
                found.append(f"uses core.sdk.{node.attr}, which core.sdk does not publish")
    return found


def test_plugins_use_only_the_sdks_public_names_from_core():
    offenders = []
    for folder in PLUGIN_FOLDERS:
        for path in folder.rglob("*.py"):
            offenders += [f"{path.relative_to(ROOT)} {offence}"
                          for offence in sdk_offences(path)]
    assert offenders == []


def test_first_party_plugins_reach_no_other_plugin():
    offenders = []
    for path in (ROOT / "plugins").rglob("*.py"):
        plugin = path.relative_to(ROOT / "plugins").parts[0]
        for name in _imports(path):
            top = name.split(".")
            if top[0] == "plugins" and len(top) > 1 and top[1] != plugin:
                offenders.append(f"{path.relative_to(ROOT)} reaches into {name}")
    assert offenders == []


@pytest.mark.parametrize("source, offence", [
    ("from core.db import uuid7", "imports core.db"),
    ("import tenants.manifests", "imports tenants.manifests"),
    ("from core.sdk import _kernel", "imports _kernel from core.sdk"),
    ("from core.sdk import kernel", "imports kernel from core.sdk"),
    ("from core import sdk\nsdk._kernel()", "uses sdk._kernel"),
    ("import core.sdk\ncore.sdk._kernel()", "uses core.sdk._kernel"),
    ("from core import state", "imports state from core"),
    ("from flask import current_app\ncurrent_app.extensions['houqin']",
     "reaches through .extensions"),
    ("def f(app):\n    return app.extensions.get('fees')", "reaches through .extensions"),
    ("from core.sdk import hooks\nhooks().x.get_hookimpls()", "reaches into pluggy"),
    ("from core.sdk import school_today as today", "as today: use the SDK's name"),
    ("from core.sdk import hooks\nhooks().x.get_hookimpls()", "reaches into pluggy"),
])
def test_the_boundary_check_catches_each_kind_of_reach(tmp_path, source, offence):
    path = tmp_path / "plugin.py"
    path.write_text(source + "\n", encoding="utf-8")
    assert any(offence in found for found in sdk_offences(path)), sdk_offences(path)


def test_the_boundary_check_lets_the_sdk_be_used(tmp_path):
    clean = tmp_path / "plugin.py"
    clean.write_text("from core import sdk\nfrom core.sdk import _, _l, db\n"
                     "import core.sdk\n\nsdk.hooks, core.sdk.all_hooks, _('x'), _l('y'), db\n",
                     encoding="utf-8")
    assert sdk_offences(clean) == []
