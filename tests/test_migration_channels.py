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
