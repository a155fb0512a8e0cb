"""Duty and night watch (值班): the roster (who is on which post each day, with the school's
shift hours), the night watch's patrol check-ins and the points it missed, the handover to
the next shift, and swaps — asked by one person, accepted by the other, approved by a head;
the roster changes only at the approval."""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterable
from datetime import date, datetime, time, timedelta

from sqlalchemy import and_, delete, exists, or_, select

from core.sdk import (
    N_,
    RuleBroken,
    _,
    acting_name,
    current_principal,
    db,
    first_writer,
    get_or_404,
    notify,
    people,
    school_zone,
    utcnow,
)

from ..models import POSTS, DutyShift, DutySwap, Handover, PatrolCheck, PatrolPoint
from . import settings, today

DUTY = "safety.duty"  # the notice kind of shifts starting, missed rounds and swaps
MANAGE, SERVE = "safety.duty.manage", "safety.duty.serve"
# How long before a shift starts its person is told: the job runs every hour, so between
# half an hour and an hour and a half ahead.
REMIND_AHEAD = timedelta(minutes=90)
NAMES = re.compile(r"[\s,，、;；]+")


# --- hours ---------------------------------------------------------------------------------

def _setting_time(key: str) -> time | None:
    value = settings().get(key) or ""
    return time.fromisoformat(value) if value else None


def hours(post: str, day: date) -> tuple[datetime | None, datetime | None]:
    """The school's hours for ``post`` on ``day`` (a night watch ending at or before it starts
    ends the next morning); (None, None) — a whole-day duty — until the school sets them."""
    prefix = "night" if post == "night" else "day"
    start, end = _setting_time(f"duty_{prefix}_starts"), _setting_time(f"duty_{prefix}_ends")
    if start is None or end is None:
        return None, None
    zone = school_zone()
    starts = datetime.combine(day, start, zone)
    ends = datetime.combine(day + timedelta(days=1 if end <= start else 0), end, zone)
    return starts, ends


def span(shift: DutyShift) -> tuple[datetime, datetime]:
    """When a shift runs: its hours, or the whole of its day on the school's clock."""
    if shift.starts_at is not None and shift.ends_at is not None:
        return shift.starts_at, shift.ends_at
    zone = school_zone()
    return (datetime.combine(shift.day, time(), zone),
            datetime.combine(shift.day + timedelta(days=1), time(), zone))


# --- the roster ----------------------------------------------------------------------------

def get_shift(shift_id: uuid.UUID) -> DutyShift:
    return get_or_404(DutyShift, shift_id, "shift_id")


def shifts_of(ids: Iterable[uuid.UUID]) -> list[DutyShift]:
    """The school's shifts of these ids, in one query."""
    ids = list(ids)
    return list(db.session.scalars(select(DutyShift).where(DutyShift.id.in_(ids)))) if ids else []


def shifts_between(first: date, last: date) -> list[DutyShift]:
    return list(db.session.scalars(select(DutyShift).where(
        DutyShift.day >= first, DutyShift.day <= last).order_by(DutyShift.day, DutyShift.post,
                                                                DutyShift.starts_at)))


def check_staff(ids: Iterable[uuid.UUID], field: str) -> dict[uuid.UUID, str]:
    """Names of these people, refused naming ``field`` unless all are on the staff now."""
    wanted = set(ids)
    found = {s.id: s.name for s in people.staff(wanted, active_only=True)} if wanted else {}
    if set(found) != wanted:
        raise RuleBroken(_("not on the school's staff"), field)
    return found


def add_shift(data: dict) -> DutyShift:
    """Put one person on a post on a day, with the school's hours unless others are given."""
    check_staff([data["staff_id"]], "staff_id")
    starts, ends = data.get("starts_at"), data.get("ends_at")
    if starts is None and ends is None:
        starts, ends = hours(data["post"], data["day"])
    elif starts is None or ends is None:
        raise RuleBroken(_("give both the start and the end, or neither for a whole day"),
                         "ends_at" if ends is None else "starts_at")
    if starts is not None and ends <= starts:
        raise RuleBroken(_("the shift ends before it starts"), "ends_at")
    shift = DutyShift(day=data["day"], post=data["post"], staff_id=data["staff_id"],
                      starts_at=starts, ends_at=ends)

    def write():
        db.session.add(shift)
        db.session.flush()
        return shift
    return first_writer(write, field="staff_id",
                        message=_("this person is on this post that day already"))


