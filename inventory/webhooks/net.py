"""Where a webhook may point, checked when it is registered and again on every connection.

A receiver URL must be http(s) and resolve only to public addresses: private, loopback,
link-local, unspecified, multicast and reserved ranges are refused (SSRF: a dealer must not
make this server call its own network or a cloud metadata endpoint), unless the operator
allows private receivers (`WEBHOOKS_ALLOW_PRIVATE=1`, for a plant-internal deployment or tests).

Checking at registration is not enough: a name may resolve elsewhere later (DNS rebinding). The
sending connection therefore resolves the name itself, refuses if any address is not allowed,
and connects to the address it checked - the check and the connect see the same address.
Redirects are never followed and environment proxies are ignored.
"""
from __future__ import annotations

import functools
import ipaddress
import socket
from urllib.parse import urlsplit

import requests
from requests.adapters import HTTPAdapter
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool
from urllib3.exceptions import ConnectTimeoutError, NameResolutionError, NewConnectionError
from urllib3.util import connection as urllib3_connection

from ..errors import InvalidInput

MAX_URL = 2048
SCHEMES = ("http", "https")


class Refused(Exception):
    """The receiver's address is not one this server may call."""


def address_allowed(address: str) -> bool:
    """Public unicast only: an IPv4-mapped IPv6 address is judged as the IPv4 it carries."""
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return ip.is_global and not (ip.is_multicast or ip.is_private or ip.is_loopback or ip.is_link_local
                                 or ip.is_reserved or ip.is_unspecified)


def resolve(host: str, port: int) -> list[str]:
    """Every address the name resolves to (an IP literal resolves to itself)."""
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return list(dict.fromkeys(info[4][0] for info in infos))


def checked_addresses(host: str, port: int, *, allow_private: bool) -> list[str]:
    """The addresses to connect to, or Refused when any of them is not allowed (a name with one
    private address among public ones is refused: the resolver may hand out either)."""
    try:
        addresses = resolve(host, port)
    except (socket.gaierror, UnicodeError) as exc:
        raise Refused(f"{host} does not resolve") from exc
    if not addresses:
        raise Refused(f"{host} does not resolve")
    if not allow_private:
        bad = [a for a in addresses if not address_allowed(a)]
        if bad:
            raise Refused(f"{host} resolves to a private, loopback, link-local or reserved address ({bad[0]})")
    return addresses


def check_url(url: str, *, allow_private: bool) -> str:
    """A registrable receiver URL, or InvalidInput (422) saying what is wrong with it."""
    def bad(message: str, code: str) -> InvalidInput:
        return InvalidInput(message, code=code, field="url")

    if not isinstance(url, str) or not url or len(url) > MAX_URL:
        raise bad(f"url must be 1-{MAX_URL} characters", "webhook.url_length")
    if any(ch.isspace() or ord(ch) < 32 for ch in url):
        raise bad("url must not contain spaces or control characters", "webhook.url_characters")
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:
        raise bad(f"url is not a valid URL: {exc}", "webhook.url_invalid") from exc
    if parts.scheme.lower() not in SCHEMES:
        raise bad("url must be http:// or https://", "webhook.url_scheme")
    if not parts.hostname:
        raise bad("url must name a host", "webhook.url_no_host")
    if parts.username is not None or parts.password is not None:
        raise bad("url must not carry a user name or password; sign with the secret instead", "webhook.url_credentials")
    if parts.fragment:
        raise bad("url must not have a #fragment", "webhook.url_fragment")
    try:
        checked_addresses(parts.hostname, port or (443 if parts.scheme.lower() == "https" else 80),
                          allow_private=allow_private)
    except Refused as exc:
        raise bad(f"url refused: {exc}", "webhook.url_refused") from exc
    return url


class _GuardedConnectionMixin:
    """urllib3 connection that resolves, checks and connects to the checked address itself."""

    allow_private = False

    def _new_conn(self) -> socket.socket:
        host = self._dns_host.rstrip(".")
        try:
            addresses = checked_addresses(host, self.port, allow_private=self.allow_private)
        except Refused as exc:
            raise NewConnectionError(self, f"refused: {exc}") from exc
        error: OSError | None = None
        for address in addresses:
            try:
                return urllib3_connection.create_connection((address, self.port), self.timeout,
                                                            source_address=self.source_address,
                                                            socket_options=self.socket_options)
            except socket.timeout as exc:
                raise ConnectTimeoutError(self, f"connection to {host} timed out") from exc
            except OSError as exc:
                error = exc
        if isinstance(error, socket.gaierror):
            raise NameResolutionError(host, self, error)
        raise NewConnectionError(self, f"failed to connect to {host}: {error}")


@functools.lru_cache(maxsize=2)
def _pools(allow_private: bool) -> dict:
    http_conn = type("GuardedHTTPConnection", (_GuardedConnectionMixin, HTTPConnection), {"allow_private": allow_private})
    https_conn = type("GuardedHTTPSConnection", (_GuardedConnectionMixin, HTTPSConnection),
                      {"allow_private": allow_private})
    return {"http": type("GuardedHTTPPool", (HTTPConnectionPool,), {"ConnectionCls": http_conn}),
            "https": type("GuardedHTTPSPool", (HTTPSConnectionPool,), {"ConnectionCls": https_conn})}


class GuardedAdapter(HTTPAdapter):
    """A requests adapter whose every connection passes `checked_addresses`."""

    def __init__(self, *, allow_private: bool):
        self._allow_private = allow_private
        super().__init__(max_retries=0)

    def init_poolmanager(self, *args, **kwargs):
        super().init_poolmanager(*args, **kwargs)
        self.poolmanager.pool_classes_by_scheme = _pools(self._allow_private)


def guarded_session(*, allow_private: bool) -> requests.Session:
    """A requests session that only reaches allowed addresses, ignores proxy settings from the
    environment (a proxy would hide the real destination) and retries nothing itself."""
    session = requests.Session()
    session.trust_env = False
    adapter = GuardedAdapter(allow_private=allow_private)
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    return session
