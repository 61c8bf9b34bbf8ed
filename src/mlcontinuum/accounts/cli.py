"""`continuum init`, `continuum user create` and `continuum token create`: accounts and tokens,
made on the instance's own database by its operator (no server, no token needed)."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.markup import escape

from mlcontinuum.cli.local import LocalDatabase, local_database, operator_actor
from mlcontinuum.cli.output import EXIT_FAILURE, fail, note, out, reported_errors
from mlcontinuum.kernel.auth.permissions import Role

# Used only when `init` runs without a terminal and without --username/--email (scripts/start):
# a fixed user name is no secret, unlike a password, which is generated instead.
UNATTENDED_ADMIN = "admin"
UNATTENDED_EMAIL = "admin@example.com"

user_app = typer.Typer(help="User accounts on this instance's database.", no_args_is_help=True)
token_app = typer.Typer(help="API tokens for the CLI, the SDK and CI jobs.", no_args_is_help=True)

PasswordStdin = Annotated[
    bool,
    typer.Option(
        "--password-stdin",
        help="Read the password from the first line of stdin instead of prompting. Without a "
        "terminal and without this flag a strong password is generated and printed once.",
    ),
]


def register(app: typer.Typer) -> None:
    app.command("init")(init)
    app.add_typer(user_app, name="user")
    app.add_typer(token_app, name="token")


def init(
    ctx: typer.Context,
    username: Annotated[
        str | None, typer.Option("--username", help="User name of the first administrator.")
    ] = None,
    email: Annotated[
        str | None, typer.Option("--email", help="E-mail address of the first administrator.")
    ] = None,
    password_stdin: PasswordStdin = False,
    if_needed: Annotated[
        bool,
        typer.Option("--if-needed", help="Do nothing (and succeed) when an administrator exists."),
    ] = False,
) -> None:
    """Prepare a new instance: apply migrations and create the first administrator.

    In a terminal it asks for user name, e-mail and password (twice). Without a terminal it
    uses the flags, and generates a password (printed once) unless --password-stdin is given.
    """
    from mlcontinuum.cli.passwords import stdin_is_terminal
    from mlcontinuum.kernel.auth import service as auth_service
    from mlcontinuum.kernel.storage.engine import transaction

    with reported_errors(), local_database(ctx, upgrade=True) as db:
        with transaction(db.sessions) as session:
            exists = auth_service.has_admin(session)
        if exists:
            if if_needed:
                out().print("An administrator exists already; nothing to do.")
                return
            fail(
                "an administrator exists already; add accounts with `continuum user create`",
                EXIT_FAILURE,
            )
        interactive = stdin_is_terminal() and not password_stdin
        if username is None:
            username = typer.prompt("User name") if interactive else UNATTENDED_ADMIN
        if email is None:
            email = typer.prompt("E-mail") if interactive else UNATTENDED_EMAIL
        _create(db, username, email, "", admin=True, password_stdin=password_stdin)


@user_app.command("create")
def create_user(
    ctx: typer.Context,
    username: Annotated[str, typer.Option("--username", help="User name (a-z, 0-9, _ . -).")],
    email: Annotated[str, typer.Option("--email", help="E-mail address, unique per account.")],
    full_name: Annotated[str, typer.Option("--full-name", help="Name shown to people.")] = "",
    admin: Annotated[
        bool, typer.Option("--admin", help="Make the account an instance administrator.")
    ] = False,
    password_stdin: PasswordStdin = False,
) -> None:
    """Create a user account.

    The password is prompted for (twice), read from stdin, or generated and printed once.
    """
    with reported_errors(), local_database(ctx, upgrade=False) as db:
        _create(db, username, email, full_name, admin=admin, password_stdin=password_stdin)


def _create(
    db: LocalDatabase,
    username: str,
    email: str,
    full_name: str,
    *,
    admin: bool,
    password_stdin: bool,
) -> None:
    from mlcontinuum.cli.passwords import new_password
    from mlcontinuum.kernel.auth import service as auth_service
    from mlcontinuum.kernel.auth.schemas import UserCreate
    from mlcontinuum.kernel.storage.engine import transaction

    # Validate name and e-mail before asking for a password (a stand-in that passes the length
    # rule), so a typo costs no retyping of the password.
    UserCreate(username=username, email=email, full_name=full_name, password="-" * 10)
    password, generated = new_password(from_stdin=password_stdin)
    data = UserCreate(
        username=username, email=email, full_name=full_name, password=password, is_admin=admin
    )
    with transaction(db.sessions) as session:
        user = auth_service.create_user(session, data, actor=operator_actor())
    kind = "administrator" if admin else "user"
    out().print(f"Created the {kind} '{user.username}' ({escape(user.email)}).")
    if generated:
        out().print(f"Generated password (shown once; store it now): {password}")


@token_app.command("create")
def create_token(
    ctx: typer.Context,
    user: Annotated[str, typer.Option("--user", help="User name the token acts for.")],
    name: Annotated[str, typer.Option("--name", help="What the token is for, e.g. 'ci'.")],
    project: Annotated[
        str | None,
        typer.Option("--project", help="Slug of the only project the token may use."),
    ] = None,
    role_ceiling: Annotated[
        Role | None,
        typer.Option(
            "--role-ceiling", help="Highest role the token acts with, whatever the user's role."
        ),
    ] = None,
    expires_days: Annotated[
        int,
        typer.Option("--expires-days", min=1, max=3650, help="Days until the token expires."),
    ] = 90,
) -> None:
    """Create an API token for a user and print it once.

    The token is alone on stdout (details go to stderr), so
    `export CONTINUUM_TOKEN=$(continuum token create ...)` works.
    """
    from mlcontinuum.kernel.auth import service as auth_service
    from mlcontinuum.kernel.auth.access import project_access
    from mlcontinuum.kernel.auth.permissions import PROJECT_READ
    from mlcontinuum.kernel.auth.schemas import TokenCreate
    from mlcontinuum.kernel.storage.engine import transaction

    with reported_errors(), local_database(ctx, upgrade=False) as db:
        data = TokenCreate(
            name=name, project=project, role_ceiling=role_ceiling, expires_in_days=expires_days
        )
        with transaction(db.sessions) as session:
            owner = auth_service.user_by_name(session, user)
            principal = auth_service.principal_of(owner)
            project_id = None
            if project is not None:
                # The user must be able to see the project, as when creating it through the API.
                access = project_access(session, principal, project, PROJECT_READ)
                project_id = access.project.id
            created = auth_service.create_token(session, principal, data, project_id=project_id)
        scope = f"project {project}" if project else "every project of the user"
        expiry = created.expires_at.date().isoformat() if created.expires_at else "never"
        note(f"Token '{escape(created.name)}' for {owner.username}: {scope}; expires {expiry}.")
        out().print(created.token)