def _kept(shift_ids: list[uuid.UUID]) -> bool:
    """Whether any of these shifts has something recorded against it (check-ins, a handover,
    a swap): those are history and stay on the roster."""
    if not shift_ids:
        return False
    return bool(db.session.scalar(select(or_(
        exists().where(PatrolCheck.shift_id.in_(shift_ids)),
        exists().where(Handover.shift_id.in_(shift_ids)),
        exists().where(or_(DutySwap.shift_id.in_(shift_ids),
                           DutySwap.other_shift_id.in_(shift_ids)))))))


def place(cells: dict[tuple[date, str], list[uuid.UUID]], field: str = "cells") -> int:
    """Make each (day, post) hold exactly these people: the month grid and the range fill.
    A shift with check-ins, a handover or a swap is not taken off (409). Answers how many
    shifts were added."""
    if not cells:
        return 0
    check_staff({i for ids in cells.values() for i in ids}, field)
    days = [d for d, _p in cells]
    existing = [s for s in shifts_between(min(days), max(days)) if (s.day, s.post) in cells]
    going = [s for s in existing if s.staff_id not in cells[(s.day, s.post)]]
    if _kept([s.id for s in going]):
        raise RuleBroken(_("a shift with check-ins, a handover or a swap stays on the roster"),
                         field, status=409)
    if going:
        db.session.execute(delete(DutyShift).where(DutyShift.id.in_([s.id for s in going])))
    there = {(s.day, s.post, s.staff_id) for s in existing}
    added = 0
    for (day, post), ids in sorted(cells.items()):
        starts, ends = hours(post, day)
        for staff_id in dict.fromkeys(ids):
            if (day, post, staff_id) not in there:
                db.session.add(DutyShift(day=day, post=post, staff_id=staff_id,
                                         starts_at=starts, ends_at=ends))
                added += 1
    first_writer(db.session.flush, field=field,
                 message=_("someone changed the roster at the same time; reload it"))
    return added


def names_to_staff(text: str, staff: dict[str, uuid.UUID], field: str) -> list[uuid.UUID]:
    """People typed into a cell of the month grid, by name (separated by spaces, commas or
    、), refused naming the cell when one is not on the staff."""
    found = []
    for name in filter(None, NAMES.split(text.strip())):
        if name not in staff:
            raise RuleBroken(_("%(name)s is not on the school's staff", name=name), field)
        found.append(staff[name])
    return found


def fill(data: dict) -> int:
    """Put these people on these days in turn (the holiday watch, 寒暑假护校): the first on
    the first day, the next on the next, round again."""
    first, last, ids = data["first_day"], data["last_day"], data["staff_ids"]
    if last < first:
        raise RuleBroken(_("the last day lies before the first"), "last_day")
    if (last - first).days > 92:
        raise RuleBroken(_("at most three months at a time"), "last_day")
    if not ids:
        raise RuleBroken(_("whom to put on duty"), "staff_ids")
    days = [first + timedelta(days=n) for n in range((last - first).days + 1)]
    return place({(d, data["post"]): [ids[n % len(ids)]] for n, d in enumerate(days)},
                 "staff_ids")


def on_duty(day: date) -> list[tuple[str, str]]:
    """(post, name) of the people on duty that day, post by post."""
    shifts = shifts_between(day, day)
    names = {s.id: s.name for s in people.staff({s.staff_id for s in shifts})}
    return sorted(((s.post, names.get(s.staff_id, "")) for s in shifts),
                  key=lambda p: (POSTS.index(p[0]), p[1]))


