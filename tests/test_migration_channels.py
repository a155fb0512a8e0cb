"""The notification channels migration goes down and up again on SQLite and PostgreSQL."""

from sqlalchemy import inspect, select

from core.extensions import db
from core.notifications import delivery
from core.notifications.models import NotificationChannel
from core.tenancy import tenant_context

BEFORE = "e5b8c1d4f2a6"


def test_the_channels_table_goes_down_and_comes_back(app_factory, make_school):
    from alembic import command

    from core.migrate import alembic_config, owner_engine, upgrade

    app = app_factory()  # every installed plugin, as the test database was migrated
    with app.app_context():
        school = make_school("downgraded")
        with tenant_context(school):
            delivery.create({"kind": "email", "title": "Office",
                             "settings": {"to": ["office@school.test"]}})
            db.session.commit()
        db.session.remove()
        engine = owner_engine(app)
        with engine.begin() as connection:
            command.downgrade(alembic_config(app, connection), BEFORE)
            assert "notification_channels" not in inspect(connection).get_table_names()
        upgrade(app)  # as `houqin db upgrade` runs it: grants and row-level security
        with engine.begin() as connection:
            assert "notification_channels" in inspect(connection).get_table_names()
        engine.dispose()
        with tenant_context(school):
            assert db.session.scalars(select(NotificationChannel)).all() == []
            delivery.create({"kind": "email", "title": "Again",
                             "settings": {"to": ["office@school.test"]}})
            db.session.commit()
            assert [c.title for c in delivery.channels()] == ["Again"]


SEALED_FROM = "f3c9a7e1d5b2"  # channels with their secrets in the plain settings


def test_secrets_kept_plain_before_are_sealed_by_the_upgrade(app_factory, make_school):
    import json

    from alembic import command
    from sqlalchemy import text

    from core.migrate import alembic_config, owner_engine, upgrade
    from core.notifications import sealing

    webhook = "https://oapi.dingtalk.com/robot/send?access_token=plainplainplain"
    app = app_factory()
    with app.app_context():
        school = make_school("sealed")
        with tenant_context(school):
            made = delivery.create({"kind": "dingtalk", "title": "行政群", "settings": {
                "webhook": webhook, "secret": "SECplain0123", "keyword": "后勤"}})
            made_id = made.id
            db.session.commit()
        db.session.remove()
        engine = owner_engine(app)
        with engine.begin() as connection:
            command.downgrade(alembic_config(app, connection), SEALED_FROM)
            columns = {c["name"] for c in inspect(connection).get_columns(
                "notification_channels")}
            assert {"secrets", "version"}.isdisjoint(columns)
        with tenant_context(school):  # as the older code kept them
            db.session.execute(text("UPDATE notification_channels SET settings = :s"), {
                "s": json.dumps({"webhook": webhook, "secret": "SECplain0123",
                                 "keyword": "后勤", "format": "markdown"})})
            db.session.commit()
        db.session.remove()
        upgrade(app)
        engine.dispose()
        with tenant_context(school):
            found = db.session.scalar(select(NotificationChannel)
                                      .where(NotificationChannel.id == made_id))
            assert found.settings == {"keyword": "后勤", "format": "markdown"}
            assert "plainplain" not in found.secrets
            assert sealing.unseal(found.secrets) == {"webhook": webhook,
                                                     "secret": "SECplain0123"}
            assert found.version == 1
            assert delivery.secret_states(found) == {"webhook": "set", "secret": "set"}
