"""Which addresses the crawler may connect to, checked after DNS resolution.

A crawler that follows links and redirects must not become a way into the networks it runs
in (cloud metadata at 169.254.169.254, admin pages on 10.x, services on localhost). Every
URL's host is resolved and classified before any request (policy files included), and the
resolver handed to the HTTP client drops refused addresses again at connect time, so a DNS
answer that changes between check and connect (rebinding) cannot get through either.

`allow_private` (for local test sites) admits loopback and private ranges; link-local,
multicast and reserved addresses stay refused: no web site lives there.
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from typing import Any

from aiohttp.abc import ResolveResult
from aiohttp.resolver import ThreadedResolver

ALLOWED_WITH_FLAG = ("loopback", "private")

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


class RefusedAddress(OSError):
    """Raised instead of connecting; `signal` names the class, e.g. `private_address`."""

    def __init__(self, host: str, address: str, kind: str) -> None:
        super().__init__(f"{host} resolves to {address} ({kind.replace('_', '-')} address)")
        self.signal = f"{kind}_address"
        self.address = address


def address_class(ip: IPAddress) -> str | None:
    """None for a public address, else what it is (checked most specific first)."""
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    if ip.is_multicast:
        return "multicast"
    if ip.is_link_local:
        return "link_local"
    if ip.is_loopback:  # before `reserved`: ::1 lies in a reserved IPv6 block
        return "loopback"
    if ip.is_unspecified or ip.is_reserved:
        return "reserved"
    if ip.is_private or not ip.is_global:
        return "private"
    return None


def refusal(address: str, allow_private: bool) -> str | None:
    """The class of a refused address, or None when we may connect to it."""
    kind = address_class(ipaddress.ip_address(address))  # a zone (fe80::1%eth0) is parsed
    if kind is None or (allow_private and kind in ALLOWED_WITH_FLAG):
        return None
    return kind


async def check_host(host: str, port: int, allow_private: bool) -> list[str]:
    """The host's addresses; raises RefusedAddress if any is refused (a name that also
    points inside is not trusted), OSError if it does not resolve."""
    try:
        addresses = [str(ipaddress.ip_address(host.strip("[]")))]
    except ValueError:
        infos = await asyncio.get_running_loop().getaddrinfo(host, port, type=socket.SOCK_STREAM)
        addresses = sorted({str(info[4][0]) for info in infos})
    for address in addresses:
        if kind := refusal(address, allow_private):
            raise RefusedAddress(host, address, kind)
    return addresses


class GuardedResolver(ThreadedResolver):
    """aiohttp's resolver, minus refused addresses (the connect-time half of the check)."""

    def __init__(self, allow_private: bool, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.allow_private = allow_private

    async def resolve(
        self, host: str, port: int = 0, family: socket.AddressFamily = socket.AF_INET
    ) -> list[ResolveResult]:
        results = await super().resolve(host, port, family)
        kept, refused = [], []
        for result in results:
            kind = refusal(result["host"], self.allow_private)
            if kind is None:
                kept.append(result)
            else:
                refused.append((result["host"], kind))
        if not kept:
            if not refused:
                raise OSError(f"{host} resolves to no address")
            address, kind = refused[0]
            raise RefusedAddress(host, address, kind)
        return kept
