"""Generated requests against every operation of the API document, on PostgreSQL.

schemathesis reads /api/v1/openapi.json and, for each operation, sends requests that follow
the document (and some that break it) as the principal of a school with data, then without a
token. Every answer must be something other than a 5xx, and must be what the document says:
its status, its content type, its body's schema. A path with a method it does not answer says
405 with ``Allow``.

It takes a few minutes, so it runs in CI's PostgreSQL pass (or with HOUQIN_FUZZ=1), not in
every local run. HOUQIN_FUZZ_EXAMPLES sets the examples per operation, HOUQIN_FUZZ_SEED
another seed than the fixed one.
"""

from __future__ import annotations

import os
import re
import time
import uuid
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date

import pytest

from core.testing import in_ci

pytestmark = pytest.mark.skipif(
    os.environ.get("HOUQIN_TEST_DATABASE") != "postgresql"
    or not (in_ci() or os.environ.get("HOUQIN_FUZZ") == "1"),
    reason="the API fuzzing run is for PostgreSQL in CI (or HOUQIN_FUZZ=1)",
)

EXAMPLES = int(os.environ.get("HOUQIN_FUZZ_EXAMPLES", "25"))
EXAMPLES_WITHOUT_TOKEN = max(2, EXAMPLES // 4)
# The same requests every run unless a seed is given, to explore further by hand.
SEED = os.environ.get("HOUQIN_FUZZ_SEED")
METHODS = ("get", "put", "post", "delete", "patch")
UUID_TEXT = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")


@dataclass
class Tally:
    operations: int = 0
    examples: int = 0
    answers: Counter = field(default_factory=Counter)  # by class of status: "2xx", "4xx"
    failures: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))

    def fail(self, label: str, message: str) -> None:
        if len(self.failures[label]) < 3:
            self.failures[label].append(message.strip()[:1500])


def _school_with_data(app, make_school, make_user):
    """A primary school with both modules on, a term, classes, bills and payments, dishes, a
    menu, a licensed supplier, a delivery and stock; returns its principal."""
    from core.calendar import services as calendar
    from core.extensions import db
    from core.people import services as people
    from core.tenancy import tenant_context
    from plugins.fees.services import payments
    from tests.plugins.canteen import stock_support as stock
    from tests.plugins.canteen import support as canteen
    from tests.plugins.fees import report_scenario as scenario
    from tests.plugins.fees import support as fees

    school = make_school("fuzz-school", modules=("canteen", "fees", "energy", "safety"))
    with tenant_context(school):
        year = calendar.create_year("2026学年", date(2026, 9, 1), date(2027, 8, 31))
        term = calendar.create_term(year.id, "第一学期", date(2026, 9, 1), date(2027, 1, 22))
        db.session.commit()
        term_id = str(term.id)
    principal = make_user(school, "school_admin")
    teacher = make_user(school, "class_teacher")
    guardian = make_user(school, "guardian")
    _, students = canteen.classroom(school, "A1", head=teacher, students=3)
    with tenant_context(school):
        people.add_guardian(uuid.UUID(students[0]), {
            "name": "王妈妈", "relation": "mother", "phone": "13800000001", "can_pick_up": True,
            "login": guardian.email})
        db.session.commit()
    for n, student in enumerate(students):
        bill = scenario.bill(school, term_id, student, ("charge", "tuition", 120000),
                             ("discount", "tuition", -12000), issue=n < 2)
        if n < 2:
            payment = scenario.pay(school, bill, 50000, "cash", date(2026, 9, 10))
        if n == 1:
            with tenant_context(school):
                payments.void(uuid.UUID(payment), "entered twice", by="校长")
                db.session.commit()
    fees.published(school, {"name": "学费"})
    client = app.test_client()
    draft = {"name": "保教费", "category": "care", "amount_fen": 120000, "unit": "month",
             "basis_authority": "市发展和改革委员会", "basis_reference": "发改收费〔2026〕12号"}
    assert client.post("/api/v1/fees/items", json=draft, headers=principal.headers).status_code == 201
    dish_id = canteen.dish(client, principal).get_json()["id"]
    canteen.serve(client, principal, dish_id, day=canteen.school_today())
    supplier_id = canteen.licensed_supplier(client, principal)
    canteen.deliver(client, principal, supplier_id, [canteen.item()])
    stock.stock_in(client, principal)
    for response in (client.get("/api/v1/canteen/dishes", headers=principal.headers),
                     client.get("/api/v1/canteen/stock/lots", headers=principal.headers)):
        assert response.status_code == 200, response.get_data(as_text=True)
    return principal


def _harvest(value, found: dict[str, set[str]], key: str = "id") -> None:
    """Every identifier in a response body, under the name of the field that held it."""
    if isinstance(value, dict):
        for name, inner in value.items():
            _harvest(inner, found, name)
    elif isinstance(value, list):
        for inner in value:
            _harvest(inner, found, key)
    elif isinstance(value, str) and UUID_TEXT.match(value):
        found[key].add(value)


def _known_ids(client, principal, schema) -> tuple[dict[str, set[str]], dict[str, set[str]]]:
    """Identifiers of real records, by field name and by the list path they came from."""
    by_field: dict[str, set[str]] = defaultdict(set)
    by_path: dict[str, set[str]] = defaultdict(set)
    for path, item in schema.raw_schema["paths"].items():
        if "get" not in item or "{" in path:
            continue
        response = client.get(path, headers=principal.headers)
        if response.is_json and response.status_code == 200:
            body = response.get_json()
            _harvest(body, by_field)
            rows = body if isinstance(body, list) else []
            by_path[path] = {row["id"] for row in rows if isinstance(row, dict)
                             and isinstance(row.get("id"), str)}
    return by_field, by_path


