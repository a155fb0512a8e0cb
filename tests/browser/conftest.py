"""A live server on the test database and Debian's Chromium, driven by Playwright."""

import os
import shutil
import threading
from pathlib import Path

import pytest
from werkzeug.serving import make_server

from core.testing import in_ci, require_service

SCREENSHOTS = Path(__file__).parent / "screenshots"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-background-networking", "--disable-gpu",
                 "--disable-quic", "--no-first-run", "--disable-component-update",
                 "--disable-sync"]


@pytest.fixture(autouse=True)
def _once_in_ci():
    """CI drives the browser in its SQLite pass; its PostgreSQL pass walks every page through
    the test client (the route walk, each module's page tests) and leaves the browser out,
    which keeps CI within its time on two cores. Locally they run on either database."""
    if in_ci() and os.environ.get("HOUQIN_TEST_DATABASE", "") == "postgresql":
        pytest.skip("browser tests run in CI's SQLite pass")


@pytest.fixture(scope="session")
def chromium():
    path = os.environ.get("HOUQIN_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
    missing = None if os.path.exists(path) else FileNotFoundError(
        f"{path} (apt-get install chromium)")
    require_service("Chromium", missing)
    try:
        from playwright.sync_api import sync_playwright
    except ImportError as exc:
        require_service("Playwright", exc)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=path, headless=True,
                                             args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def live_server(app):
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(timeout=5)


@pytest.fixture
def page(chromium):
    context = chromium.new_context(locale="zh-CN", viewport={"width": 1280, "height": 800})
    page = context.new_page()
    page.set_default_timeout(10_000)
    yield page
    context.close()


def screenshot(page, name: str) -> None:
    SCREENSHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)
