from flask import Blueprint, render_template_string
from sqlalchemy import select

from core.sdk import db, requires

from .models import Note

bp = Blueprint("notes_pages", __name__, url_prefix="/m/notes", template_folder="templates")


@bp.route("/")
@requires("notes.read")
def index():
    notes = db.session.scalars(select(Note).order_by(Note.created_at)).all()
    return render_template_string(
        "<ul>{% for n in notes %}<li>{{ n.title }}</li>{% endfor %}</ul>", notes=notes
    )
