"""Food stock: lots on hand and their warnings, stock in by hand, issues, discards, the ledger,
counts and food cost. Accepted deliveries come in through ``services.stock.receive``."""

from __future__ import annotations

import uuid
from collections.abc import Iterable

from core.sdk import MAX_PAGE_SIZE, PAGE_SIZE, page_of, requires, school_today, transactional

from ..models import StockMovement
from ..schemas import DayQuerySchema
from ..schemas.stock import (
    AsOfQuerySchema,
    CountResultSchema,
    CountSchema,
    CountSummarySchema,
    DiscardSchema,
    FoodCostSchema,
    FoodOnHandSchema,
    IssuedSchema,
    IssueSchema,
    IssueSummarySchema,
    LotDetailSchema,
    LotSchema,
    MovementQuerySchema,
    MovementSchema,
    ReasonSchema,
    StockInSchema,
    StockPeriodSchema,
    StockWarningsSchema,
    WarningsQuerySchema,
)
from ..services import stock, stock_counts, stock_out
from ..services.stock_cost import _eaters, food_cost
from . import blp


def _entries(entries: Iterable[StockMovement]) -> list[StockMovement]:
    """Each entry with its lot's food, unit and batch, as the schema shows them."""
    rows = []
    for entry, lot in stock.with_lots(entries):
        entry.food, entry.unit, entry.batch = lot.food, lot.unit, lot.batch
        rows.append(entry)
    return rows


# --- lots ----------------------------------------------------------------------------------


@blp.route("/stock/lots")
@blp.arguments(AsOfQuerySchema, location="query")
@blp.response(200, LotSchema(many=True))
@blp.paginate(page_size=PAGE_SIZE, max_page_size=MAX_PAGE_SIZE)
@requires("canteen.read")
def lots_on_hand(query, pagination_parameters):
    """The lots with something on hand (as of a day, if given), by food, unit and expiry: also
    the count sheet, with each lot's book quantity."""
    page = page_of(stock.held_query(query["as_of"]), pagination_parameters)
    stock.held(page, query["as_of"])
    return page


@blp.route("/stock/lots", methods=["POST"])
@blp.arguments(StockInSchema)
@blp.response(201, LotSchema)
@requires("canteen.stock.write")
@transactional
def stock_in(data):
    """Enter a lot by hand (an opening balance); accepted deliveries come in by themselves."""
    lot = stock.stock_in(data, data.get("received_by"))
    return stock.held([lot])[0]


@blp.route("/stock/lots/<uuid:lot_id>")
@blp.response(200, LotDetailSchema)
@requires("canteen.read")
@transactional
def get_lot(lot_id: uuid.UUID):
    """A lot, what is left of it, and every entry of the ledger for it."""
    lot = stock.get_lot(lot_id)
    stock.held([lot])
    lot.movements = _entries(stock.lot_movements(lot.id))
    return lot


@blp.route("/stock/lots/<uuid:lot_id>/discard", methods=["POST"])
@blp.arguments(DiscardSchema)
@blp.response(201, MovementSchema)
@requires("canteen.stock.write")
@transactional
def discard(data, lot_id: uuid.UUID):
    """Throw away some (``quantity``) or all of a lot, with the reason."""
    entry = stock_out.discard(lot_id, data["reason"], data["quantity"], data["by"])
    return _entries([entry])[0]


@blp.route("/stock/warnings")
@blp.arguments(WarningsQuerySchema, location="query")
@blp.response(200, StockWarningsSchema)
@requires("canteen.read")
def warnings(query):
    """Lots expiring within ``within_days`` (the school's setting if left out) and expired
    lots still on hand, to be discarded."""
    day = school_today()
    within = stock.warning_days() if query["within_days"] is None else query["within_days"]
    return {"today": day, "within_days": within,
            "expiring": stock.expiring_lots(day, within), "expired": stock.expired_on_hand(day)}


@blp.route("/stock/foods")
@blp.arguments(DayQuerySchema, location="query")
@blp.response(200, FoodOnHandSchema(many=True))
@requires("canteen.read")
def foods_on_hand(query):
    """Per food and unit: what can be issued for the day and what has expired by then."""
    return stock.foods_on_hand(query["day"])


# --- issues --------------------------------------------------------------------------------


@blp.route("/stock/issues", methods=["POST"])
@blp.arguments(IssueSchema)
@blp.response(201, IssuedSchema)
@requires("canteen.stock.write")
@transactional
def issue(data):
    """Issue food to the kitchen for a day, first-expiry-first-out. Expired lots are passed
    over and named in ``skipped`` and ``warnings``; more than can be issued is refused."""
    return stock_out.issue(data, data["issued_by"])


@blp.route("/stock/issues")
@blp.arguments(DayQuerySchema, location="query")
@blp.response(200, IssueSummarySchema(many=True))
@requires("canteen.read")
def issues_on(query):
    return stock_out.issues_on(query["day"])


@blp.route("/stock/issues/<uuid:issue_id>/cancel", methods=["POST"])
@blp.arguments(ReasonSchema)
@blp.response(200, MovementSchema(many=True))
@requires("canteen.stock.write")
@transactional
def cancel_issue(data, issue_id: uuid.UUID):
    """Take a whole issue back; its entries stay and "return" entries undo them."""
    return _entries(stock_out.cancel_issue(issue_id, data["reason"], data["by"]))


# --- the ledger, counts and cost -----------------------------------------------------------


@blp.route("/stock/movements")
@blp.arguments(MovementQuerySchema, location="query")
@blp.response(200, MovementSchema(many=True))
@blp.paginate(page_size=PAGE_SIZE, max_page_size=MAX_PAGE_SIZE)
@requires("canteen.read")
def movements(query, pagination_parameters):
    """The ledger from ``start`` to ``end`` (by the day each entry counts for)."""
    return _entries(page_of(stock.movements_query(query["start"], query["end"], query["kind"]),
                            pagination_parameters))


@blp.route("/stock/counts")
@blp.response(200, CountSummarySchema(many=True))
@blp.paginate(page_size=PAGE_SIZE, max_page_size=MAX_PAGE_SIZE)
@requires("canteen.read")
def counts(pagination_parameters):
    return page_of(stock_counts.counts_query(), pagination_parameters,
                   dumped_by=CountSummarySchema)


@blp.route("/stock/counts", methods=["POST"])
@blp.arguments(CountSchema)
@blp.response(201, CountResultSchema)
@requires("canteen.stock.count")
@transactional
def record_count(data):
    """Record what was counted of each lot (get the sheet from GET /stock/lots); differences
    become "adjust" entries. Give each line's ``book`` to be safe from counting twice."""
    return stock_counts.count_result(stock_counts.record_count(data).id)


@blp.route("/stock/counts/<uuid:stock_count_id>")
@blp.response(200, CountResultSchema)
@requires("canteen.read")
@transactional
def count_result(stock_count_id: uuid.UUID):
    return stock_counts.count_result(stock_count_id)


@blp.route("/stock/cost")
@blp.arguments(StockPeriodSchema, location="query")
@blp.response(200, FoodCostSchema)
@requires("canteen.read")
def cost(query):
    """The cost of the food issued, per day and meal, and per eater where eaters are known."""
    start, end = query["start"], query["end"]
    return food_cost(start, end, _eaters(start, end))