# --- who is acting -------------------------------------------------------------------------

def my_staff_id() -> uuid.UUID | None:
    principal = current_principal()
    return principal and people.staff_of_user(principal.user_id)


def my_shifts(first: date, last: date) -> list[DutyShift]:
    me = my_staff_id()
    if me is None:
        return []
    return [s for s in shifts_between(first, last) if s.staff_id == me]


def _mine(shift: DutyShift, field: str) -> None:
    if my_staff_id() != shift.staff_id:
        raise RuleBroken(_("only the person on this shift may"), field, status=403)


# --- patrol --------------------------------------------------------------------------------

def get_point(point_id: uuid.UUID) -> PatrolPoint:
    return get_or_404(PatrolPoint, point_id, "point_id")


def points(active_only: bool = True) -> list[PatrolPoint]:
    query = select(PatrolPoint).order_by(PatrolPoint.name)
    if active_only:
        query = query.where(PatrolPoint.active.is_(True))
    return list(db.session.scalars(query))


def add_point(data: dict) -> PatrolPoint:
    name = data["name"].strip()
    if not name:
        raise RuleBroken(_("the place's name"), "name")
    point = PatrolPoint(name=name)

    def write():
        db.session.add(point)
        db.session.flush()
        return point
    return first_writer(write, field="name", message=_("a patrol point of this name exists"))


def change_point(point: PatrolPoint, data: dict) -> PatrolPoint:
    point.active = data["active"]
    return point


def check_in(data: dict) -> PatrolCheck:
    """The person signed in was at a patrol point (by its QR code or ticked on the list) at
    ``at`` (now unless given) during one of their shifts; outside every shift of theirs it is
    refused naming ``at``."""
    point = get_point(data["point_id"])
    if not point.active:
        raise RuleBroken(_("this patrol point is no longer checked"), "point_id", status=409)
    at = data.get("at") or utcnow()
    if at > utcnow() + timedelta(minutes=5):
        raise RuleBroken(_("a moment in the future"), "at")
    me = my_staff_id()
    day = at.astimezone(school_zone()).date()
    shift = next((s for s in my_shifts(day - timedelta(days=1), day)
                  if span(s)[0] <= at < span(s)[1]), None) if me else None
    if shift is None:
        raise RuleBroken(_("not during a shift of yours"), "at")
    check = PatrolCheck(shift_id=shift.id, point_id=point.id, at=at,
                        note=data.get("note", "").strip(), by=acting_name())
    db.session.add(check)
    db.session.flush()
    return check


def checks_of(shift: DutyShift) -> dict[uuid.UUID, PatrolCheck]:
    """The first check-in at each point during the shift, by point."""
    found: dict[uuid.UUID, PatrolCheck] = {}
    for c in db.session.scalars(select(PatrolCheck).where(PatrolCheck.shift_id == shift.id)
                                .order_by(PatrolCheck.at)):
        found.setdefault(c.point_id, c)
    return found


def missed(shift: DutyShift, now: datetime | None = None) -> list[PatrolPoint]:
    """The points a finished night watch did not check; nothing for a day post or a night
    not yet over."""
    if shift.post != "night" or span(shift)[1] > (now or utcnow()):
        return []
    checked = checks_of(shift)
    return [p for p in points() if p.id not in checked]


def unchecked_nights(now: datetime) -> list:
    """Night watches ended in the last day, not yet reported, with each active point nobody
    checked during them: one query for the school, however many nights and points."""
    since = now - timedelta(days=1)
    ended = or_(and_(DutyShift.ends_at.is_not(None), DutyShift.ends_at <= now,
                     DutyShift.ends_at > since),
                # a whole-day night duty: over when its day is
                and_(DutyShift.ends_at.is_(None), DutyShift.day < now.astimezone(
                    school_zone()).date(), DutyShift.day >= since.astimezone(
                    school_zone()).date() - timedelta(days=1)))
    checked = exists().where(PatrolCheck.shift_id == DutyShift.id,
                             PatrolCheck.point_id == PatrolPoint.id)
    return list(db.session.execute(
        select(DutyShift, PatrolPoint).join(PatrolPoint, PatrolPoint.active.is_(True))
        .where(DutyShift.post == "night", DutyShift.missed_told_at.is_(None), ended, ~checked)
        .order_by(DutyShift.day, PatrolPoint.name)).all())


