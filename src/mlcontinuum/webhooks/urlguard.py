"""Where a webhook may send: http(s) URLs whose every resolved address is public.

Loopback, link-local, private, shared (carrier-grade NAT), unspecified, multicast and reserved
addresses are refused, including IPv6 forms that lead to an IPv4 address (IPv4-mapped
`::ffff:a.b.c.d`, 6to4 `2002::/16`, NAT64 `64:ff9b::/96`), unless the address lies in a network
the operator allowed (`webhook_allowed_networks`).

A URL is checked twice: when it is saved, statically (scheme, no credentials, a host, and an
IP literal or `localhost` name against the rules), and before every request, after DNS
resolution — including each redirect target. The request then goes to the address that was
checked, never to a fresh resolution of the name, so a DNS answer that changes between check and
connect (DNS rebinding) cannot lead the request inside (see `Target`).
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import httpx

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network
# (host, port) -> the addresses it resolves to. Injectable: tests cannot rely on DNS.
Resolver = Callable[[str, int], Sequence[str]]

SCHEMES = ("http", "https")
_NAT64 = ipaddress.IPv6Network("64:ff9b::/96")
_SHARED = ipaddress.IPv4Network("100.64.0.0/10")


def system_resolver(host: str, port: int) -> list[str]:
    """Every address the system resolver gives for `host` (socket.getaddrinfo)."""
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return list(dict.fromkeys(str(info[4][0]) for info in infos))


class BadUrl(ValueError):
    """The URL itself is unusable: not http(s), no host, credentials in it."""


class Refused(Exception):
    """The URL leads to an address webhooks may not reach. Retrying cannot help."""

    def __init__(self, host: str, address: IPAddress, reason: str) -> None:
        self.host, self.address, self.reason = host, address, reason
        shown = shown_address(address)
        where = shown if host in (shown, str(address)) else f"{host} ({shown})"
        super().__init__(f"{where} refused ({reason})")


def shown_address(address: IPAddress) -> str:
    """As people write it: `::ffff:127.0.0.1`, not `::ffff:7f00:1`."""
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return f"::ffff:{address.ipv4_mapped}"
    return str(address)


class Unresolvable(Exception):
    """DNS gave no address (now): worth retrying later."""


def parse_networks(values: Sequence[str]) -> list[IPNetwork]:
    return [ipaddress.ip_network(value, strict=False) for value in values]


def parse(url: str) -> httpx.URL:
    """The URL, if its shape is acceptable for a webhook; BadUrl saying what is wrong."""
    if any(ch.isspace() or ord(ch) < 32 for ch in url):
        raise BadUrl("the URL contains spaces or control characters")
    try:
        parsed = httpx.URL(url)
    except httpx.InvalidURL as err:
        raise BadUrl(f"not a valid URL: {err}") from err
    if parsed.scheme not in SCHEMES:
        shown = parsed.scheme or "none"
        raise BadUrl(f"only http and https URLs can receive webhooks, not {shown}")
    if not parsed.raw_host:
        raise BadUrl("the URL has no host")
    if parsed.userinfo:
        raise BadUrl(
            "credentials in the URL are refused: they would be stored and shown in clear; the "
            "receiver should check the signature instead"
        )
    return parsed


def _embedded_ipv4(address: IPAddress) -> ipaddress.IPv4Address | None:
    """The IPv4 address an IPv6 address really leads to, for the forms that carry one."""
    if not isinstance(address, ipaddress.IPv6Address):
        return None
    if address.ipv4_mapped is not None:
        return address.ipv4_mapped
    if address.sixtofour is not None:
        return address.sixtofour
    if address in _NAT64:
        return ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    return None


def reason_refused(address: IPAddress) -> str | None:
    """Why webhooks may not reach `address` ("loopback", "private", ...), or None if public.

    `is_global` alone will not do: multicast, 6to4 and NAT64 addresses count as global, and
    `::ffff:127.0.0.1` is not `is_loopback`; so embedded IPv4 addresses are judged themselves.
    """
    embedded = _embedded_ipv4(address)
    if embedded is not None:
        return reason_refused(embedded)
    checks = (
        (address.is_unspecified, "unspecified"),
        (address.is_loopback, "loopback"),
        (address.is_link_local, "link-local"),
        (address.is_multicast, "multicast"),
        (address.is_reserved, "reserved"),
        (address.is_private, "private"),
        (isinstance(address, ipaddress.IPv4Address) and address in _SHARED, "shared"),
        (not address.is_global, "not public"),
    )
    return next((reason for refused, reason in checks if refused), None)


def _allowed(address: IPAddress, allowed: Sequence[IPNetwork]) -> bool:
    candidates = [address]
    embedded = _embedded_ipv4(address)
    if embedded is not None:
        candidates.append(embedded)
    return any(
        candidate in network
        for candidate in candidates
        for network in allowed
        if candidate.version == network.version
    )


def check_address(host: str, address: IPAddress, allowed: Sequence[IPNetwork]) -> None:
    """Refused if `address` is not public and not in an allowed network."""
    if _allowed(address, allowed):
        return
    reason = reason_refused(address)
    if reason is not None:
        raise Refused(host, address, reason)


def _literal(host: str) -> IPAddress | None:
    """`host` as an address, if it is one — including legacy IPv4 spellings such as `127.1` or
    `2130706433`, which resolvers accept. AI_NUMERICHOST guarantees no DNS query."""
    try:
        return ipaddress.ip_address(host)
    except ValueError:
        pass
    try:
        infos = socket.getaddrinfo(host, None, flags=socket.AI_NUMERICHOST)
    except (socket.gaierror, UnicodeError, ValueError):
        return None
    return ipaddress.ip_address(str(infos[0][4][0])) if infos else None


def check_static(url: str, allowed: Sequence[IPNetwork]) -> httpx.URL:
    """What can be known without DNS: the URL's shape, and its host if that is an IP address
    or a `localhost` name (RFC 6761: always loopback). BadUrl or Refused."""
    parsed = parse(url)
    host = parsed.raw_host.decode("ascii")
    address = _literal(host)
    if address is None and (host == "localhost" or host.endswith(".localhost")):
        address = ipaddress.IPv4Address("127.0.0.1")
    if address is not None:
        check_address(host, address, allowed)
    return parsed


@dataclass(frozen=True)
class Target:
    """A checked URL and the address to connect to.

    httpx has no hook to pin a name to an address, but it supports connecting to an explicit
    IP: the request URL carries the checked address, the `Host` header the original host, and
    the `sni_hostname` request extension (httpx docs, "Request Extensions") makes httpcore use
    the original host for TLS SNI and certificate verification. So the connection reaches
    exactly the checked address, and TLS still proves it is the named host.
    """

    url: httpx.URL
    address: IPAddress

    @property
    def host(self) -> str:
        return self.url.raw_host.decode("ascii")

    @property
    def connect_url(self) -> httpx.URL:
        return self.url.copy_with(host=str(self.address))

    @property
    def host_header(self) -> str:
        return self.url.netloc.decode("ascii")

    @property
    def extensions(self) -> dict[str, str]:
        if self.url.scheme == "https" and _literal(self.host) is None:
            return {"sni_hostname": self.host}
        return {}


def resolve(url: httpx.URL, allowed: Sequence[IPNetwork], resolver: Resolver) -> Target:
    """Resolve the URL's host and check every address it gives (one bad address is enough to
    refuse: a resolver may hand out any of them). Refused or Unresolvable."""
    host = url.raw_host.decode("ascii")
    literal = _literal(host)
    if literal is not None:
        check_address(host, literal, allowed)
        return Target(url, literal)
    port = url.port or (443 if url.scheme == "https" else 80)
    try:
        answers = resolver(host, port)
    except (OSError, UnicodeError) as err:
        raise Unresolvable(f"{host} could not be resolved: {err}") from err
    addresses: list[IPAddress] = []
    for answer in answers:
        try:
            addresses.append(ipaddress.ip_address(answer))
        except ValueError as err:
            raise Unresolvable(f"{host} resolved to '{answer}', not an address") from err
    if not addresses:
        raise Unresolvable(f"{host} resolved to no address")
    for address in addresses:
        check_address(host, address, allowed)
    return Target(url, addresses[0])


def redact(url: str) -> str:
    """The URL's origin, with any path or query hidden: some receivers (Slack's among them)
    put their own secret in the path."""
    try:
        parsed = httpx.URL(url)
    except httpx.InvalidURL:
        return "(invalid URL)"
    origin = f"{parsed.scheme}://{parsed.netloc.decode('ascii')}"
    hidden = parsed.raw_path not in (b"", b"/")
    return origin + ("/…" if hidden else "/")
