"""Provisioning from manifests: idempotent, and a bad manifest changes nothing."""

from pathlib import Path

import pytest
from sqlalchemy import func, select

from core.audit import AuditEvent
from core.extensions import db
from core.identity.models import DistrictMembership, Membership, User
from core.schools.models import District, Tenant, TenantModule
from core.schools.registry import tenant_by_slug
from core.tenancy import tenant_context
from tenants.manifests import ManifestError, apply_manifest, locate

pytestmark = pytest.mark.houqin_plugins("notes", "tags", "playground")
ROOT = Path(__file__).parent.parent

GOOD = """
[district]
slug = "lakeside"
name = "湖滨区教育局"

[[district.admins]]
email = "bureau@lakeside.test"
name = "Bureau"
password = "bureau-password-1"

[[schools]]
slug = "lake-primary"
name = "湖滨小学"
type = "primary"
modules = ["tags"]
domains = ["lake.example.cn"]

[[schools.admins]]
email = "head@lake.test"
name = "Head"
password = "head-password-1"

[[schools]]
slug = "lake-kg"
name = "湖滨幼儿园"
type = "kindergarten"
modules = ["notes", "playground"]

[schools.settings.notes]
max_body_length = 300
"""


def counts() -> dict[str, int]:
    models = {"districts": District, "tenants": Tenant, "users": User,
              "district_memberships": DistrictMembership}
    out = {name: db.session.scalar(select(func.count()).select_from(m)) for name, m in models.items()}
    for slug in ("lake-primary", "lake-kg"):
        tenant = tenant_by_slug(slug)
        if tenant:
            with tenant_context(tenant):
                for model in (TenantModule, Membership, AuditEvent):
                    out[f"{slug}.{model.__tablename__}"] = db.session.scalar(
                        select(func.count()).select_from(model))
    return out


def test_apply_creates_everything(app):
    report = apply_manifest(GOOD)
    assert report.changed
    kg = tenant_by_slug("lake-kg")
    assert kg.type == "kindergarten" and kg.timezone == "Asia/Shanghai"
    with tenant_context(kg):
        rows = {r.module: r for r in db.session.scalars(select(TenantModule))}
        assert set(rows) == {"notes", "playground"}
        assert rows["notes"].settings == {"max_body_length": 300, "greeting": "welcome"}
    with tenant_context(tenant_by_slug("lake-primary")):
        # tags needs notes: enabling it pulled notes in.
        assert set(db.session.scalars(select(TenantModule.module))) == {"notes", "tags"}
        head = db.session.scalar(select(User).where(User.email == "head@lake.test"))
        assert db.session.scalars(select(Membership.role).where(Membership.user_id == head.id)
                                  ).all() == ["school_admin"]
    assert tenant_by_slug("lake-primary").district_id == kg.district_id


def test_apply_twice_changes_nothing(app):
    text = GOOD
    apply_manifest(text)
    before = counts()
    report = apply_manifest(text)
    assert not report.changed, report.changes
    assert report.lines() == ["nothing to change"]
    assert counts() == before


def test_changed_manifest_updates_in_place(app):
    text = GOOD
    apply_manifest(text)
    report = apply_manifest(text.replace('name = "湖滨幼儿园"', 'name = "湖滨第一幼儿园"')
                            .replace("max_body_length = 300", "max_body_length = 400"))
    assert set(report.changes) == {"school lake-kg: updated name",
                                   "school lake-kg: settings of notes changed"}
    assert tenant_by_slug("lake-kg").name == "湖滨第一幼儿园"


def refused(text: str) -> str:
    with pytest.raises(ManifestError) as caught:
        apply_manifest(text)
    return str(caught.value)


def nothing_written() -> bool:
    return db.session.scalar(select(func.count()).select_from(District)) == 0 and \
        db.session.scalar(select(func.count()).select_from(User)) == 0


