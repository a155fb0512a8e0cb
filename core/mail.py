"""Outgoing mail: every message is kept in an outbox; with SMTP configured it is also sent.

Without SMTP (the embedded default) an administrator reads the outbox (``houqin mail
outbox``), so password resets work on a server with no mail relay.
"""

from __future__ import annotations

import logging
import smtplib
from datetime import datetime
from email.message import EmailMessage

from flask import current_app
from sqlalchemy import String, Text, select
from sqlalchemy.orm import Mapped, mapped_column

from core.db import BigId, UtcDateTime, utcnow
from core.extensions import db

log = logging.getLogger("houqin.mail")


class OutboxMail(db.Model):
    __tablename__ = "outbox_mail"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    to: Mapped[str] = mapped_column(String(254), index=True)
    subject: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    error: Mapped[str | None] = mapped_column(String(300))


def send(to: str, subject: str, body: str) -> OutboxMail:
    """Keep the message, then send it when SMTP is configured; the caller commits."""
    mail = OutboxMail(to=to, subject=subject, body=body)
    db.session.add(mail)
    host = current_app.config.get("SMTP_HOST")
    if host:
        message = EmailMessage()
        message["From"] = current_app.config["MAIL_FROM"]
        message["To"], message["Subject"] = to, subject
        message.set_content(body)
        try:
            with smtplib.SMTP(host, current_app.config["SMTP_PORT"], timeout=10) as smtp:
                if current_app.config.get("SMTP_STARTTLS"):
                    smtp.starttls()
                if current_app.config.get("SMTP_USER"):
                    smtp.login(current_app.config["SMTP_USER"], current_app.config["SMTP_PASSWORD"])
                smtp.send_message(message)
            mail.sent_at = utcnow()
        except (OSError, smtplib.SMTPException) as exc:
            mail.error = f"{type(exc).__name__}: {exc}"[:300]
            log.warning("mail to %s not sent: %s", to, exc)
    return mail


def outbox(limit: int = 50) -> list[OutboxMail]:
    return list(db.session.scalars(select(OutboxMail).order_by(OutboxMail.id.desc()).limit(limit)))
