"""Checklists and rounds (安全检查): the school's checklists (from the shipped defaults, then its
own), the schedules that plan rounds, and a round walked on a phone — each item passed,
failed or not applicable, a failure with a note and a photo that becomes a hazard at once,
saved half done and finished later, signed once finished and afterwards only amended, with
a reason."""

from __future__ import annotations

import calendar as months
import tomllib
import uuid
from dataclasses import dataclass
from datetime import date, timedelta
from functools import cache
from pathlib import Path

from sqlalchemy import and_, func, insert, select
from sqlalchemy.orm.attributes import flag_modified

from core.sdk import (
    RuleBroken,
    _,
    acting_name,
    current_principal,
    current_tenant,
    db,
    first_writer,
    get_locale,
    get_or_404,
    people,
    school_days,
    store_upload,
    terms,
    utcnow,
    uuid7,
)

from ..models import (
    KINDS,
    RESULTS,
    Checklist,
    ChecklistItem,
    RoundAmendment,
    RoundAnswer,
    RoundSchedule,
    SafetyRound,
)
from . import PHOTO_BYTES, check_building, today
from . import hazards as hazard_loop

ITEM_FIELDS = ("text_zh", "text_en", "pass_zh", "pass_en", "source", "certainty")


@cache
def defaults() -> dict[str, dict]:
    """The shipped checklists (checklists.toml) by kind: title, title_kg, items."""
    found = tomllib.loads(Path(__file__).parent.parent.joinpath("checklists.toml").read_text(
        encoding="utf-8"))
    assert set(found) == set(KINDS), "checklists.toml has one table a kind"
    return {kind: found[kind] for kind in KINDS}


def in_reader_language(zh: str, en: str) -> str:
    """A school's own words in the reader's language: its English when it wrote one."""
    locale = get_locale()
    return en if en and locale is not None and locale.language == "en" else zh


# --- checklists ----------------------------------------------------------------------------

def checklists(kind: str | None = None) -> list[Checklist]:
    query = select(Checklist).where(Checklist.retired_at.is_(None))
    if kind:
        query = query.where(Checklist.kind == kind)
    return list(db.session.scalars(query.order_by(Checklist.kind, Checklist.title)))


def get_checklist(checklist_id: uuid.UUID) -> Checklist:
    return get_or_404(Checklist, checklist_id, "checklist_id")


def items(checklist_id: uuid.UUID) -> list[ChecklistItem]:
    return items_of([checklist_id])[checklist_id]


def items_of(checklist_ids) -> dict[uuid.UUID, list[ChecklistItem]]:
    """The items of these checklists, in one query however many checklists there are."""
    found: dict[uuid.UUID, list[ChecklistItem]] = {c: [] for c in checklist_ids}
    if found:
        for item in db.session.scalars(select(ChecklistItem).where(
                ChecklistItem.checklist_id.in_(list(found))).order_by(ChecklistItem.position)):
            found[item.checklist_id].append(item)
    return found


def install_defaults() -> list[Checklist]:
    """Add the shipped checklist of each kind the school has none of (a kindergarten's in its
    own words); a kind the school keeps already is left as it is."""
    kept = set(db.session.scalars(select(Checklist.kind).where(Checklist.retired_at.is_(None))))
    kindergarten = current_tenant().type == "kindergarten"
    made = []
    for kind, shipped in defaults().items():
        if kind in kept:
            continue
        title = shipped.get("title_kg", shipped["title"]) if kindergarten else shipped["title"]
        made.append(create({"kind": kind, "title": title, "items": [
            {"text_zh": item.get("zh_kg", item["zh"]) if kindergarten else item["zh"],
             "text_en": item.get("en_kg", item["en"]) if kindergarten else item["en"],
             "pass_zh": item["pass_zh"], "pass_en": item["pass_en"],
             "source": item.get("source", ""), "certainty": item.get("certainty", "")}
            for item in shipped["items"]]}))
    return made


# How long each text of a checklist may be (its columns).
TITLE_LENGTH, NOTE_LENGTH = 80, 500
ITEM_LENGTHS = {"text_zh": 200, "text_en": 200, "pass_zh": 200, "pass_en": 200, "source": 200,
                "certainty": 10}


