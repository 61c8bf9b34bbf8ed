"""One delivery attempt over HTTP: POST to a checked address, follow redirects by hand.

Redirects are never followed by httpx: each target (301, 302, 303, 307, 308; at most
MAX_REDIRECTS) is checked like the first URL — scheme, credentials, every resolved address — and
the same signed POST is sent to it. A redirect from https to http is refused (it would send the
body in clear). Failures are returned as an `Outcome`, never raised.
"""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import httpx

from mlcontinuum.webhooks import urlguard

MAX_REDIRECTS = 3
REDIRECTS = frozenset({301, 302, 303, 307, 308})
SNIPPET_BYTES = 512


@dataclass(frozen=True)
class Outcome:
    status_code: int | None
    error: str
    duration_ms: int
    # Retrying cannot help (a refused address, a redirect to a bad URL): fail the delivery now.
    final: bool = False

    @property
    def ok(self) -> bool:
        return not self.error and self.status_code is not None and 200 <= self.status_code < 300


def new_client(timeout_seconds: float) -> httpx.Client:
    """One client per worker pass. No keep-alive: a pooled connection is keyed by the IP it
    reached, and reusing one verified for host A to send host B's request would skip B's
    certificate check. `trust_env=False`: proxy variables must not route around the checks."""
    return httpx.Client(
        timeout=httpx.Timeout(timeout_seconds),
        follow_redirects=False,
        trust_env=False,
        limits=httpx.Limits(max_keepalive_connections=0),
    )


def post(
    client: httpx.Client,
    url: str,
    body: bytes,
    headers: Mapping[str, str],
    *,
    allowed: Sequence[urlguard.IPNetwork],
    resolver: urlguard.Resolver,
) -> Outcome:
    started = time.monotonic()

    def done(status_code: int | None, error: str, final: bool = False) -> Outcome:
        duration_ms = round((time.monotonic() - started) * 1000)
        return Outcome(status_code, error, duration_ms, final)

    current = url
    previous: httpx.URL | None = None
    for hop in range(MAX_REDIRECTS + 1):
        prefix = "" if previous is None else "redirect to "
        try:
            parsed = urlguard.parse(current)
            if previous is not None and previous.scheme == "https" and parsed.scheme == "http":
                shown = urlguard.redact(current)
                return done(None, f"redirect to {shown} refused (https to http)", final=True)
            target = urlguard.resolve(parsed, allowed, resolver)
        except urlguard.BadUrl as err:
            return done(None, f"{prefix}{urlguard.redact(current)} refused: {err}", final=True)
        except urlguard.Refused as err:
            return done(None, f"{prefix}{err}", final=True)
        except urlguard.Unresolvable as err:
            return done(None, f"{prefix}{err}")
        request = client.build_request(
            "POST",
            target.connect_url,
            content=body,
            headers={**headers, "Host": target.host_header},
            extensions=target.extensions,
        )
        try:
            response = client.send(request, stream=True)
        except httpx.TimeoutException:
            return done(None, f"{prefix}{target.host_header}: no answer within the time limit")
        except httpx.HTTPError as err:
            return done(None, f"{prefix}{target.host_header}: {type(err).__name__}: {err}")
        try:
            code = response.status_code
            if code in REDIRECTS:
                location = response.headers.get("location")
                if not location:
                    return done(code, f"HTTP {code} redirect without a Location header")
                if hop == MAX_REDIRECTS:
                    return done(code, f"more than {MAX_REDIRECTS} redirects")
                try:
                    current = str(parsed.join(location))
                except httpx.InvalidURL as err:
                    return done(code, f"redirect to an invalid URL: {err}", final=True)
                previous = parsed
                continue
            if 200 <= code < 300:
                return done(code, "")
            return done(code, f"HTTP {code}{_snippet(response)}")
        finally:
            response.close()
    raise AssertionError("unreachable: the loop returns on its last hop")


def _snippet(response: httpx.Response) -> str:
    """The start of an error answer, to show why the receiver refused; never the whole body."""
    read = b""
    try:
        for chunk in response.iter_bytes():
            read += chunk
            if len(read) >= SNIPPET_BYTES:
                break
    except httpx.HTTPError:
        pass
    text = " ".join(read[:SNIPPET_BYTES].decode("utf-8", errors="replace").split())
    return f": {text[:200]}" if text else ""
