"""Rules of the auth slice: users, sessions, API tokens, the login throttle, memberships."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from mlcontinuum.kernel import events
from mlcontinuum.kernel.auth import credentials
from mlcontinuum.kernel.auth.models import ApiToken, BrowserSession, LoginAttempt, Membership, User
from mlcontinuum.kernel.auth.permissions import Role
from mlcontinuum.kernel.auth.principal import Principal
from mlcontinuum.kernel.auth.schemas import TokenCreate, TokenCreated, TokenPublic, UserCreate
from mlcontinuum.kernel.errors import (
    AuthenticationRequired,
    Conflict,
    FieldProblem,
    NotFound,
    PermissionDenied,
    TooManyRequests,
    ValidationFailed,
)
from mlcontinuum.kernel.storage.base import utcnow

TOKEN_PREFIX = "cnt"
# One address may try several user names before it is slowed down.
CLIENT_FAILURE_FACTOR = 4
# Recording every use would turn each read into a write; minutes are precise enough to audit.
LAST_USED_RESOLUTION = timedelta(minutes=10)


def principal_of(user: User) -> Principal:
    return Principal(user_id=user.id, username=user.username, is_admin=user.is_admin)


# --- users -----------------------------------------------------------------------------------


def create_user(session: Session, data: UserCreate, *, actor: str) -> User:
    if session.scalar(select(User.id).where(User.username == data.username)) is not None:
        raise Conflict(
            f"user name '{data.username}' is taken",
            [FieldProblem("username", "unique", "choose another user name")],
        )
    if session.scalar(select(User.id).where(User.email == data.email)) is not None:
        raise Conflict(
            f"e-mail '{data.email}' already has an account",
            [FieldProblem("email", "unique", "each account needs its own e-mail address")],
        )
    user = User(
        username=data.username,
        email=str(data.email),
        full_name=data.full_name,
        password_hash=credentials.hash_password(data.password),
        is_admin=data.is_admin,
    )
    session.add(user)
    session.flush()
    events.append(
        session,
        type="user.created",
        actor=actor,
        payload={"username": user.username, "is_admin": user.is_admin},
    )
    return user


def has_admin(session: Session) -> bool:
    return session.scalar(select(User.id).where(User.is_admin.is_(True)).limit(1)) is not None


def list_users(session: Session) -> list[User]:
    return list(session.scalars(select(User).order_by(User.username)))


def user_by_name(session: Session, username: str) -> User:
    user = session.scalar(select(User).where(User.username == username))
    if user is None:
        raise NotFound(f"no user '{username}'")
    return user


# --- login and browser sessions --------------------------------------------------------------


@dataclass(frozen=True)
class Throttle:
    max_failures: int
    window: timedelta


def authenticate(
    session: Session, username: str, password: str, *, client: str, throttle: Throttle
) -> User:
    """Check a password; past the limit of failures, answer 429 whatever the password.

    A failure is added to the session before raising: the caller catches the error inside its
    transaction so the attempt is committed and counts towards the throttle."""
    since = utcnow() - throttle.window
    by_user = session.scalar(
        select(func.count()).where(LoginAttempt.username == username, LoginAttempt.at >= since)
    )
    by_client = session.scalar(
        select(func.count()).where(LoginAttempt.client == client, LoginAttempt.at >= since)
    )
    if (by_user or 0) >= throttle.max_failures or (
        by_client or 0
    ) >= throttle.max_failures * CLIENT_FAILURE_FACTOR:
        raise TooManyRequests(
            "too many failed sign-ins; wait a few minutes and try again",
            retry_after_seconds=int(throttle.window.total_seconds()),
        )
    user = session.scalar(select(User).where(User.username == username))
    valid = credentials.verify_password(user.password_hash if user else None, password)
    if user is None or not valid or not user.is_active:
        session.add(LoginAttempt(username=username[:254], client=client[:64]))
        raise AuthenticationRequired("wrong user name or password")
    return user


def start_session(session: Session, user: User, *, hours: int) -> str:
    raw = credentials.new_secret()
    session.add(
        BrowserSession(
            token_hash=credentials.digest(raw),
            user_id=user.id,
            expires_at=utcnow() + timedelta(hours=hours),
        )
    )
    return raw


def session_principal(session: Session, raw: str) -> tuple[Principal, str] | None:
    """The principal behind a session cookie, and the session's hash (for its CSRF token)."""
    token_hash = credentials.digest(raw)
    row = session.execute(
        select(BrowserSession, User)
        .join(User, User.id == BrowserSession.user_id)
        .where(BrowserSession.token_hash == token_hash)
    ).first()
    if row is None:
        return None
    browser_session, user = row
    if browser_session.expires_at <= utcnow() or not user.is_active:
        return None
    return principal_of(user), token_hash


def end_session(session: Session, raw: str) -> None:
    row = session.scalar(
        select(BrowserSession).where(BrowserSession.token_hash == credentials.digest(raw))
    )
    if row is not None:
        session.delete(row)


# --- API tokens ------------------------------------------------------------------------------


