"""Custom host names: looked up one at a time, forgotten at once where they change and after
the registry version moves elsewhere; and the indexes that keep cross-school lookups short."""

import time

import pytest
from sqlalchemy import select, text

from core.cache import LRUCache
from core.extensions import db
from core.schools.models import Tenant, TenantDomain
from core.schools.registry import slug_from_host
from tenants.manifests import ManifestError, apply_manifest

pytestmark = pytest.mark.houqin_plugins("notes")

HOST = "lake.school.example.cn"


def _set_domains(slug: str, domains: list[str]) -> None:
    tenant = db.session.scalar(select(Tenant).where(Tenant.slug == slug))
    tenant.domains = domains
    db.session.commit()


def _resolve(app, host: str) -> str | None:
    with app.app_context():  # a fresh session, as each request has
        return slug_from_host(host, None)


def test_a_new_host_resolves_at_once_here_and_after_the_version_check_elsewhere(app_factory,
                                                                                 make_school):
    here = app_factory(plugins=["notes"], REGISTRY_CHECK_SECONDS=60)
    elsewhere = app_factory(plugins=["notes"], REGISTRY_CHECK_SECONDS=1)
    with here.app_context():
        make_school("lake")
    assert _resolve(here, HOST) is None
    assert _resolve(elsewhere, HOST) is None  # both workers now remember "no such host"

    with here.app_context():
        _set_domains("lake", [HOST.upper()])
        assert db.session.scalar(select(TenantDomain.host)) == HOST
    # The worker that made the change knows at once, though its version check is a minute off.
    assert _resolve(here, HOST) == "lake"
    assert _resolve(here, HOST + ":8443") == "lake"
    # Another worker keeps its cached answer until its next look at the registry version...
    assert _resolve(elsewhere, HOST) is None
    time.sleep(1.1)
    # ...and then forgets it.
    assert _resolve(elsewhere, HOST) == "lake"


def test_a_removed_host_stops_resolving(app_factory, make_school):
    here = app_factory(plugins=["notes"], REGISTRY_CHECK_SECONDS=60)
    elsewhere = app_factory(plugins=["notes"], REGISTRY_CHECK_SECONDS=0)
    with here.app_context():
        make_school("lake", domains=(HOST, "lake.example.cn"))
    assert _resolve(here, HOST) == "lake" and _resolve(elsewhere, HOST) == "lake"
    with here.app_context():
        _set_domains("lake", ["lake.example.cn"])
    assert _resolve(here, HOST) is None
    assert _resolve(elsewhere, HOST) is None
    assert _resolve(elsewhere, "lake.example.cn") == "lake"


def test_a_host_moves_between_schools_in_one_change(app, make_school):
    make_school("lake", domains=(HOST,))
    make_school("hill")
    lake = db.session.scalar(select(Tenant).where(Tenant.slug == "lake"))
    hill = db.session.scalar(select(Tenant).where(Tenant.slug == "hill"))
    lake.domains = []
    db.session.flush()
    hill.domains = [HOST]
    db.session.commit()
    assert slug_from_host(HOST, None) == "hill"


def test_removing_a_school_removes_its_hosts(app, make_school):
    make_school("lake", domains=(HOST,))
    assert slug_from_host(HOST, None) == "lake"
    db.session.delete(db.session.scalar(select(Tenant).where(Tenant.slug == "lake")))
    db.session.commit()
    assert slug_from_host(HOST, None) is None
    assert db.session.scalar(select(TenantDomain.host)) is None


def test_hosts_resolve_in_requests_and_an_unknown_host_is_404(app, client, make_school,
                                                              make_user):
    lake = make_school("lake", modules=("notes",), domains=(HOST,))
    admin = make_user(lake, "school_admin")
    response = client.get("/api/v1/school", headers=admin.headers, base_url=f"http://{HOST}")
    assert response.status_code == 200 and response.get_json()["slug"] == "lake"

    app.config["SERVER_NAME_FOR_TENANTS"] = "houqin.example.cn"
    response = client.get("/api/v1/school", headers=admin.headers,
                          base_url="http://nowhere.houqin.example.cn")
    assert response.status_code == 404
    assert response.mimetype == "application/problem+json"


MANIFEST = """
[district]
slug = "lake"
name = "湖滨区"

[[schools]]
slug = "lake-a"
name = "湖滨一小"
type = "primary"
modules = ["notes"]
domains = ["a.lake.example.cn"]

[[schools]]
slug = "lake-b"
name = "湖滨二小"
type = "primary"
modules = ["notes"]
domains = ["b.lake.example.cn"]
"""


