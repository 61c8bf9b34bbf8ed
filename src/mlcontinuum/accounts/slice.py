"""Accounts: signing in and out, users, API tokens (the rules live in `kernel.auth`)."""

from mlcontinuum.kernel.slice import EventType, Slice

SLICE = Slice(
    name="accounts",
    summary="Sign-in, users and API tokens.",
    package="mlcontinuum.accounts",
    api=("mlcontinuum.accounts.api",),
    pages=(
        "mlcontinuum.accounts.pages.session",
        "mlcontinuum.accounts.pages.account",
        "mlcontinuum.accounts.pages.admin",
    ),
    cli=("mlcontinuum.accounts.cli",),
    events=(
        EventType("user.created", "An administrator created a user account."),
        EventType("token.created", "A user created an API token."),
        EventType("token.revoked", "A user revoked an API token."),
    ),
    docs=("tokens-and-roles.md",),
)