def fits(text: str | None, length: int, field: str) -> None:
    """Refuse a text longer than its column, naming ``field``."""
    if len(text or "") > length:
        raise RuleBroken(_("at most %(n)s characters", n=length), field)


def check_item(item: dict, field_of=lambda name: "items") -> None:
    """One checklist item's texts, each within its column (``field_of`` names where a
    refusal shows: the API's ``items``, an import's column)."""
    for name, length in ITEM_LENGTHS.items():
        fits((item.get(name) or "").strip(), length, field_of(name))


def _items_of(data: dict) -> list[dict]:
    given = data.get("items") or []
    if not given:
        raise RuleBroken(_("a checklist has at least one item"), "items")
    for item in given:
        if not item.get("text_zh", "").strip():
            raise RuleBroken(_("every item says what to check"), "items")
        check_item(item)
    return given


def create(data: dict) -> Checklist:
    title = data["title"].strip()
    if not title:
        raise RuleBroken(_("a title"), "title")
    fits(title, TITLE_LENGTH, "title")
    given = _items_of(data)
    checklist = Checklist(kind=data["kind"], title=title)
    db.session.add(checklist)
    db.session.flush()
    _write_items(checklist, given)
    return checklist


def revise(checklist: Checklist, data: dict, following: bool = False) -> Checklist:
    """The school's own wording of a checklist: its title and its whole list of items (add,
    remove, reword). Rounds already started keep the items they were started with. A copy
    of a district's checklist edited by the school stops following the district's edits
    (``following``: the district's edit itself, taken up)."""
    given = _items_of(data)
    fits((data.get("title") or "").strip(), TITLE_LENGTH, "title")
    if checklist.district_checklist_id is not None and not following \
            and checklist.diverged_at is None:
        checklist.diverged_at = utcnow()
    if data.get("title", "").strip():
        checklist.title = data["title"].strip()
    # The version moves with every rewording, so two people rewording at once end in one
    # list of items and a 409, not both lists stacked.
    flag_modified(checklist, "title")
    for item in items(checklist.id):
        db.session.delete(item)
    db.session.flush()
    _write_items(checklist, given)
    return checklist


def _write_items(checklist: Checklist, given: list[dict]) -> None:
    db.session.add_all(ChecklistItem(checklist_id=checklist.id, position=n,
                                     **{f: (item.get(f) or "").strip() for f in ITEM_FIELDS})
                       for n, item in enumerate(given, start=1))


def retire(checklist: Checklist) -> None:
    checklist.retired_at = utcnow()


# --- schedules -----------------------------------------------------------------------------

def schedules(active: bool = True) -> list[RoundSchedule]:
    query = select(RoundSchedule).order_by(RoundSchedule.start_on, RoundSchedule.id)
    if active:
        query = query.where(RoundSchedule.active.is_(True))
    return list(db.session.scalars(query))


def get_schedule(schedule_id: uuid.UUID) -> RoundSchedule:
    return get_or_404(RoundSchedule, schedule_id, "schedule_id")


def plan(data: dict) -> RoundSchedule:
    """Plan rounds of a checklist at a place for one member of staff."""
    checklist = db.session.get(Checklist, data["checklist_id"])
    if checklist is None or checklist.retired_at is not None:
        raise RuleBroken(_("no such checklist in this school"), "checklist_id")
    check_building(data.get("building_id"))
    if data.get("assignee_id") and not people.staff([data["assignee_id"]], active_only=True):
        raise RuleBroken(_("no such member of staff in this school"), "assignee_id")
    place = data["place"].strip()
    if not place:
        raise RuleBroken(_("where the round is walked"), "place")
    schedule = RoundSchedule(checklist_id=checklist.id, place=place,
                             building_id=data.get("building_id"), frequency=data["frequency"],
                             start_on=data["start_on"], assignee_id=data.get("assignee_id"),
                             created_by=acting_name())
    db.session.add(schedule)
    db.session.flush()
    return schedule


def stop(schedule: RoundSchedule) -> None:
    schedule.active = False


