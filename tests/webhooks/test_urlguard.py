"""The address rules on their own: every internal form is refused with its reason, public
addresses pass, allowed networks open exactly what they name, and resolution is checked."""

from __future__ import annotations

import ipaddress

import httpx
import pytest

from mlcontinuum.webhooks import urlguard

REFUSED = [
    ("127.0.0.1", "loopback"),
    ("127.255.0.9", "loopback"),
    ("::1", "loopback"),
    ("::ffff:127.0.0.1", "loopback"),  # IPv4-mapped: not `is_loopback` in Python 3.11
    ("2002:7f00:1::", "loopback"),  # 6to4 wrapping 127.0.0.1, which counts as "global"
    ("0.0.0.0", "unspecified"),  # noqa: S104 (an address to refuse, not to bind)
    ("::", "unspecified"),
    ("169.254.169.254", "link-local"),  # cloud metadata
    ("fe80::1", "link-local"),
    ("10.0.0.5", "private"),
    ("172.16.3.4", "private"),
    ("192.168.1.1", "private"),
    ("fc00::1", "private"),
    ("fd12:3456::1", "private"),
    ("::ffff:10.0.0.5", "private"),
    ("64:ff9b::a00:5", "private"),  # NAT64 of 10.0.0.5
    ("100.64.0.1", "shared"),  # carrier-grade NAT: neither private nor global
    ("224.0.0.1", "multicast"),  # multicast counts as "global" in Python
    ("ff02::1", "multicast"),
    ("240.0.0.1", "reserved"),
    ("255.255.255.255", "reserved"),
    ("192.0.2.1", "private"),  # documentation range
]
PUBLIC = ["93.184.216.34", "2606:4700:4700::1111", "::ffff:93.184.216.34", "2002:5db8:d822::"]


@pytest.mark.parametrize(("address", "reason"), REFUSED)
def test_internal_addresses_are_refused_with_their_reason(address: str, reason: str) -> None:
    assert urlguard.reason_refused(ipaddress.ip_address(address)) == reason
    with pytest.raises(urlguard.Refused, match=rf"refused \({reason}\)"):
        urlguard.check_address(address, ipaddress.ip_address(address), [])


@pytest.mark.parametrize("address", PUBLIC)
def test_public_addresses_pass(address: str) -> None:
    assert urlguard.reason_refused(ipaddress.ip_address(address)) is None
    urlguard.check_address(address, ipaddress.ip_address(address), [])


def test_allowed_networks_open_exactly_what_they_name() -> None:
    loopback = urlguard.parse_networks(["127.0.0.1/32"])
    urlguard.check_address("a", ipaddress.ip_address("127.0.0.1"), loopback)
    urlguard.check_address("a", ipaddress.ip_address("::ffff:127.0.0.1"), loopback)
    with pytest.raises(urlguard.Refused, match=r"127\.0\.0\.2 refused \(loopback\)"):
        urlguard.check_address("127.0.0.2", ipaddress.ip_address("127.0.0.2"), loopback)
    with pytest.raises(urlguard.Refused, match="link-local"):
        urlguard.check_address("x", ipaddress.ip_address("169.254.169.254"), loopback)


@pytest.mark.parametrize(
    "url",
    [
        "http://127.1/",
        "http://2130706433/",
        "http://0x7f.0.0.1/",
        "http://[::ffff:7f00:1]/",
        "http://localhost:8000/",
        "http://api.localhost/",
        "https://[fe80::1]/",
    ],
)
def test_static_check_sees_through_literal_spellings(url: str) -> None:
    with pytest.raises(urlguard.Refused):
        urlguard.check_static(url, [])


@pytest.mark.parametrize(
    ("url", "problem"),
    [
        ("ftp://example.com/", "only http and https"),
        ("file:///etc/passwd", "only http and https"),
        ("example.com/hook", "only http and https"),
        ("https://u:p@example.com/", "credentials"),
        ("https://u@example.com/", "credentials"),
        ("http:///path", "no host"),
        ("http://exa mple.com/", "spaces"),
        ("http://example.com/\n", "control characters"),
        ("http://[::1/", "not a valid URL"),
    ],
)
def test_unusable_urls_say_why(url: str, problem: str) -> None:
    with pytest.raises(urlguard.BadUrl, match=problem):
        urlguard.check_static(url, [])


def test_a_name_passes_the_static_check_and_is_resolved_later() -> None:
    parsed = urlguard.check_static("https://hooks.example.com/x", [])
    assert parsed.host == "hooks.example.com"


def test_resolution_pins_the_checked_address() -> None:
    url = httpx.URL("https://hooks.example.com:8443/x?y=1")
    target = urlguard.resolve(url, [], lambda host, port: ["93.184.216.34", "93.184.216.35"])
    assert str(target.connect_url) == "https://93.184.216.34:8443/x?y=1"
    assert target.host_header == "hooks.example.com:8443"
    assert target.extensions == {"sni_hostname": "hooks.example.com"}
    v6 = urlguard.resolve(
        httpx.URL("http://hooks.example.com/"), [], lambda host, port: ["2606:4700::1"]
    )
    assert str(v6.connect_url) == "http://[2606:4700::1]/"
    assert v6.extensions == {}  # plain http: no TLS name to give


def test_resolution_problems() -> None:
    url = httpx.URL("https://hooks.example.com/")
    with pytest.raises(urlguard.Refused, match=r"hooks\.example\.com \(10\.0\.0\.5\)"):
        urlguard.resolve(url, [], lambda host, port: ["93.184.216.34", "10.0.0.5"])
    with pytest.raises(urlguard.Unresolvable, match="no address"):
        urlguard.resolve(url, [], lambda host, port: [])

    def broken(host: str, port: int) -> list[str]:
        raise OSError("Name or service not known")

    with pytest.raises(urlguard.Unresolvable, match="could not be resolved"):
        urlguard.resolve(url, [], broken)


def test_redact_keeps_the_origin_only() -> None:
    assert urlguard.redact("https://hooks.slack.com/services/T/B/secret") == (
        "https://hooks.slack.com/…"
    )
    assert urlguard.redact("http://example.com:8080/?token=x") == "http://example.com:8080/…"
    assert urlguard.redact("https://example.com") == "https://example.com/"