def tell_missed(now: datetime | None = None) -> int:
    """Tell the heads each morning of the patrol points last night's watch did not check;
    each night is told once (run twice, the second finds nothing new)."""
    now = now or utcnow()
    found = unchecked_nights(now)
    if not found:
        return 0
    names = {s.id: s.name for s in people.staff({s.staff_id for s, _p in found})}
    lines = "；".join(f"{s.day:%m-%d} {names.get(s.staff_id, '')}: {p.name}" for s, p in found)
    notify(f"safety:patrol-missed:{now.astimezone(school_zone()).date()}", MANAGE,
           N_("Patrol points not checked on the night watch: %(points)s"),
           {"points": lines[:400]}, source="safety", endpoint="safety_pages.duty", kind=DUTY)
    for shift in {s.id: s for s, _p in found}.values():
        shift.missed_told_at = now
    return len(found)


# --- reminders -----------------------------------------------------------------------------

def remind_starting(now: datetime | None = None) -> int:
    """Tell each person whose shift starts within the next hour and a half (a whole-day duty: on
    its day) that it starts, once a shift."""
    now = now or utcnow()
    local_day = now.astimezone(school_zone()).date()
    due = list(db.session.scalars(select(DutyShift).where(
        DutyShift.reminded_at.is_(None),
        or_(and_(DutyShift.starts_at > now, DutyShift.starts_at <= now + REMIND_AHEAD),
            and_(DutyShift.starts_at.is_(None), DutyShift.day == local_day)))))
    for shift in due:
        user = people.user_of_staff(shift.staff_id)
        if user:
            start = span(shift)[0].astimezone(school_zone())
            notify(f"safety:duty-starts:{shift.id}", SERVE,
                   N_("Your duty starts at %(start)s"), {"start": f"{start:%m-%d %H:%M}"},
                   source="safety", endpoint="safety_pages.duty_shift",
                   endpoint_args={"shift_id": str(shift.id)}, user_id=user, kind=DUTY)
        shift.reminded_at = now
    return len(due)


# --- handover ------------------------------------------------------------------------------

def handover_of(shift: DutyShift) -> Handover | None:
    return db.session.scalar(select(Handover).where(Handover.shift_id == shift.id))


def get_handover(handover_id: uuid.UUID) -> Handover:
    return get_or_404(Handover, handover_id, "handover_id")


def next_shifts(shift: DutyShift) -> list[DutyShift]:
    """The next shift of the same post: its people on the next day that has any."""
    following = db.session.scalar(select(DutyShift.day).where(
        DutyShift.post == shift.post, DutyShift.day > shift.day).order_by(DutyShift.day).limit(1))
    if following is None:
        return []
    return list(db.session.scalars(select(DutyShift).where(DutyShift.post == shift.post,
                                                           DutyShift.day == following)))


def hand_over(shift: DutyShift, data: dict) -> Handover:
    """The person on the shift writes what happened and what the next shift should watch;
    once a shift."""
    _mine(shift, "shift_id")
    happened = data["happened"].strip()
    if not happened:
        raise RuleBroken(_("what happened on the shift"), "happened")
    handover = Handover(shift_id=shift.id, happened=happened,
                        watch=data.get("watch", "").strip(), written_by=acting_name())

    def write():
        db.session.add(handover)
        db.session.flush()
        return handover
    written = first_writer(write, field="shift_id",
                           message=_("this shift's handover was written already"))
    for following in next_shifts(shift):
        user = people.user_of_staff(following.staff_id)
        if user:
            notify(f"safety:handover:{handover.id}", SERVE,
                   N_("A handover waits for you: %(watch)s"),
                   {"watch": (handover.watch or handover.happened)[:80]}, source="safety",
                   endpoint="safety_pages.duty_shift", endpoint_args={"shift_id": str(shift.id)},
                   user_id=user, kind=DUTY)
    return written