def occurrences(schedule: RoundSchedule, start: date, end: date,
                term_days: list[tuple[date, date]], open_days: list[date]) -> list[date]:
    """The days from ``start`` to ``end`` a schedule has a round due: ``term_days`` (each
    term's first and last day) and ``open_days`` (the school days) read once by the caller."""
    first = max(start, schedule.start_on)
    if first > end:
        return []
    kind = schedule.frequency
    if kind == "once":
        return [schedule.start_on] if start <= schedule.start_on <= end else []
    if kind == "daily":
        return [first + timedelta(days=n) for n in range((end - first).days + 1)]
    if kind == "school_days":
        return [d for d in open_days if d >= first]
    if kind == "weekly":
        offset = (-(first - schedule.start_on).days) % 7
        return [first + timedelta(days=offset + 7 * n)
                for n in range(((end - first).days - offset) // 7 + 1)] \
            if offset <= (end - first).days else []
    if kind == "monthly":
        found, year, month = [], first.year, first.month
        while date(year, month, 1) <= end:
            day = date(year, month, min(schedule.start_on.day, months.monthrange(year, month)[1]))
            if first <= day <= end:
                found.append(day)
            year, month = (year + 1, 1) if month == 12 else (year, month + 1)
        return found
    pick = 0 if kind == "term_start" else 1
    return sorted(span[pick] for span in term_days if first <= span[pick] <= end)


@dataclass(frozen=True)
class Due:
    """A round a schedule has due on ``day``, and the round started for it (if any)."""

    schedule: RoundSchedule
    day: date
    round: SafetyRound | None

    @property
    def done(self) -> bool:
        return self.round is not None and self.round.done_at is not None


def due_between(start: date, end: date) -> list[Due]:
    """Every round the school's schedules have due from ``start`` to ``end``, with the rounds
    started for them: the schedules, the terms, the school days and the rounds read once."""
    found = schedules()
    if not found:
        return []
    spans = [(t.start_date, t.end_date) for t in terms()]
    open_days = school_days(start, end) if any(s.frequency == "school_days" for s in found) \
        else []
    started = {(r.schedule_id, r.due_on): r for r in db.session.scalars(select(SafetyRound).where(
        SafetyRound.schedule_id.in_([s.id for s in found]), SafetyRound.due_on >= start,
        SafetyRound.due_on <= end))}
    return sorted((Due(s, day, started.get((s.id, day))) for s in found
                   for day in occurrences(s, start, end, spans, open_days)),
                  key=lambda d: (d.day, d.schedule.place))


def titles_of(checklist_ids) -> dict[uuid.UUID, str]:
    return dict(db.session.execute(select(Checklist.id, Checklist.title).where(
        Checklist.id.in_(set(checklist_ids)))).all())


# --- rounds --------------------------------------------------------------------------------

def get(round_id: uuid.UUID) -> SafetyRound:
    return get_or_404(SafetyRound, round_id, "round_id")


def listed(done: bool | None = None, kind: str | None = None, place: str | None = None):
    """The rounds, the latest finished first and those still under way before them."""
    query = select(SafetyRound)
    if done is True:
        query = query.where(SafetyRound.done_at.is_not(None))
    elif done is False:
        query = query.where(SafetyRound.done_at.is_(None))
    if kind:
        query = query.where(SafetyRound.kind == kind)
    if place:
        query = query.where(SafetyRound.place.icontains(place.strip(), autoescape=True))
    return query.order_by(SafetyRound.done_at.desc().nulls_first(),
                          SafetyRound.started_at.desc(), SafetyRound.id.desc())


def answers(round_ids) -> dict[uuid.UUID, list[RoundAnswer]]:
    """The items of these rounds, in one query however many rounds there are."""
    found: dict[uuid.UUID, list[RoundAnswer]] = {r: [] for r in round_ids}
    for answer in db.session.scalars(select(RoundAnswer).where(
            RoundAnswer.round_id.in_(list(found))).order_by(RoundAnswer.round_id,
                                                            RoundAnswer.position)):
        found[answer.round_id].append(answer)
    return found


def amendments(round_id: uuid.UUID) -> list[RoundAmendment]:
    return list(db.session.scalars(select(RoundAmendment).where(
        RoundAmendment.round_id == round_id).order_by(RoundAmendment.at, RoundAmendment.id)))


def under_way(checklist_id: uuid.UUID, place: str) -> SafetyRound | None:
    """The round of this checklist at this place started and not yet finished: where a QR
    code at the place takes whoever scans it."""
    return db.session.scalar(select(SafetyRound).where(
        SafetyRound.checklist_id == checklist_id, SafetyRound.place == place.strip(),
        SafetyRound.done_at.is_(None)).order_by(SafetyRound.started_at.desc()).limit(1))


def start(data: dict) -> SafetyRound:
    """Start a round: for a schedule's day (its checklist and place), or of a checklist at a
    place. The checklist's items are copied in, unanswered. One round a schedule's day: a
    second, also one started at the same moment, is a 409."""
    schedule = None
    if data.get("schedule_id"):
        schedule = get_schedule(data["schedule_id"])
        if not data.get("due_on"):
            raise RuleBroken(_("the day the round is due"), "due_on")
        checklist_id, place, building_id = (schedule.checklist_id, schedule.place,
                                            schedule.building_id)
    else:
        checklist_id, place = data.get("checklist_id"), (data.get("place") or "").strip()
        building_id = data.get("building_id")
        if not checklist_id:
            raise RuleBroken(_("which checklist"), "checklist_id")
        if not place:
            raise RuleBroken(_("where the round is walked"), "place")
        check_building(building_id)
    checklist = db.session.get(Checklist, checklist_id)
    if checklist is None:
        raise RuleBroken(_("no such checklist in this school"), "checklist_id")
    walked = SafetyRound(checklist_id=checklist.id, kind=checklist.kind, title=checklist.title,
                         schedule_id=schedule.id if schedule else None,
                         due_on=data.get("due_on") if schedule else None, place=place,
                         building_id=building_id, started_at=utcnow(),
                         started_by=acting_name())
    first_writer(walked, field="due_on",
                 message=_("a round was started for this day already"))
    db.session.execute(insert(RoundAnswer), [
        {"tenant_id": current_tenant().id, "id": uuid7(), "round_id": walked.id,
         "position": item.position, **{f: getattr(item, f) for f in ITEM_FIELDS}}
        for item in items(checklist.id)])
    return walked


def _photo(photo: tuple[str, bytes] | None, field: str) -> uuid.UUID | None:
    if photo is None:
        return None
    return store_upload(photo[0], photo[1], "safety.round", field=field, kinds=("image",),
                        max_bytes=PHOTO_BYTES).id


def _user_id() -> int | None:
    principal = current_principal()
    return principal.user_id if principal else None


def _hazard_of(walked: SafetyRound, text: str, note: str,
               photo: tuple[str, bytes] | None) -> uuid.UUID:
    """A failed item reported as a hazard: the round's place, the item and the note."""
    hazard = hazard_loop.report({"place": walked.place, "building_id": walked.building_id,
                                 "description": f"{text}：{note}"[:500]}, photo)
    return hazard.id


def answer(walked: SafetyRound, given: list[dict],
           photos: dict[int, tuple[str, bytes]] | None = None) -> list[RoundAnswer]:
    """Answer items of a round under way (any number, the rest later). Everything is checked
    before anything is written: an item named twice (422, ``answers``), an item answered
    already (409, ``answers``), a failure without its note (422, ``note_<item>``), a photo
    that is not an image (422, ``photo_<item>``), a round signed already (409). Each failure
    is reported as a hazard at once, its photo with it."""
    photos = photos or {}
    if walked.done_at is not None:
        raise RuleBroken(_("this round is signed: amend it instead"), "round_id", status=409)
    positions = [g["position"] for g in given]
    if len(set(positions)) != len(positions):
        raise RuleBroken(_("an item is answered twice"), "answers")
    kept = {a.position: a for a in answers([walked.id])[walked.id]}
    for g in given:
        found = kept.get(g["position"])
        if found is None:
            raise RuleBroken(_("no such item in this round"), "answers")
        if found.result is not None:
            raise RuleBroken(_("this item was answered already"), "answers", status=409)
        if g["result"] not in RESULTS:
            raise RuleBroken(_("pass, fail or not applicable"), f"result_{g['position']}")
        if g["result"] == "fail" and not (g.get("note") or "").strip():
            raise RuleBroken(_("what is wrong"), f"note_{g['position']}")
        fits((g.get("note") or "").strip(), NOTE_LENGTH, f"note_{g['position']}")
    for position in photos:
        if position not in positions or next(g for g in given
                                             if g["position"] == position)["result"] != "fail":
            raise RuleBroken(_("a photo goes with a failed item"), f"photo_{position}")
    stored = {p: _photo(photo, f"photo_{p}") for p, photo in photos.items()}
    # The round's version moves with every answer, so two phones answering the same item at
    # once (or answering while another signs) end in one answer and a 409, never two hazards.
    flag_modified(walked, "place")
    done = []
    for g in given:
        item, note = kept[g["position"]], (g.get("note") or "").strip()
        item.result, item.note = g["result"], note
        item.answered_by, item.answered_at = acting_name(), utcnow()
        if g["result"] == "fail":
            item.photo_id = stored.get(item.position)
            item.hazard_id = _hazard_of(walked, item.text_zh, note, photos.get(item.position))
        done.append(item)
    return done


def sign(walked: SafetyRound) -> SafetyRound:
    """Finish a round: every item answered, signed by whoever finishes it, then closed to
    edits. Two people finishing it at once: one signs, the other hears 409."""
    if walked.done_at is not None:
        raise RuleBroken(_("this round was signed already"), "round_id", status=409)
    if any(a.result is None for a in answers([walked.id])[walked.id]):
        raise RuleBroken(_("answer every item before signing"), "answers")
    walked.done_at, walked.signed_by, walked.signed_by_user = utcnow(), acting_name(), _user_id()
    return walked


def amend(walked: SafetyRound, data: dict, photo: tuple[str, bytes] | None = None
          ) -> RoundAmendment:
    """Correct an item of a signed round: the answer stays as signed, the amendment is kept
    beside it with why (and a failure found now becomes a hazard)."""
    if walked.done_at is None:
        raise RuleBroken(_("this round is not signed yet: answer the item instead"), "round_id",
                         status=409)
    kept = {a.position: a for a in answers([walked.id])[walked.id]}
    item = kept.get(data["position"])
    if item is None:
        raise RuleBroken(_("no such item in this round"), "position")
    reason, note = data["reason"].strip(), (data.get("note") or "").strip()
    if not reason:
        raise RuleBroken(_("why the signed round is amended"), "reason")
    if data["result"] == "fail" and not note:
        raise RuleBroken(_("what is wrong"), "note")
    hazard_id = None
    if data["result"] == "fail" and item.hazard_id is None:
        _photo(photo, "photo")  # checked before the hazard is written
        hazard_id = _hazard_of(walked, item.text_zh, note, photo)
    made = RoundAmendment(round_id=walked.id, position=item.position, result=data["result"],
                          note=note, reason=reason, hazard_id=hazard_id, by=acting_name(),
                          by_user=_user_id(), at=utcnow())
    db.session.add(made)
    db.session.flush()
    return made


def found_on(hazard_id: uuid.UUID) -> tuple[SafetyRound, int] | None:
    """The round and item a hazard was found on, if it came from one."""
    row = db.session.execute(
        select(SafetyRound, RoundAnswer.position).join(
            RoundAnswer, and_(RoundAnswer.round_id == SafetyRound.id,
                              RoundAnswer.tenant_id == SafetyRound.tenant_id))
        .where(RoundAnswer.hazard_id == hazard_id)).first()
    if row is None:
        row = db.session.execute(
            select(SafetyRound, RoundAmendment.position).join(
                RoundAmendment, and_(RoundAmendment.round_id == SafetyRound.id,
                                     RoundAmendment.tenant_id == SafetyRound.tenant_id))
            .where(RoundAmendment.hazard_id == hazard_id)).first()
    return (row[0], row[1]) if row else None


def due_today() -> list[Due]:
    on = today()
    return [d for d in due_between(on, on) if not d.done]


def counts(start: date, end: date) -> tuple[int, int]:
    """Rounds due and done from ``start`` to ``end``."""
    found = due_between(start, end)
    return len(found), sum(d.done for d in found)


def finished_count() -> int:
    return db.session.scalar(select(func.count()).select_from(SafetyRound).where(
        SafetyRound.done_at.is_not(None))) or 0
