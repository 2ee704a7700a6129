"""Upgrade the configured database to the newest schema.

python -m db.migrate                 # KUAICHU_DATABASE_URL, or the embedded SQLite file
python -m db.migrate --url URL       # another database
python -m db.migrate --revision 0001 # a given revision
"""

from __future__ import annotations

import argparse

from sqlalchemy.engine import make_url

from db.session import ensure_schema_sync
from settings import get_settings


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m db.migrate", description=__doc__.splitlines()[0])
    parser.add_argument("--url", default=None, help="database URL (default: from settings)")
    parser.add_argument("--revision", default="head")
    args = parser.parse_args(argv)
    url = args.url or get_settings().effective_database_url
    ensure_schema_sync(url, args.revision)
    # the URL without its password: safe to print
    print(f"schema at {args.revision}: {make_url(url).render_as_string(hide_password=True)}")


if __name__ == "__main__":
    main()
