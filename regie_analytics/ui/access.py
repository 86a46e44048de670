"""Sign-in, roles and the audit trail in the dashboard (Streamlit's ``st.login``/``st.user``).

With an ``[auth]`` section in ``.streamlit/secrets.toml`` every run starts by asking who is
signed in and what their role lets them do (:func:`visitor`, :func:`gate`), on the server,
before any page draws a number; sensitive actions ask again (:func:`require`). Without it
the dashboard runs as a single local user with every right, and says so.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import streamlit as st

from regie_analytics import audit, auth
from regie_analytics.formatting import fmt_period
from regie_analytics.schema import InputError
from regie_analytics.ui.data import store_path
from regie_analytics.ui.filters import Filters

APP_DIR = Path(__file__).resolve().parent.parent.parent
"""The folder of ``app.py``: a relative roles file in secrets.toml is taken from here."""
PAGE_PERMISSIONS: dict[str, str] = {"data": auth.MANAGE}
"""Pages that need more than :data:`auth.VIEW`, by URL path."""
LOCAL_ROLE = "lokaal"
"""The role recorded in the audit log for the dashboard without sign-in."""
UPLOAD_HINT = (
    "Een grotere export: pak hem in als zip, of importeer hem op de server met "
    "`python -m regie_analytics import`."
)


@dataclass(frozen=True)
class Visitor:
    """Who is using this session, and with which role."""

    user: str
    """The e-mail address (or subject) of the signed-in user; the OS account when local."""
    role: str | None
    signed_in: bool
    local: bool
    """No ``[auth]`` configured: a single local user with every right."""
    contact: str = auth.DEFAULT_CONTACT

    def may(self, permission: str) -> bool:
        """Whether this visitor may do ``permission`` (the local user may do everything)."""
        return self.local or auth.may(self.role, permission)

    @property
    def recorded_role(self) -> str:
        """The role as the audit log records it."""
        return LOCAL_ROLE if self.local else self.role or "geen rol"


def _section(name: str) -> Mapping[str, Any]:
    if not st.secrets.load_if_toml_exists():
        return {}
    section = st.secrets.get(name)
    return section if isinstance(section, Mapping) else {}


def visitor() -> Visitor:
    """The visitor of this run: read from ``st.user`` and the role settings every run, so
    a changed roles file or a signed-out session counts at once."""
    if not _section("auth"):
        return Visitor(user=audit.cli_user(), role=None, signed_in=False, local=True)
    settings = auth.settings_from(_section("roles"), base=APP_DIR)
    claims = st.user.to_dict()
    if not claims.get("is_logged_in"):
        return Visitor(user="", role=None, signed_in=False, local=False, contact=settings.contact)
    user = auth.email_of(claims) or str(claims.get("sub") or claims.get("name") or "onbekend")
    return Visitor(
        user=user,
        role=auth.role_of(claims, settings),
        signed_in=True,
        local=False,
        contact=settings.contact,
    )


def current() -> Visitor:
    """:func:`visitor`, or a stop with a Dutch explanation when the role settings are wrong
    (nobody gets in then: a broken roles file must not open the dashboard)."""
    try:
        return visitor()
    except InputError as exc:
        st.title("Regie Analytics")
        st.error(
            f"De instellingen voor de rollen kloppen niet, dus niemand kan het dashboard nu "
            f"openen. {exc}",
            icon=":material/error:",
        )
        st.stop()


def gate(who: Visitor, page: Any) -> None:
    """Stop this run with a Dutch page unless ``who`` may open ``page`` (an ``st.Page``):
    sign in, no role (and whom to ask), or no access to this page."""
    if who.local:
        return
    if not who.signed_in:
        _sign_in_page(shared_link=bool(page.url_path) or bool(st.query_params.to_dict()))
    elif who.role is None:
        _no_role_page(who)
    elif not who.may(PAGE_PERMISSIONS.get(page.url_path, auth.VIEW)):
        _refused_page(who, page.title)
    else:
        return
    st.stop()


def _sign_in_page(*, shared_link: bool) -> None:
    st.title("Regie Analytics")
    st.markdown("Log in met uw account van de gemeente om het dashboard te openen.")
    if shared_link:  # the identity provider returns to the start page, not to the link
        st.caption("Na het inloggen opent het overzicht; open de gedeelde link dan opnieuw.")
    if st.button("Inloggen", type="primary", icon=":material/login:"):
        st.login()


def _no_role_page(who: Visitor) -> None:
    st.title("Nog geen toegang")
    st.markdown(
        f"U bent ingelogd als **{who.user}**, maar u hebt nog geen rol in Regie Analytics. "
        f"Vraag een rol aan bij {who.contact}: **bestuurder** (het dashboard en de "
        "presentatie), **analist** (ook exacte aantallen) of **beheerder** (ook de gegevens "
        "beheren)."
    )
    _sign_out_button()


def _refused_page(who: Visitor, title: str) -> None:
    st.title("Geen toegang tot deze pagina")
    st.markdown(
        f"De pagina **{title}** is er alleen voor beheerders. U bent ingelogd als "
        f"**{who.user}** ({who.role}). Vraag {who.contact} als u deze pagina nodig hebt."
    )
    st.page_link("pages/overzicht.py", label="Naar het overzicht", icon=":material/home:")
    account(who)


def _sign_out_button() -> None:
    if st.button("Uitloggen", icon=":material/logout:", key="uitloggen"):
        st.logout()
        st.stop()  # the browser is on its way to the identity provider: draw nothing more


def account(who: Visitor) -> None:
    """The sidebar's account line: who is signed in, with which role, and sign-out; or the
    notice that this dashboard runs locally without sign-in. (A signed-in user without a
    role signs out on the page that tells them so.)"""
    if not who.local and who.role is None:
        return
    with st.sidebar:
        st.divider()
        if who.local:
            st.caption("lokaal, zonder inloggen", help="Zonder [auth] in secrets.toml.")
        else:
            st.caption(f"Ingelogd als **{who.user}** · {who.role}")
            _sign_out_button()


def require(permission: str) -> Visitor:
    """Check again, inside a sensitive action, that this run's visitor has ``permission``;
    stop with a Dutch refusal otherwise."""
    who = current()
    if not who.may(permission):
        st.error(
            "U hebt geen rechten voor deze handeling; er is niets gewijzigd.",
            icon=":material/block:",
        )
        st.stop()
    return who


def record(
    who: Visitor,
    *,
    action: str,
    details: Mapping[str, Any],
    file_hash: str | None,
    rows: int | None,
) -> None:
    """Append a record of ``who`` doing ``action`` to the dashboard store's audit log."""
    audit.record(
        store_path(),
        user=who.user,
        role=who.recorded_role,
        action=action,
        details=details,
        file_hash=file_hash,
        rows=rows,
    )


