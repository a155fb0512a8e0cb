"""Per-worker caches of tokens, schools, modules and roles: bounded staleness, local invalidation."""

import time

import pytest

from core.cache import TTLCache
from core.extensions import db
from core.identity import services
from core.schools import modules
from core.tenancy import tenant_context

pytestmark = pytest.mark.houqin_plugins("notes")


def test_ttl_cache_expires_and_invalidates():
    cache = TTLCache(0.05)
    loads = []
    load = lambda: loads.append(1) or len(loads)  # noqa: E731
    assert cache.get("k", load) == 1 and cache.get("k", load) == 1
    time.sleep(0.06)
    assert cache.get("k", load) == 2
    cache.invalidate("k")
    assert cache.get("k", load) == 3
    assert TTLCache(0).get("k", load) == 4  # zero seconds: no caching at all


def test_another_workers_change_is_seen_within_the_cache_time(app_factory, make_school,
                                                             make_user):
    worker_a = app_factory(plugins=["notes"], AUTH_CACHE_SECONDS=0.3)
    worker_b = app_factory(plugins=["notes"], AUTH_CACHE_SECONDS=0.3)
    with worker_a.app_context():
        school = make_school("cached", modules=("notes",))
        admin = make_user(school, "school_admin")
    client_a = worker_a.test_client()
    assert client_a.get("/api/v1/notes", headers=admin.headers).status_code == 200
    with worker_b.app_context(), tenant_context(school):
        modules.disable("notes")
        services.revoke_token(admin.token.split("_")[1])
        db.session.commit()
    # Worker A has not heard yet; B, which made the change, knows at once.
    assert client_a.get("/api/v1/notes", headers=admin.headers).status_code == 200
    assert worker_b.test_client().get("/api/v1/notes", headers=admin.headers).status_code == 401
    time.sleep(0.35)
    assert client_a.get("/api/v1/notes", headers=admin.headers).status_code == 401


def test_a_rolled_back_change_does_not_poison_the_cache(app, client, make_school, make_user):
    school = make_school("rollback", modules=("notes",))
    admin = make_user(school, "school_admin")
    with tenant_context(school):
        modules.disable("notes")
        assert modules.enabled_modules() == set()  # the open transaction sees its own change
        db.session.rollback()
        assert modules.enabled_modules() == {"notes"}
    assert client.get("/api/v1/notes", headers=admin.headers).status_code == 200


def test_suspending_a_school_takes_effect_at_once_in_this_worker(app, client, make_school,
                                                                 make_user):
    from core.schools.models import Tenant

    school = make_school("to-suspend", modules=("notes",))
    admin = make_user(school, "school_admin")
    assert client.get("/api/v1/notes", headers=admin.headers).status_code == 200
    db.session.get(Tenant, school.id).status = "suspended"
    db.session.commit()
    response = client.get("/api/v1/notes", headers=admin.headers)
    assert response.status_code == 403 and "suspended" in response.get_json()["detail"]
