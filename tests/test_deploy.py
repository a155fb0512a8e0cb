"""The deployment files as shipped: they parse, and they hold the settings the deployment
relies on (who closes idle connections, what nginx may resend, what compose tells the app,
what stays out of the image, when htmx is fetched)."""

from __future__ import annotations

import fnmatch
import hashlib
import os
import re
import runpy
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
DEPLOY = ROOT / "deploy"


def nginx_directives(text: str) -> str:
    """nginx.conf without its comments."""
    return "\n".join(line.split("#", 1)[0] for line in text.splitlines())


def nginx_seconds(value: str) -> int:
    number, unit = re.fullmatch(r"(\d+)(ms|s|m|h)?", value).groups()
    return int(number) * {"ms": 0, None: 1, "s": 1, "m": 60, "h": 3600}[unit]


def gunicorn_settings(monkeypatch, **env) -> dict:
    for name in ("HOUQIN_KEEPALIVE", "HOUQIN_WORKERS", "HOUQIN_THREADS"):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    return runpy.run_path(str(DEPLOY / "gunicorn.conf.py"))


@pytest.fixture(scope="module")
def nginx() -> str:
    return nginx_directives((DEPLOY / "nginx.conf").read_text())


def test_gunicorn_keeps_idle_connections_longer_than_nginx(monkeypatch, nginx):
    settings = gunicorn_settings(monkeypatch)
    upstream = re.search(r"upstream houqin \{([^}]*)\}", nginx).group(1)
    nginx_idle = nginx_seconds(re.search(r"keepalive_timeout\s+(\S+);", upstream).group(1))
    assert settings["worker_class"] == "gthread"
    assert settings["keepalive"] == 75
    assert settings["keepalive"] > nginx_idle == 30
    assert re.search(r"keepalive_requests\s+1000;", upstream)
    assert re.search(r"\bkeepalive\s+\d+;", upstream)

    assert gunicorn_settings(monkeypatch, HOUQIN_KEEPALIVE="90")["keepalive"] == 90


def test_nginx_reuses_upstream_connections_and_never_resends_a_write(nginx):
    proxied = [body for body in re.findall(r"location\s+/\s*\{([^}]*)\}", nginx)
               if "proxy_pass http://houqin;" in body]
    assert len(proxied) == 2  # the server name and its sub-domains; schools' own domains
    for body in proxied:
        assert re.search(r"proxy_http_version\s+1\.1;", body)
        assert re.search(r'proxy_set_header\s+Connection\s+"";', body)
        retry = re.search(r"proxy_next_upstream\s+([^;]+);", body).group(1).split()
        assert retry == ["error", "timeout"]
        assert re.search(r"proxy_next_upstream_tries\s+2;", body)
    assert "non_idempotent" not in nginx


def test_compose_tells_the_app_it_is_behind_an_https_proxy():
    compose = yaml.safe_load((DEPLOY / "compose.yaml").read_text())
    web = compose["services"]["web"]

    def default(value: str) -> str:  # "${NAME:-default}" as compose reads it with NAME unset
        match = re.fullmatch(r"\$\{(\w+):-([^}]*)\}", str(value))
        return match.group(2) if match else str(value)

    assert default(web["environment"]["HOUQIN_PROXY_COUNT"]) == "1"
    assert default(web["environment"]["HOUQIN_SECURE_COOKIES"]) == "1"
    probe = " ".join(web["healthcheck"]["test"])
    assert "/healthz" in probe and "/readyz" not in probe


def dockerignored(path: str, patterns: list[str]) -> bool:
    """Whether Docker leaves `path` (or a folder holding it) out of the build context."""
    parts = path.split("/")
    for pattern in patterns:
        anywhere = pattern.startswith("**/")
        wanted = pattern.removeprefix("**/").strip("/").split("/")
        for start in range(len(parts)) if anywhere else [0]:
            piece = parts[start:start + len(wanted)]
            if len(piece) == len(wanted) and all(
                    fnmatch.fnmatchcase(have, want)
                    for have, want in zip(piece, wanted, strict=True)):
                return True
    return False


def test_dockerignore_keeps_secrets_and_local_state_out_of_the_image():
    patterns = [line.strip() for line in (ROOT / ".dockerignore").read_text().splitlines()
                if line.strip() and not line.startswith("#")]
    assert not any(p.startswith("!") for p in patterns)
    for path in (".venv/bin/python", "instance/secret_key", "instance/houqin.db",
                 "houqin.sqlite", ".git/config", "core/__pycache__/app.cpython-311.pyc",
                 "tests/browser/screenshots/login.png", "deploy/.env"):
        assert dockerignored(path, patterns), path
    dockerfile = (DEPLOY / "Dockerfile").read_text()
    copied = re.findall(r"^COPY (?!--from)(.+) \S+$", dockerfile, re.M)
    assert copied
    for sources in copied:
        for source in sources.split():
            assert (ROOT / source).exists(), source
            assert not dockerignored(source, patterns), source
    for path in ("core/app.py", "core/web/static/vendor/htmx.sha256", "wsgi.py"):
        assert not dockerignored(path, patterns), path