def create_token(
    session: Session, principal: Principal, data: TokenCreate, *, project_id: int | None
) -> TokenCreated:
    if principal.narrowed:
        raise PermissionDenied("a scoped token cannot create tokens; sign in or use a full token")
    public_id = credentials.new_secret(6)[:8].replace("-", "x").replace("_", "y")
    secret = credentials.new_secret(32)
    expires_at = utcnow() + timedelta(days=data.expires_in_days) if data.expires_in_days else None
    token = ApiToken(
        public_id=public_id,
        secret_hash=credentials.digest(secret),
        user_id=principal.user_id,
        name=data.name,
        project_id=project_id,
        role_ceiling=data.role_ceiling,
        expires_at=expires_at,
    )
    session.add(token)
    session.flush()
    events.append(
        session,
        type="token.created",
        actor=principal.username,
        payload={
            "token_id": token.id,
            "name": token.name,
            "project": data.project,
            "role_ceiling": data.role_ceiling,
        },
    )
    return TokenCreated(
        **_token_public(token, data.project).model_dump(),
        token=f"{TOKEN_PREFIX}_{public_id}_{secret}",
    )


def token_principal(session: Session, raw: str) -> Principal | None:
    parts = raw.split("_", 2)
    if len(parts) != 3 or parts[0] != TOKEN_PREFIX:
        return None
    row = session.execute(
        select(ApiToken, User)
        .join(User, User.id == ApiToken.user_id)
        .where(ApiToken.public_id == parts[1])
    ).first()
    if row is None:
        return None
    token, user = row
    now = utcnow()
    if (
        not credentials.same(token.secret_hash, credentials.digest(parts[2]))
        or token.revoked_at is not None
        or (token.expires_at is not None and token.expires_at <= now)
        or not user.is_active
    ):
        return None
    if token.last_used_at is None or now - token.last_used_at > LAST_USED_RESOLUTION:
        token.last_used_at = now
    return Principal(
        user_id=user.id,
        username=user.username,
        is_admin=user.is_admin,
        token_project_id=token.project_id,
        role_ceiling=token.role_ceiling,
    )


def list_tokens(session: Session, principal: Principal) -> list[TokenPublic]:
    from mlcontinuum.kernel.auth.models import Project

    rows = session.execute(
        select(ApiToken, Project.slug)
        .outerjoin(Project, Project.id == ApiToken.project_id)
        .where(ApiToken.user_id == principal.user_id)
        .order_by(ApiToken.id)
    ).all()
    return [_token_public(token, slug) for token, slug in rows]


def revoke_token(session: Session, principal: Principal, token_id: int) -> TokenPublic:
    token = session.scalar(
        select(ApiToken).where(ApiToken.id == token_id, ApiToken.user_id == principal.user_id)
    )
    if token is None:
        raise NotFound(f"no token {token_id} of yours")
    if token.revoked_at is None:
        token.revoked_at = utcnow()
        events.append(
            session,
            type="token.revoked",
            actor=principal.username,
            payload={"token_id": token.id, "name": token.name},
        )
    return _token_public(token, None)


def _token_public(token: ApiToken, project_slug: str | None) -> TokenPublic:
    return TokenPublic(
        id=token.id,
        name=token.name,
        project=project_slug,
        role_ceiling=token.role_ceiling,
        created_at=token.created_at,
        expires_at=token.expires_at,
        revoked_at=token.revoked_at,
        last_used_at=token.last_used_at,
    )


# --- memberships -----------------------------------------------------------------------------


def role_in(session: Session, user_id: int, project_id: int) -> Role | None:
    return session.scalar(
        select(Membership.role).where(
            Membership.user_id == user_id, Membership.project_id == project_id
        )
    )


def set_membership(
    session: Session, *, project_id: int, user: User, role: Role, actor: str
) -> Membership:
    member = session.scalar(
        select(Membership).where(Membership.user_id == user.id, Membership.project_id == project_id)
    )
    if member is None:
        member = Membership(project_id=project_id, user_id=user.id, role=role)
        session.add(member)
    elif member.role == role:
        return member
    else:
        _keep_an_owner(session, project_id, member, role)
        member.role = role
    session.flush()
    events.append(
        session,
        type="member.role_set",
        actor=actor,
        project_id=project_id,
        payload={"username": user.username, "role": role.value},
    )
    return member


def remove_membership(session: Session, *, project_id: int, user: User, actor: str) -> None:
    member = session.scalar(
        select(Membership).where(Membership.user_id == user.id, Membership.project_id == project_id)
    )
    if member is None:
        raise NotFound(f"'{user.username}' is not a member of this project")
    _keep_an_owner(session, project_id, member, None)
    session.delete(member)
    events.append(
        session,
        type="member.removed",
        actor=actor,
        project_id=project_id,
        payload={"username": user.username},
    )


def _keep_an_owner(
    session: Session, project_id: int, member: Membership, new_role: Role | None
) -> None:
    if member.role != Role.OWNER or new_role == Role.OWNER:
        return
    owners = session.scalar(
        select(func.count()).where(
            Membership.project_id == project_id, Membership.role == Role.OWNER
        )
    )
    if (owners or 0) <= 1:
        raise ValidationFailed(
            "a project needs at least one owner; make someone else owner first",
            [FieldProblem("role", "last_owner", "the last owner cannot step down")],
        )
