"""The baseline for ``bench/request_overhead.py``: bare Flask + Flask-SQLAlchemy.

It returns the same 50 notes as ``GET /api/v1/notes?page_size=50`` (same columns, same
order, same JSON) from the same PostgreSQL database, with none of Houqin's machinery: no
school resolution, no authentication, no module check, no ORM guard, no row-level security
(it connects as the owner), no marshmallow schema and no pagination count.

Served by gunicorn as ``baseline_app:app`` with ``--pythonpath bench``. Environment:

* ``BASELINE_DATABASE_URL``: an SQLAlchemy URL (the benchmark passes the owner's).
* ``BASELINE_TENANT_ID``: the school whose notes are listed.
"""

from __future__ import annotations

import os
import uuid
from datetime import UTC, datetime

from flask import Flask, jsonify, request
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy import BigInteger, DateTime, String, Text, Uuid, select
from sqlalchemy.orm import Mapped, mapped_column

db = SQLAlchemy()


class Note(db.Model):
    __tablename__ = "notes"

    tenant_id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


def create_app() -> Flask:
    app = Flask("houqin_baseline")
    app.config["SQLALCHEMY_DATABASE_URI"] = os.environ["BASELINE_DATABASE_URL"]
    db.init_app(app)
    tenant_id = int(os.environ["BASELINE_TENANT_ID"])

    @app.get("/notes")
    def list_notes():
        size = min(int(request.args.get("page_size", 50)), 100)
        notes = db.session.scalars(
            select(Note)
            .where(Note.tenant_id == tenant_id)
            .order_by(Note.created_at, Note.id)
            .limit(size)
        )
        return jsonify([
            {
                "id": str(note.id),
                "title": note.title,
                "body": note.body,
                "created_at": note.created_at.astimezone(UTC).isoformat(),
            }
            for note in notes
        ])

    return app


app = create_app()
