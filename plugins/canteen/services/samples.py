"""Retained samples (留样): taken for every dish served, kept for the hours in force, then
disposed of."""

from __future__ import annotations

import uuid
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import select

from core.sdk import RuleBroken, _, db, require_tenant
from core.sdk import lazy_gettext as _l

from .. import exports
from ..models import SLOT_TITLES, Dish, MenuItem, Sample
from ..regulations import rules
from . import check_slot, school_zone
from .menus import menu


def take_sample(data: dict[str, Any]) -> Sample:
    """Record a sample of a dish served at a meal; its disposal is due after the keeping time.

    Refused: a dish not on that meal's menu, a weight below the minimum in force, a time in
    the future or on another day than the meal's.
    """
    require_tenant()
    check_slot(data["slot"])
    on_menu = db.session.scalar(select(MenuItem.id).where(
        MenuItem.day == data["day"], MenuItem.slot == data["slot"],
        MenuItem.dish_id == data["dish_id"]))
    if on_menu is None:
        raise RuleBroken(_("this dish is not on that meal's menu"), "dish_id")
    in_force = rules()
    minimum = in_force["sample_min_grams"].value
    if data["grams"] < minimum:
        raise RuleBroken(_("a sample weighs at least %(grams)s g", grams=minimum), "grams")
    taken_at: datetime = data["taken_at"]
    if taken_at.astimezone(school_zone()).date() != data["day"]:
        raise RuleBroken(_("a sample is taken on the day of its meal"), "taken_at")
    if taken_at > datetime.now(taken_at.tzinfo) + timedelta(minutes=5):
        raise RuleBroken(_("is later than now"), "taken_at")
    keep = timedelta(hours=in_force["sample_keep_hours"].value)
    sample = Sample(**data, dispose_due_at=taken_at + keep)
    db.session.add(sample)
    db.session.flush()
    return sample


def dispose_sample(sample_id: uuid.UUID, disposed_by: str, now: datetime) -> Sample:
    sample = db.session.scalar(select(Sample).where(Sample.id == sample_id))
    if sample is None:
        raise RuleBroken(_("no such sample in this school"), "sample_id", status=404)
    if sample.disposed_at is not None:
        raise RuleBroken(_("this sample was disposed of already"), "sample_id", status=409)
    if now < sample.dispose_due_at:
        raise RuleBroken(_("a sample is kept until %(due)s", due=sample.dispose_due_at
                           .astimezone(school_zone()).strftime("%Y-%m-%d %H:%M")), "sample_id",
                         status=409)
    sample.disposed_at, sample.disposed_by = now, disposed_by
    db.session.flush()
    return sample


def sample_day(day: date, now: datetime,
               served: list[tuple[MenuItem, Dish]] | None = None) -> dict[str, Any]:
    """The day's sample register: what was served and sampled, which served dishes still lack
    a sample, and which samples (of any day) are overdue for disposal. ``served``: the day's
    menu (``menu(day, day)``), when the caller has read it already."""
    require_tenant()
    served = menu(day, day) if served is None else served
    samples = db.session.scalars(select(Sample).where(Sample.day == day)
                                 .order_by(Sample.taken_at)).all()
    sampled = {(s.slot, s.dish_id) for s in samples}
    missing = [(item, dish) for item, dish in served if (item.slot, item.dish_id) not in sampled]
    overdue_named = db.session.execute(
        select(Sample, Dish.name).join(Dish, Dish.id == Sample.dish_id)
        .where(Sample.disposed_at.is_(None), Sample.dispose_due_at <= now)
        .order_by(Sample.dispose_due_at)).all()
    overdue = [sample for sample, _name in overdue_named]
    names = {dish.id: dish.name for _item, dish in served}
    names |= {sample.dish_id: name for sample, name in overdue_named}
    return {"day": day, "served": served, "samples": samples, "missing": missing,
            "overdue": overdue, "dish_names": names}


def _samples_between(start: date, end: date):
    return db.session.execute(
        select(Sample, Dish.name).join(Dish, Dish.id == Sample.dish_id)
        .where(Sample.day >= start, Sample.day <= end).order_by(Sample.taken_at)).all()


exports.register(exports.Register(
    "samples", _l("Retained samples"),
    (exports.Column(_l("Day"), lambda r: r[0].day),
     exports.Column(_l("Meal"), lambda r: SLOT_TITLES[r[0].slot]),
     exports.Column(_l("Dish"), lambda r: r[1]),
     exports.Column(_l("Grams"), lambda r: r[0].grams),
     exports.Column(_l("Taken at"), lambda r: r[0].taken_at),
     exports.Column(_l("Taken by"), lambda r: r[0].taken_by),
     exports.Column(_l("Cabinet"), lambda r: r[0].cabinet),
     exports.Column(_l("Dispose after"), lambda r: r[0].dispose_due_at),
     exports.Column(_l("Disposed at"), lambda r: r[0].disposed_at),
     exports.Column(_l("Disposed by"), lambda r: r[0].disposed_by)),
    _samples_between))
