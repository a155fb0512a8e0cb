"""An uploaded spreadsheet, kept from the preview until the real import has read it."""

from __future__ import annotations

from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import Integer, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from core.db import TenantScoped, UtcDateTime, tenant_index, utcnow
from core.extensions import db

KIND_TITLES = {"students": _l("Students"), "guardians": _l("Guardians"), "staff": _l("Staff"),
               "rooms": _l("Rooms")}
STATUS_TITLES = {"uploaded": _l("uploaded"), "previewed": _l("previewed"),
                 "imported": _l("imported"), "refused": _l("refused")}

class ImportFile(TenantScoped, db.Model):
    __tablename__ = "import_files"
    __table_args__ = (tenant_index("ix_import_files_created", "created_at"),)
    # The upload itself is audited explicitly (name, size, kind), not as a blob of bytes.
    __audited__ = False

    kind: Mapped[str] = mapped_column(String(20))
    filename: Mapped[str] = mapped_column(String(200))
    size: Mapped[int] = mapped_column(Integer)
    content: Mapped[bytes] = mapped_column(LargeBinary)
    status: Mapped[str] = mapped_column(String(12), default="uploaded")  # previewed, imported
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
