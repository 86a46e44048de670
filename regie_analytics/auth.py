"""Roles and what each may do, from the identity provider's claims or a roles file.

Three roles, in Dutch: ``bestuurder`` (every dashboard page and the presentation, small
counts always hidden, only protected downloads), ``analist`` (also exact numbers on screen)
and ``beheerder`` (also the Data page: imports, taxonomy, deleting an import, the audit log).
A role comes from a claim of the identity provider's ID token (its name is configurable:
``roles``, ``groups``, ...) or, when that claim gives none, from a roles file that maps
e-mail addresses or whole domains to roles.
"""

from __future__ import annotations

import csv
import functools
import io
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from regie_analytics.schema import InputError

BESTUURDER = "bestuurder"
ANALIST = "analist"
BEHEERDER = "beheerder"
ROLES: tuple[str, ...] = (BESTUURDER, ANALIST, BEHEERDER)
"""The roles, each allowed everything the ones before it are."""

VIEW = "bekijken"
"""Open the dashboard pages and the presentation; download protected exports."""
EXACT = "exacte aantallen"
"""See exact small counts on screen (switch "Kleine aantallen verbergen" off)."""
MANAGE = "beheren"
"""The Data page: import, change the taxonomy, delete an import, read the audit log."""

PERMISSIONS: dict[str, frozenset[str]] = {
    BESTUURDER: frozenset({VIEW}),
    ANALIST: frozenset({VIEW, EXACT}),
    BEHEERDER: frozenset({VIEW, EXACT, MANAGE}),
}

DEFAULT_CONTACT = "de functioneel beheerder van Regie Analytics in uw organisatie"
EMAIL_CLAIMS: tuple[str, ...] = ("email", "preferred_username", "upn")
"""Claims that may hold the user's e-mail address, in the order they are tried."""


def may(role: str | None, permission: str) -> bool:
    """Whether ``role`` (None: no role) has ``permission``."""
    return role is not None and permission in PERMISSIONS.get(role, frozenset())


def highest(roles: Iterable[str]) -> str | None:
    """The role with the most rights among ``roles`` (None when there is none)."""
    ranked = [r for r in ROLES if r in set(roles)]
    return ranked[-1] if ranked else None


@dataclass(frozen=True)
class RolesFile:
    """E-mail addresses and domains mapped to roles (see :func:`load_roles_file`)."""

    addresses: Mapping[str, str] = field(default_factory=dict)
    domains: Mapping[str, str] = field(default_factory=dict)

    def role_of(self, email: str) -> str | None:
        """The role of an e-mail address: the address itself, else its domain or the
        nearest parent domain (``a@wijk.gemeente.nl`` matches ``gemeente.nl``)."""
        email = email.strip().lower()
        if email in self.addresses:
            return self.addresses[email]
        _, _, domain = email.rpartition("@")
        while domain:
            if domain in self.domains:
                return self.domains[domain]
            _, _, domain = domain.partition(".")
        return None


def parse_roles_file(text: str, *, name: str = "rollen.csv") -> RolesFile:
    """Read a roles file: a CSV (``,`` or ``;``) with the columns ``account`` and ``role``.

    ``account`` is an e-mail address (``a.jansen@gemeente.nl``) or a domain (``gemeente.nl``
    or ``@gemeente.nl``: everyone with an address there); ``role`` is ``bestuurder``,
    ``analist`` or ``beheerder``. Lines starting with ``#`` are comments.
    """
    rows = [line for line in text.splitlines() if line.strip() and not line.startswith("#")]
    if not rows:
        raise InputError("het rollenbestand is leeg.", file=name, hint=_FILE_HINT)
    delimiter = ";" if rows[0].count(";") > rows[0].count(",") else ","
    reader = csv.reader(io.StringIO("\n".join(rows)), delimiter=delimiter)
    header = [h.strip().lower() for h in next(reader)]
    if "account" not in header or "role" not in header:
        raise InputError(
            "de kolommen 'account' en 'role' ontbreken.", file=name, row=1, hint=_FILE_HINT
        )
    at_account, at_role = header.index("account"), header.index("role")
    addresses: dict[str, str] = {}
    domains: dict[str, str] = {}
    for number, values in enumerate(reader, start=2):
        account = values[at_account].strip().lower() if len(values) > at_account else ""
        role = values[at_role].strip().lower() if len(values) > at_role else ""
        if not _valid_account(account):
            raise InputError(
                f"'{account}' is geen e-mailadres of domein.",
                file=name,
                row=number,
                column="account",
                hint=_FILE_HINT,
            )
        if role not in ROLES:
            raise InputError(
                f"onbekende rol '{role}'.",
                file=name,
                row=number,
                column="role",
                hint="gebruik bestuurder, analist of beheerder.",
            )
        if "@" in account.lstrip("@"):
            addresses[account] = role
        else:
            domains[account.lstrip("@")] = role
    return RolesFile(addresses=addresses, domains=domains)