def test_the_image_fetches_htmx_strictly_before_installing():
    dockerfile = (DEPLOY / "Dockerfile").read_text()
    fetch = dockerfile.index("deploy/fetch-htmx.sh --strict")
    placed = re.search(r"COPY --from=htmx .*htmx\.min\.js", dockerfile).start()
    assert fetch < placed < dockerfile.index("RUN pip install .")


def test_make_fetches_htmx_through_the_checksum_script():
    if shutil.which("make") is None:
        pytest.skip("make is not installed")
    plan = subprocess.run(["make", "-n", "-C", str(ROOT), "run"], capture_output=True,
                          text=True, check=True).stdout
    assert "deploy/fetch-htmx.sh" in plan and "npm" not in plan


# --- deploy/fetch-htmx.sh, with a fake npm on PATH -------------------------------------------

VENDORED = b"/* htmx as vendored */\n"


@pytest.fixture
def checkout(tmp_path):
    """A copy of the script beside a vendor folder whose htmx.sha256 names VENDORED."""
    (tmp_path / "deploy").mkdir()
    shutil.copy(DEPLOY / "fetch-htmx.sh", tmp_path / "deploy" / "fetch-htmx.sh")
    vendor = tmp_path / "core" / "web" / "static" / "vendor"
    vendor.mkdir(parents=True)
    (vendor / "htmx.sha256").write_text(f"{hashlib.sha256(VENDORED).hexdigest()}  htmx.min.js\n")
    return tmp_path


def fake_npm(tmp_path: Path, serves: bytes | None) -> Path:
    """An npm that logs its calls and fails, or packs a tarball holding `serves`."""
    bin_dir = tmp_path / "fake-bin"
    bin_dir.mkdir()
    log = tmp_path / "npm-calls"
    script = f'#!/bin/sh\necho "$@" >> {log}\n'
    if serves is None:
        script += "echo 'npm error network request failed' >&2\nexit 1\n"
    else:
        (tmp_path / "served.js").write_bytes(serves)
        script += (f'for arg; do last=$arg; done\nversion=${{last#htmx.org@}}\n'
                   f'mkdir -p package/dist && cp {tmp_path}/served.js package/dist/htmx.min.js\n'
                   'echo "Zero-Clause BSD" > package/LICENSE\n'
                   'tar -czf "htmx.org-$version.tgz" package && rm -rf package\n')
    npm = bin_dir / "npm"
    npm.write_text(script)
    npm.chmod(0o755)
    return log


def fetch(checkout: Path, *args: str) -> subprocess.CompletedProcess:
    env = dict(os.environ, PATH=f"{checkout / 'fake-bin'}:{os.environ['PATH']}")
    return subprocess.run(["sh", str(checkout / "deploy" / "fetch-htmx.sh"), *args], env=env,
                          capture_output=True, text=True, timeout=60)


def htmx(checkout: Path) -> Path:
    return checkout / "core" / "web" / "static" / "vendor" / "htmx.min.js"


def test_fetch_htmx_does_nothing_when_the_file_matches_even_if_npm_fails(checkout):
    calls = fake_npm(checkout, serves=None)
    htmx(checkout).write_bytes(VENDORED)
    os.utime(htmx(checkout), (0, 0))  # older than htmx.sha256, as npm pack leaves it

    for args in ((), ("--strict",)):
        result = fetch(checkout, *args)
        assert result.returncode == 0, result.stderr
        assert result.stderr == ""
    assert not calls.exists()
    assert htmx(checkout).read_bytes() == VENDORED


def test_fetch_htmx_without_a_registry_warns_or_fails_when_strict(checkout):
    calls = fake_npm(checkout, serves=None)
    htmx(checkout).write_bytes(b"/* another version */\n")

    relaxed = fetch(checkout)
    assert relaxed.returncode == 0 and "could not fetch htmx.org@" in relaxed.stderr
    strict = fetch(checkout, "--strict")
    assert strict.returncode == 1 and "could not fetch htmx.org@" in strict.stderr
    assert len(calls.read_text().splitlines()) == 2
    assert htmx(checkout).read_bytes() == b"/* another version */\n"


def test_fetch_htmx_installs_what_the_registry_serves_when_it_matches(checkout):
    calls = fake_npm(checkout, serves=VENDORED)

    result = fetch(checkout, "--strict")
    assert result.returncode == 0, result.stderr
    assert htmx(checkout).read_bytes() == VENDORED
    assert (htmx(checkout).parent / "htmx.LICENSE").read_text() == "Zero-Clause BSD\n"
    assert "pack" in calls.read_text()


def test_fetch_htmx_never_installs_a_download_that_does_not_match(checkout):
    fake_npm(checkout, serves=b"/* tampered */\n")

    result = fetch(checkout)  # not even without --strict
    assert result.returncode == 1 and "not installed" in result.stderr
    assert not htmx(checkout).exists()
