"""Puts the test plugin distribution on sys.path, so entry points find it like any install."""

import sys
from pathlib import Path

HERE = Path(__file__).parent
PLUGIN_DIST = HERE / "plugin_dist"
INCOMPATIBLE_DIST = HERE / "plugin_dist_incompatible"

if str(PLUGIN_DIST) not in sys.path:
    sys.path.insert(0, str(PLUGIN_DIST))