@pytest.mark.parametrize(("change", "where"), [
    (('type = "kindergarten"', 'type = "nursery"'), ":26: schools[1].type: Must be one of"),
    (('slug = "lake-kg"', 'slug = "Lake KG"'), ":24: schools[1].slug: use lowercase"),
    (('max_body_length = 300', 'max_body_length = 300\ncolour = "red"'),
     ":31: schools[1].settings.notes.colour: the settings of Notes are not valid: colour: "
     "Unknown field"),
    (('modules = ["notes", "playground"]', 'modules = ["notes", "canteen"]'),
     ":27: schools[1].modules[1]: no module named canteen is installed"),
    (('modules = ["tags"]', 'modules = ["playground"]'),
     ":15: schools[0].modules[0]: Playground is not offered to this kind of school"),
    (('password = "head-password-1"', 'password = "short"'),
     ":21: schools[0].admins[0].password: Length must be between 10 and 200"),
    (('name = "Head"', 'name = "Head"\nphone = "1"'), ":21: schools[0].admins[0].phone: Unknown"),
    (('domains = ["lake.example.cn"]', 'domains = ["lake.example.cn"]\n\n'
      '[schools.settings.playground]\nsize = 1'),
     ":18: schools[0].settings: settings for playground, which is not in modules"),
])
def test_bad_manifest_is_refused_whole_with_line_and_key(app, change, where):
    text = GOOD.replace(*change)
    message = refused(text)
    assert where in message, message
    assert nothing_written()


def test_toml_syntax_error_names_the_line(app):
    message = refused(GOOD.replace('name = "湖滨小学"', 'name = "湖滨小学'))
    assert "not valid TOML" in message and "line 13" in message
    assert nothing_written()


def test_a_domain_held_by_another_school_is_refused(app, make_school):
    make_school("other", domains=("lake.example.cn",))
    db.session.commit()
    message = refused(GOOD)
    assert ":16: schools[0].domains: lake.example.cn already belongs to other" in message
    assert db.session.scalar(select(func.count()).select_from(User)) == 0


def test_a_district_can_start_without_schools(app):
    report = apply_manifest('[district]\nslug = "empty"\nname = "新区教育局"\n')
    assert report.changed
    district = db.session.scalar(select(District).where(District.slug == "empty"))
    assert district.name == "新区教育局"
    assert db.session.scalar(select(func.count()).select_from(Tenant)) == 0


def test_dry_run_reports_and_writes_nothing(app):
    report = apply_manifest(GOOD, dry_run=True)
    assert report.changed and report.lines()[0].startswith("dry run")
    assert nothing_written()


@pytest.mark.parametrize("name", ["demo-district.toml", "kindergarten.toml"])
@pytest.mark.houqin_plugins("notes", "tags", "playground", "canteen", "fees", "energy",
                             "safety")
def test_shipped_manifests_apply_and_are_idempotent(app, name):
    text = (ROOT / "tenants" / "manifests" / name).read_text(encoding="utf-8")
    first = apply_manifest(text, source=name)
    assert first.changed
    assert not apply_manifest(text, source=name).changed
    if name == "kindergarten.toml":
        assert [email for email, _ in first.passwords] == ["director@sunshine.houqin.test"]
    else:
        types = {t.slug: (t.type, t.has_boarders) for t in db.session.scalars(select(Tenant))}
        assert types == {"dongfeng-primary": ("primary", False),
                         "hongxing-junior": ("junior_high", True),
                         "xiaoxiang-kindergarten": ("kindergarten", False)}


def test_locate_walks_arrays_of_tables():
    text = GOOD
    assert locate(text, ("district", "slug")) == 3
    assert locate(text, ("district", "admins", 0, "email")) == 7
    assert locate(text, ("schools", 1, "settings", "notes", "max_body_length")) == 30
    assert locate(text, ("schools", 0, "admins", 0)) == 18
    assert locate(text, ("schools", 1, "type")) == 26