def _path_choices(path: str, by_field, by_path) -> list[dict[str, str]]:
    """Fixed path parameters that name real records, where some are known."""
    names = re.findall(r"{(\w+)}", path)
    if not names:
        return []
    chosen: dict[str, str] = {}
    for name in names:
        prefix = path.split("{" + name + "}")[0].rstrip("/")
        candidates = sorted(by_path.get(prefix) or by_field.get(name) or ())
        if not candidates:
            return []
        chosen[name] = candidates[0]
    return [chosen]


def _checks():
    from schemathesis.checks import not_a_server_error
    from schemathesis.specs.openapi.checks import (
        content_type_conformance,
        response_headers_conformance,
        response_schema_conformance,
        status_code_conformance,
    )

    return [not_a_server_error, status_code_conformance, content_type_conformance,
            response_headers_conformance, response_schema_conformance]


def _run_operation(operation, headers, examples, fixed, tally, label) -> None:
    from hypothesis import HealthCheck, given, seed, settings
    from hypothesis import strategies as st
    from schemathesis import GenerationMode

    strategies = [operation.as_strategy(GenerationMode.POSITIVE)]
    strategies += [operation.as_strategy(GenerationMode.POSITIVE, path_parameters=choice)
                   for choice in fixed]
    strategies.append(operation.as_strategy(GenerationMode.NEGATIVE))
    checks = _checks()

    @settings(max_examples=examples, deadline=None, database=None, derandomize=SEED is None,
              suppress_health_check=list(HealthCheck))
    @given(case=st.one_of(strategies))
    @seed(int(SEED or 0))
    def probe(case):
        tally.examples += 1
        try:
            response = case.call(headers=headers)
            tally.answers[f"{response.status_code // 100}xx"] += 1
            case.validate_response(response, checks=checks, headers=headers)
        except (Exception, BaseExceptionGroup) as exc:  # each failure is kept; the run goes on
            tally.fail(label, f"{type(exc).__name__}: {exc}")

    probe()


def test_every_operation_answers_as_documented(app_factory, make_school, make_user, capsys):
    import schemathesis

    app = app_factory()
    with app.app_context():
        principal = _school_with_data(app, make_school, make_user)
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    by_field, by_path = _known_ids(app.test_client(), principal, schema)
    tally = Tally()
    started = time.monotonic()
    callers = (("principal", {**principal.headers}, EXAMPLES),
               ("no token", {"Accept-Language": "en"}, EXAMPLES_WITHOUT_TOKEN))
    for result in schema.get_all_operations():
        operation = result.ok()
        tally.operations += 1
        fixed = _path_choices(operation.path, by_field, by_path)
        for caller, headers, examples in callers:
            label = f"{operation.method.upper()} {operation.path} ({caller})"
            try:
                _run_operation(operation, headers, examples, fixed, tally, label)
            except Exception as exc:
                tally.fail(label, f"could not generate: {type(exc).__name__}: {exc}")
    unsupported = _unsupported_methods(app, schema, principal, tally)
    seconds = time.monotonic() - started
    with capsys.disabled():
        print(f"\nAPI fuzzing: {tally.operations} operations, {tally.examples} generated requests"
              f" and {unsupported} unsupported-method probes in {seconds:.0f} s"
              f" (answers: {', '.join(f'{k} {n}' for k, n in sorted(tally.answers.items()))});"
              f" {len(tally.failures)} operations failed")
        for label, messages in sorted(tally.failures.items()):
            print(f"--- {label}\n" + "\n".join(messages))
    assert not tally.failures, f"{len(tally.failures)} operations answered against the document"


def _unsupported_methods(app, schema, principal, tally) -> int:
    """Each path, asked with a method it does not answer: 405 naming the ones it does."""
    client = app.test_client()
    probes = 0
    for path, item in schema.raw_schema["paths"].items():
        documented = {m for m in METHODS if m in item}
        missing = [m for m in METHODS if m not in documented]
        if not missing:
            continue
        url = path
        for name in re.findall(r"{(\w+)}", path):
            url = url.replace("{" + name + "}", _sample_value(item, name))
        response = client.open(url, method=missing[0].upper(), headers=principal.headers)
        probes += 1
        allowed = {m.strip().lower() for m in response.headers.get("Allow", "").split(",")}
        if response.status_code != 405 or not documented <= allowed:
            tally.fail(f"{missing[0].upper()} {path} (unsupported)",
                       f"{response.status_code} Allow={response.headers.get('Allow')!r}")
    return probes


def _sample_value(item: dict, name: str) -> str:
    """A value of the path parameter's documented type, so that the route is the one asked."""
    parameters = list(item.get("parameters", []))
    for method in METHODS:
        parameters += item.get(method, {}).get("parameters", [])
    schema = next((p.get("schema", {}) for p in parameters
                   if p.get("in") == "path" and p.get("name") == name), {})
    if schema.get("type") == "integer":
        return "1"
    if schema.get("format") == "date":
        return "2026-09-01"
    return str(uuid.uuid4())
