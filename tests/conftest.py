"""Puts the test plugin distribution on sys.path, so entry points find it like any install."""

import os
import sys
from pathlib import Path

HERE = Path(__file__).parent
PLUGIN_DIST = HERE / "plugin_dist"
INCOMPATIBLE_DIST = HERE / "plugin_dist_incompatible"

if str(PLUGIN_DIST) not in sys.path:
    sys.path.insert(0, str(PLUGIN_DIST))

# Services, jobs and commands speak HOUQIN_LOCALE; the tests read their messages in English.
# Pages and the API choose per request (tests/test_i18n.py covers the defaults).
os.environ.setdefault("HOUQIN_LOCALE", "en")
