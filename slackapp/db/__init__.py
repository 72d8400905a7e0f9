from slackapp.db.engine import Database, make_engine
from slackapp.db.migrate import upgrade

__all__ = ["Database", "make_engine", "upgrade"]