def logged(
    build: Callable[[], bytes],
    *,
    fmt: str,
    name: str,
    sel: Filters | None,
    area: str | None = None,
    rows: int | None,
) -> Callable[[], bytes]:
    """A download button's data function that appends an audit record (format, file name,
    filter, area, period, hash, rows) each time the file is built: on the click, outside the
    page run, so who clicked is taken from this run."""
    who = current()
    details: dict[str, Any] = {"formaat": fmt, "bestand": name}
    if sel is not None:
        details.update(
            filter=sel.describe(),
            gebied=area or f"alle gebieden ({sel.level})",
            periode=fmt_period(sel.start, sel.end),
        )

    def run() -> bytes:
        data = build()
        record(
            who, action=audit.EXPORT, details=details, file_hash=audit.file_hash(data), rows=rows
        )
        return data

    return run


def download(
    where: Any,
    label: str,
    build: Callable[[], bytes],
    *,
    fmt: str,
    name: str,
    mime: str,
    sel: Filters | None,
    area: str | None = None,
    rows: int | None,
    icon: str | None = None,
) -> None:
    """A download button in ``where`` (``st`` or a column) whose file is built on the click
    and recorded in the audit log (:func:`logged`), without a rerun of the page
    (``on_click="ignore"``): a rerun started by the click clears the server's queue of unsent
    messages, and when the built file's answer was still in it the button stayed disabled,
    spinning, until Streamlit's timeout (180 s)."""
    where.download_button(
        label,
        logged(build, fmt=fmt, name=name, sel=sel, area=area, rows=rows),
        name,
        mime,
        icon=icon,
        on_click="ignore",
    )


def upload_limit_mb() -> int:
    """The largest upload the server accepts, in MB (``server.maxUploadSize``)."""
    return int(st.get_option("server.maxUploadSize"))


def upload_limit_notice() -> None:
    """The upload limit in Dutch, and a Dutch message in place of Streamlit's English one
    when a file is refused (too large, or a kind the uploader does not take)."""
    limit = upload_limit_mb()
    message = (
        f"Dit bestand is niet geüpload: het is groter dan {limit} MB of het is geen CSV, "
        "Excel, Parquet, JSON/GeoJSON of zip. " + UPLOAD_HINT.replace("`", "")
    )
    st.html(
        "<style>"
        '[data-testid="stFileUploader"]:has([data-testid="stFileChip"][aria-invalid="true"])'
        "::after {"
        f'content: "{message}"; display: block; margin-top: .5rem; padding: .5rem .75rem;'
        "border-radius: .5rem; background: rgba(255, 43, 43, .09); color: rgb(125, 53, 59);}"
        "</style>"
    )
    st.caption(f"Bestanden tot {limit} MB. {UPLOAD_HINT}")
