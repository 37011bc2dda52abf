"""Command line of the console: `python -m servicedesk.console create-admin --username NAME`.

The password is read from the terminal (or from stdin with --password-stdin).
"""

from __future__ import annotations

import argparse
import getpass
import sys

from servicedesk.console.users import InvalidUser, create_user
from servicedesk.core.db import make_engine, make_session_factory, migrate, transaction
from servicedesk.core.settings import get_settings


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m servicedesk.console")
    commands = parser.add_subparsers(dest="command", required=True)
    create = commands.add_parser("create-admin", help="create an admin account")
    create.add_argument("--username", required=True)
    create.add_argument("--display-name", default="")
    create.add_argument("--language", choices=("fi", "sv", "en"), default="fi")
    create.add_argument("--password-stdin", action="store_true",
                        help="read the password from the first line of stdin")
    args = parser.parse_args(argv)

    password = (sys.stdin.readline().rstrip("\n") if args.password_stdin
                else getpass.getpass("Password (at least 12 characters): "))
    settings = get_settings()
    migrate(settings.database_url)
    engine = make_engine(settings.database_url)
    try:
        with transaction(make_session_factory(engine)) as session:
            create_user(session, username=args.username, password=password, role="admin",
                        language=args.language, display_name=args.display_name)
    except InvalidUser as error:
        print(f"not created: {error}", file=sys.stderr)
        return 2
    finally:
        engine.dispose()
    print(f"admin '{args.username.strip().lower()}' created")
    return 0


if __name__ == "__main__":
    sys.exit(main())