def _valid_account(account: str) -> bool:
    """An e-mail address (one ``@`` inside) or a domain (``gemeente.nl``, ``@gemeente.nl``)."""
    local, at, domain = account.removeprefix("@").rpartition("@")
    if at and not local:
        return False
    return "." in domain and " " not in account and "@" not in local and not domain.startswith(".")


_FILE_HINT = (
    "zet op de eerste regel 'account,role' en daaronder per regel een e-mailadres of domein "
    "en een rol, bijv. 'a.jansen@gemeente.nl,beheerder' of '@gemeente.nl,bestuurder'."
)


def load_roles_file(path: str | Path) -> RolesFile:
    """Read a roles file from disk (see :func:`parse_roles_file`); read again only when the
    file changes, so every page run can ask for it."""
    path = Path(path)
    try:
        stat = path.stat()
        return _read_roles_file(str(path), stat.st_mtime_ns, stat.st_size)
    except OSError as exc:
        raise InputError(
            "het rollenbestand kan niet worden gelezen.",
            file=path,
            hint="controleer het pad onder [roles] file in secrets.toml.",
        ) from exc


@functools.lru_cache(maxsize=8)
def _read_roles_file(path: str, mtime_ns: int, size: int) -> RolesFile:
    return parse_roles_file(Path(path).read_text(encoding="utf-8-sig"), name=Path(path).name)


@dataclass(frozen=True)
class RoleSettings:
    """The ``[roles]`` section of ``.streamlit/secrets.toml``."""

    claim: str | None = "roles"
    """The ID-token claim that holds the role(s); None to use only the roles file."""
    values: Mapping[str, str] = field(default_factory=dict)
    """Claim values other than the role names themselves (e.g. Entra ID group ids)."""
    file: RolesFile | None = None
    contact: str = DEFAULT_CONTACT
    """Whom to ask for a role, on the page a user without a role sees."""


def settings_from(section: Mapping[str, Any], *, base: Path) -> RoleSettings:
    """:class:`RoleSettings` from a ``[roles]`` section (a relative ``file`` is taken
    relative to ``base``, the app's folder)."""
    values = {str(k): str(v).strip().lower() for k, v in dict(section.get("values", {})).items()}
    for value, role in values.items():
        if role not in ROLES:
            raise InputError(
                f"[roles.values] koppelt '{value}' aan de onbekende rol '{role}'.",
                file="secrets.toml",
                hint="gebruik bestuurder, analist of beheerder.",
            )
    file = None
    if section.get("file"):
        path = Path(str(section["file"]))
        file = load_roles_file(path if path.is_absolute() else base / path)
    claim = str(section.get("claim", "roles")).strip() or None
    return RoleSettings(
        claim=claim,
        values=values,
        file=file,
        contact=str(section.get("contact") or DEFAULT_CONTACT),
    )


def email_of(claims: Mapping[str, Any]) -> str | None:
    """The user's e-mail address from the ID token's claims, if it has one."""
    for name in EMAIL_CLAIMS:
        value = claims.get(name)
        if isinstance(value, str) and "@" in value:
            return value.strip().lower()
    return None


def role_of(claims: Mapping[str, Any], settings: RoleSettings) -> str | None:
    """The user's role: from the configured claim (the highest role it names), else from
    the roles file by e-mail address or domain; None when neither gives one."""
    found: list[str] = []
    if settings.claim:
        value = claims.get(settings.claim)
        items = [value] if isinstance(value, str) else value if isinstance(value, list) else []
        for item in items:
            text = str(item).strip()
            role = text.lower() if text.lower() in ROLES else settings.values.get(text)
            if role is not None:
                found.append(role)
    if found:
        return highest(found)
    email = email_of(claims)
    if settings.file is not None and email is not None:
        return settings.file.role_of(email)
    return None
