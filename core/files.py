"""Files people upload (certificate scans, dish photos), kept in the database with the school's
other records so that one backup holds everything.

A file's kind is read from its first bytes, never from its name or the browser's word, and
only images and PDFs are taken: a school's scans are nothing else. Serving a file is the
caller's route, which declares the permission of the record the file belongs to.
"""

from __future__ import annotations

import hashlib
import io
import uuid
from datetime import datetime
from pathlib import PurePath

from flask import Response, current_app, send_file
from flask_babel import gettext as _
from sqlalchemy import Integer, LargeBinary, String, select
from sqlalchemy.orm import Mapped, mapped_column

from core import audit
from core.db import TenantScoped, UtcDateTime, utcnow
from core.extensions import db
from core.rules import RuleBroken
from core.tenancy import require_tenant
from core.text import unholdable

# The signatures that start each accepted kind of file.
_SIGNATURES = (
    (b"\x89PNG\r\n\x1a\n", "image/png", "image"),
    (b"\xff\xd8\xff", "image/jpeg", "image"),
    (b"%PDF-", "application/pdf", "pdf"),
)


class StoredFile(TenantScoped, db.Model):
    __tablename__ = "stored_files"
    # The upload is audited explicitly (name, type, size, digest), not as a blob of bytes.
    __audited__ = False

    purpose: Mapped[str] = mapped_column(String(40))
    filename: Mapped[str] = mapped_column(String(200))
    content_type: Mapped[str] = mapped_column(String(40))
    size: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    content: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)


def _sniff(content: bytes) -> tuple[str, str] | None:
    if content[:4] == b"RIFF" and content[8:12] == b"WEBP":
        return "image/webp", "image"
    for signature, content_type, kind in _SIGNATURES:
        if content.startswith(signature):
            return content_type, kind
    return None


def upload_name(filename: str | None, field: str = "file") -> str:
    """The name an upload is kept under: its last path part, at most 200 characters, or
    refused naming ``field`` when it holds what no stored text can (a NUL, a control
    character), since the name is written to the database, the audit trail and exports."""
    name = PurePath((filename or "").replace("\\", "/")).name[:200] or "upload"
    if why := unholdable(name):
        raise RuleBroken(_("the file's name: %(why)s", why=why), field)
    return name


def store_upload(filename: str, content: bytes, purpose: str, field: str = "file",
                 kinds: tuple[str, ...] = ("image", "pdf"),
                 max_bytes: int | None = None) -> StoredFile:
    """Keep an uploaded file for the school in context, or refuse it naming ``field``.

    ``kinds`` are ``image`` (PNG, JPEG, WebP) and ``pdf``; ``max_bytes`` defaults to the
    ``UPLOAD_MAX_BYTES`` setting.
    """
    require_tenant()
    limit = max_bytes or current_app.config["UPLOAD_MAX_BYTES"]
    if not content:
        raise RuleBroken(_("the file is empty"), field)
    if len(content) > limit:
        raise RuleBroken(_("the file is larger than %(mb)s MB", mb=round(limit / 1_000_000, 1)),
                         field, status=413)
    sniffed = _sniff(content)
    if sniffed is None or sniffed[1] not in kinds:
        accepted = {"image": _("an image (PNG, JPEG or WebP)"), "pdf": _("a PDF")}
        raise RuleBroken(_("upload %(kinds)s", kinds=_(" or ").join(accepted[k] for k in kinds)),
                         field, status=415)
    name = upload_name(filename, field)
    stored = StoredFile(purpose=purpose, filename=name, content_type=sniffed[0],
                        size=len(content), sha256=hashlib.sha256(content).hexdigest(),
                        content=content)
    db.session.add(stored)
    db.session.flush()
    audit.record("upload", "stored_file", str(stored.id),
                 after={"purpose": purpose, "filename": name, "content_type": sniffed[0],
                        "size": len(content), "sha256": stored.sha256})
    return stored


def stored_file(file_id: uuid.UUID, field: str = "file_id") -> StoredFile:
    found = db.session.scalar(select(StoredFile).where(StoredFile.id == file_id))
    if found is None:
        raise RuleBroken(_("no such file in this school"), field, status=404)
    return found


def send_stored(file_id: uuid.UUID) -> Response:
    """The file as a response, shown in the browser (images and PDFs are all we keep)."""
    found = stored_file(file_id)
    response = send_file(io.BytesIO(found.content), mimetype=found.content_type,
                         download_name=found.filename, as_attachment=False,
                         etag=found.sha256, max_age=0)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "private, no-cache"
    return response