def test_a_manifest_gives_its_schools_their_hosts(app):
    # Two schools with modules and no admins: each one's rows are written in its own scope.
    apply_manifest(MANIFEST)
    db.session.commit()
    assert slug_from_host("a.lake.example.cn", None) == "lake-a"
    assert slug_from_host("b.lake.example.cn", None) == "lake-b"
    moved = MANIFEST.replace('"a.lake.example.cn"', '"a.lake.example.cn", "c.lake.example.cn"')
    apply_manifest(moved)
    db.session.commit()
    assert slug_from_host("c.lake.example.cn", None) == "lake-a"
    district, _, school_b = MANIFEST.split("[[schools]]")
    taken = district + "[[schools]]" + school_b.replace("b.lake", "c.lake")
    with pytest.raises(ManifestError, match=r"c\.lake\.example\.cn already belongs to lake-a"):
        apply_manifest(taken)


def test_the_host_cache_forgets_the_least_recently_used_host():
    cache = LRUCache(60, max_size=2)
    loads = []

    def load(host):
        return lambda: loads.append(host) or host

    cache.get("a", load("a"))
    cache.get("b", load("b"))
    cache.get("a", load("a"))  # a is now the most recently used
    cache.get("c", load("c"))  # so b goes
    cache.get("a", load("a"))
    cache.get("b", load("b"))
    assert loads == ["a", "b", "c", "b"]


def test_the_migration_fills_tenant_domains_from_existing_schools(app_factory, make_school):
    from alembic import command

    from core.migrate import alembic_config, owner_engine, upgrade

    app = app_factory()  # every installed plugin, as the test database was migrated
    with app.app_context():
        make_school("lake", domains=(HOST, "Lake.Example.cn"))
        lake = db.session.scalar(select(Tenant.id).where(Tenant.slug == "lake"))
        db.session.commit()
    engine = owner_engine(app)
    with engine.begin() as connection:
        command.downgrade(alembic_config(app, connection), "6585397d83d9")
    upgrade(app)  # as `houqin db upgrade` runs it: the new tables get the app role's grants
    with engine.begin() as connection:
        rows = connection.execute(text(
            "SELECT host, school_id FROM tenant_domains ORDER BY host")).all()
        version = connection.execute(text("SELECT version FROM registry_version")).scalar()
    engine.dispose()
    assert rows == [("lake.example.cn", lake), (HOST, lake)] and version == 1


# --- indexes ----------------------------------------------------------------------------------

# The statements the lookups run (core.identity.services, core.people.reads,
# core.web.security, core.schools.registry), with the index each must use.
LOOKUPS = [
    ("ix_memberships_user_id", "SELECT tenant_id FROM memberships WHERE user_id = 42"),
    ("ix_api_tokens_public_id",
     "SELECT * FROM api_tokens WHERE public_id = 'abcdefghijklmnop'"),
    ("ix_guardians_user",
     "SELECT student_id FROM guardians WHERE tenant_id = 7 AND user_id = 42"),
    ("ix_login_failures_device_at",
     "SELECT at FROM login_failures WHERE device = 'abc' AND at > '2026-01-01'"
     " ORDER BY at DESC LIMIT 1 OFFSET 4"),
    ("pk_tenant_domains",
     "SELECT tenants.slug FROM tenants JOIN tenant_domains"
     " ON tenant_domains.school_id = tenants.id WHERE tenant_domains.host = 'a.example.cn'"),
]


@pytest.mark.parametrize(("index", "query"), LOOKUPS, ids=[name for name, _ in LOOKUPS])
def test_cross_school_lookups_use_their_index(app, index, query):
    names = {row[0] for row in db.session.execute(text(
        "SELECT indexname FROM pg_indexes" if db.engine.dialect.name == "postgresql"
        else "SELECT name FROM sqlite_master WHERE type = 'index'"))}
    assert index in names or index.startswith("pk_")
    if db.engine.dialect.name == "postgresql":
        # The test tables are nearly empty, where a sequential scan wins; forbid it to see
        # whether the index can serve the query at all.
        db.session.execute(text("SET LOCAL enable_seqscan = off"))
        plan = "\n".join(db.session.scalars(text("EXPLAIN " + query)))
    else:
        plan = "\n".join(row[-1] for row in db.session.execute(text("EXPLAIN QUERY PLAN " + query)))
        index = "sqlite_autoindex_tenant_domains_1" if index.startswith("pk_") else index
    db.session.rollback()
    assert index in plan, plan
