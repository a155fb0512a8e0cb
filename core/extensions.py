"""The Flask extensions the kernel shares; created here, bound in the app factory."""

from flask_babel import Babel
from flask_sqlalchemy import SQLAlchemy

from core.db.base import Base

db = SQLAlchemy(model_class=Base)
babel = Babel()
