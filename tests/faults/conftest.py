"""The fault suite: kills and restarts real services (a private PostgreSQL, Redis, gunicorn,
nginx) under load. It takes minutes, so it runs in CI (``CI=true``) and when asked for with
``HOUQIN_FAULTS=1``, never in an ordinary local ``make test``. CI runs the suite once, in its
PostgreSQL pass: each test starts the private services it needs, whichever database the rest of
the run uses."""

import os

import pytest

from core.testing import in_ci


def faults_wanted() -> bool:
    if os.environ.get("HOUQIN_FAULTS", "") == "1":
        return True
    return in_ci() and os.environ.get("HOUQIN_TEST_DATABASE", "") == "postgresql"


@pytest.fixture(autouse=True)
def _only_when_faults_are_wanted():
    if not faults_wanted():
        pytest.skip("fault suite: set HOUQIN_FAULTS=1 (CI runs it)")
