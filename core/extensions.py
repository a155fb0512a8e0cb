"""The Flask extensions the kernel shares; created here, bound in the app factory. (Babel is
created per app, in the factory: its catalogue cache belongs to the app's plugins.)"""

from typing import Any

from flask_sqlalchemy import SQLAlchemy
from flask_sqlalchemy.session import Session as FlaskSession

from core.db.base import Base


class Session(FlaskSession):
    """Flask-SQLAlchemy's session, with ``get`` taking a school row by its id alone."""

    def get(self, entity: Any, ident: Any, **kwargs: Any) -> Any:
        # A school table's key is (school, id): the school in context completes an id given
        # alone, so ``db.session.get(Note, note_id)`` finds the school's row (or None)
        # instead of failing on a key of the wrong length.
        if getattr(entity, "__tenant_scoped__", False) and not isinstance(ident, tuple | list | dict):
            from core.tenancy import current_tenant

            tenant = current_tenant()
            if tenant is not None:
                ident = (tenant.id, ident)
        return super().get(entity, ident, **kwargs)


db = SQLAlchemy(model_class=Base, session_options={"class_": Session})
