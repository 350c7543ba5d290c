from typing import Any
from urllib.parse import parse_qs, urlsplit

from django.db.backends.postgresql import base

from wijkteam import embedded_db


class DatabaseWrapper(base.DatabaseWrapper):
    """The stock PostgreSQL backend, pointed at the embedded server.

    Starting the server here rather than in settings keeps every command that
    never touches the database (ruff, mypy, ``manage.py help``) free of it,
    while any command that does connect finds the server running.
    """

    def get_connection_params(self) -> dict[str, Any]:
        url = embedded_db.ensure_running()
        # A server set up when one role did everything gets its owner role first.
        embedded_db.ensure_roles(parse_qs(urlsplit(url).query)["host"][0])
        self.settings_dict["HOST"] = str(embedded_db.PGDATA)
        return super().get_connection_params()
