"""One way for a page to handle its form (``core.web.forms.submitted``): a refused form comes
back with each error by its field, the values posted and 422 (or the rule's status), and
nothing it wrote is kept; a race lost to another request answers 409 and keeps nothing; a
saved form leads on with its notice, and once committed it is never answered with a 500."""

from functools import wraps

import pytest
from flask import Blueprint, get_flashed_messages, redirect, request
from marshmallow import Schema, fields, validate
from sqlalchemy import func, select

from core.extensions import db
from core.permissions import public
from core.rules import RuleBroken
from core.schools.models import District
from core.web import forms


class DistrictForm(Schema):
    slug = fields.String(required=True, validate=validate.Length(min=2))
    name = fields.String(required=True)


def refused(errors, form, status, **view_args):
    """The form again, as a page would draw it: each error by its field, the values posted."""
    shown = ";".join(f"{name}={message}" for name, message in sorted(errors.items()))
    kept = ";".join(f"{name}={value}" for name, value in sorted(form.items()))
    notices = ";".join(get_flashed_messages())
    return f"errors[{shown}] form[{kept}] notices[{notices}] args{sorted(view_args)}", status


def broken_off_after(view):
    """Whatever may still fail once the view has committed (the database gone, say)."""
    @wraps(view)
    def answer(*args, **kwargs):
        sent = view(*args, **kwargs)
        if request.args.get("break") == "after":
            raise RuntimeError("the answer could not be sent")
        return sent

    return answer


@pytest.fixture
def client(app):
    routes = Blueprint("submitting", __name__)

    @routes.post("/districts/<kind>")
    @public
    @broken_off_after
    @forms.submitted(refused, saved="saved it")
    def add(kind):
        # Written first, so that a refusal after it shows whether it was undone.
        db.session.add(District(slug="written-" + kind, name="partial"))
        db.session.flush()
        data = DistrictForm().load(forms.schema_fields(request.form, ("slug", "name")))
        if data["name"] == "closed":
            raise RuleBroken("that name is closed", "name", status=409)
        if data["name"] == "elsewhere":
            raise RuleBroken("no such district here", "district", status=404)
        db.session.add(District(slug=data["slug"], name=data["name"]))
        if kind == "crash":
            db.session.flush()
            raise RuntimeError("a mistake in the code")
        return redirect(f"/districts/{data['slug']}")

    @routes.post("/picks")
    @public
    @forms.submitted(refused, picked=("district",))
    def pick():
        raise RuleBroken("that district went meanwhile", request.form["field"], status=404)

    @routes.post("/moves")
    @public
    @forms.submitted(refused, prefix="move_", field="move")
    def move():
        DistrictForm().load(forms.schema_fields(request.form, ("slug", "name"), prefix="move_"))
        return redirect("/")

    @routes.get("/notices")
    @public
    def notices():
        return ";".join(get_flashed_messages())

    app.register_blueprint(routes)
    return app.test_client()


def stored() -> list[str]:
    db.session.rollback()
    return sorted(db.session.scalars(select(District.slug).where(
        District.slug.not_in(["north", "south"]))))


@pytest.fixture
def taken(app):
    db.session.add(District(slug="north", name="North"))
    db.session.commit()


def test_a_saved_form_is_committed_and_leads_on_with_its_notice(client):
    answer = client.post("/districts/good", data={"slug": "east", "name": "East"})
    assert answer.status_code == 302 and answer.headers["Location"] == "/districts/east"
    assert stored() == ["east", "written-good"]
    assert client.get("/notices").get_data(as_text=True) == "saved it"


def test_a_refused_field_comes_back_beside_the_field_with_the_values_and_keeps_nothing(client):
    answer = client.post("/districts/bad", data={"slug": "x", "name": "West"})
    assert answer.status_code == 422
    page = answer.get_data(as_text=True)
    assert "errors[slug=" in page and "name=" not in page.split("form[")[0]
    assert "form[name=West;slug=x]" in page and "args['kind']" in page
    assert stored() == []
    assert client.get("/notices").get_data(as_text=True) == ""


def test_a_broken_rule_is_shown_by_its_field_with_its_own_status(client):
    answer = client.post("/districts/rule", data={"slug": "west", "name": "closed"})
    assert answer.status_code == 409
    assert "errors[name=that name is closed]" in answer.get_data(as_text=True)
    assert stored() == []


def test_a_rule_about_a_record_the_school_lacks_is_a_404_page(client):
    answer = client.post("/districts/gone", data={"slug": "west", "name": "elsewhere"})
    assert answer.status_code == 404
    assert stored() == []


def test_a_prefixed_form_can_show_all_its_errors_by_one_field(client):
    answer = client.post("/moves", data={"move_slug": "x"})
    assert answer.status_code == 422
    page = answer.get_data(as_text=True)
    # Both refusals (too short a slug, no name) by the move form's one field.
    assert page.startswith("errors[move=不能少于 2 个字符。 必填。]")


def test_a_lost_race_on_a_unique_field_is_a_409_by_that_field_and_keeps_nothing(client, taken):
    answer = client.post("/districts/race", data={"slug": "north", "name": "Second North"})
    assert answer.status_code == 409
    page = answer.get_data(as_text=True)
    assert "errors[slug=" in page and "form[name=Second North;slug=north]" in page
    assert stored() == []
    assert db.session.scalar(select(District.name).where(District.slug == "north")) == "North"


def test_a_mistake_in_the_view_is_an_error_and_keeps_nothing(client):
    with pytest.raises(RuntimeError):
        client.post("/districts/crash", data={"slug": "east", "name": "East"})
    assert stored() == []


def test_a_committed_form_is_answered_as_built_when_sending_it_breaks_off(client):
    answer = client.post("/districts/late?break=after", data={"slug": "east", "name": "East"})
    assert answer.status_code == 302 and answer.headers["Location"] == "/districts/east"
    assert stored() == ["east", "written-late"]
    assert db.session.scalar(select(func.count()).select_from(District).where(
        District.slug == "east")) == 1


def test_a_record_the_form_picked_that_has_gone_is_the_forms_error(client):
    answer = client.post("/picks", data={"field": "district"})
    assert answer.status_code == 422
    assert "errors[district=that district went meanwhile]" in answer.get_data(as_text=True)
    assert client.post("/picks", data={"field": "other"}).status_code == 404


def test_a_page_helper_that_cannot_take_the_addresss_parameters_is_refused_at_start():
    def render(errors, form, status=200):
        return "page", status

    def sign_out(item_id):
        return "signed out"

    with pytest.raises(TypeError, match=r"render must take the view's parameters \['item_id'\]"):
        forms.submitted(render)(sign_out)
    # Named, or taken as **view_args, they are welcome; a view without parameters needs neither.
    forms.submitted(lambda errors, form, status, item_id: ("page", status))(sign_out)
    forms.submitted(refused)(sign_out)
    forms.submitted(render)(lambda: "added")