def acknowledge(handover: Handover) -> Handover:
    """A person on the next shift has read the handover; once."""
    if handover.acknowledged_at is not None:
        raise RuleBroken(_("this handover was acknowledged already"), "handover_id",
                         status=409)
    me = my_staff_id()
    if me is None or me not in {s.staff_id for s in next_shifts(get_shift(handover.shift_id))}:
        raise RuleBroken(_("only a person on the next shift may acknowledge it"),
                         "handover_id", status=403)
    handover.acknowledged_at, handover.acknowledged_by = utcnow(), acting_name()
    return handover


def unacknowledged() -> list[Handover]:
    return list(db.session.scalars(select(Handover).where(Handover.acknowledged_at.is_(None))
                                   .order_by(Handover.written_at)))


# --- swaps ---------------------------------------------------------------------------------

def get_swap(swap_id: uuid.UUID) -> DutySwap:
    return get_or_404(DutySwap, swap_id, "swap_id")


def swaps(open_only: bool = True) -> list[DutySwap]:
    query = select(DutySwap).order_by(DutySwap.asked_at.desc())
    if open_only:
        query = query.where(DutySwap.status.in_(("asked", "accepted")))
    return list(db.session.scalars(query))


def ask_swap(data: dict) -> DutySwap:
    """The person on ``shift_id`` asks the person on ``other_shift_id`` to swap."""
    shift = get_shift(data["shift_id"])
    other = get_or_404(DutyShift, data["other_shift_id"], "other_shift_id")
    _mine(shift, "shift_id")
    if other.staff_id == shift.staff_id:
        raise RuleBroken(_("a shift of someone else"), "other_shift_id")
    for field, s in (("shift_id", shift), ("other_shift_id", other)):
        if s.day < today():
            raise RuleBroken(_("a shift already past"), field)
    swap = DutySwap(shift_id=shift.id, other_shift_id=other.id,
                    reason=data.get("reason", "").strip(), asked_by=acting_name())
    db.session.add(swap)
    db.session.flush()
    user = people.user_of_staff(other.staff_id)
    if user:
        notify(f"safety:swap:{swap.id}", SERVE,
               N_("%(name)s asks to swap duty with you on %(day)s"),
               {"name": swap.asked_by, "day": other.day.isoformat()}, source="safety",
               endpoint="safety_pages.duty", user_id=user, kind=DUTY)
    return swap


def answer_swap(swap: DutySwap, accepted: bool) -> DutySwap:
    """The other person accepts (on to a head) or declines."""
    if swap.status != "asked":
        raise RuleBroken(_("this swap was answered already"), "swap_id", status=409)
    _mine(get_shift(swap.other_shift_id), "swap_id")
    swap.status, swap.answered_by = ("accepted" if accepted else "declined"), acting_name()
    if accepted:
        notify(f"safety:swap:{swap.id}", MANAGE, N_("A duty swap waits for approval"), {},
               source="safety", endpoint="safety_pages.duty", kind=DUTY)
    return swap


def decide_swap(swap: DutySwap, approved: bool) -> DutySwap:
    """A head approves (the two shifts change hands now) or refuses an accepted swap."""
    if swap.status != "accepted":
        raise RuleBroken(_("only a swap the other person accepted can be decided"),
                         "swap_id", status=409)
    swap.status, swap.decided_by = ("approved" if approved else "refused"), acting_name()
    if approved:
        one, other = get_shift(swap.shift_id), get_shift(swap.other_shift_id)
        one.staff_id, other.staff_id = other.staff_id, one.staff_id
        one.reminded_at = other.reminded_at = None
        first_writer(db.session.flush, field="swap_id",
                     message=_("one of the two is on that post that day already"))
    return swap
