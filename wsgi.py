"""The WSGI entry point: ``gunicorn wsgi:app``."""

import sys

from core.app import create_app
from core.plugins.manifest import PluginError

try:
    app = create_app()
except PluginError as exc:
    # The installed plugins keep the app from starting; what fixes it is in the message, so
    # the log shows that paragraph alone. Status 4 is gunicorn's "app failed to load": it stops
    # instead of starting workers that would fail the same way.
    print(f"Error: {exc}", file=sys.stderr)
    raise SystemExit(4) from None
