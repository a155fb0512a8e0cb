"""The Flask extensions the kernel shares; created here, bound in the app factory. (Babel is
created per app, in the factory: its catalogue cache belongs to the app's plugins.)"""

from flask_sqlalchemy import SQLAlchemy

from core.db.base import Base

db = SQLAlchemy(model_class=Base)
