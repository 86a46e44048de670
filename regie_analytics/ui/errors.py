"""No traceback on screen: every page run is guarded, and what goes wrong is said in Dutch.

- An import that replaces the store version while a page is drawn: the page is drawn again on
  the new version.
- The store itself failing (:class:`StoreError`: a database that cannot be reached, say):
  an error naming the store and what to do.
- An input the library refuses (:class:`InputError`, already a Dutch message with what to do):
  shown as a warning.
- Anything unexpected: logged in full on the server under a reference
  (:func:`incidents.record`); the user sees the Dutch message with that reference. With
  ``client.showErrorDetails`` set to ``full`` or ``stacktrace`` (development, e.g.
  ``streamlit run app.py --client.showErrorDetails=full``) the traceback is shown as well;
  ``.streamlit/config.toml`` sets ``none`` for production.
"""

from __future__ import annotations

from collections.abc import Callable

import streamlit as st

from regie_analytics import incidents
from regie_analytics.schema import InputError
from regie_analytics.snapshot import StoreChanged
from regie_analytics.store import StoreError

MAX_RETRIES = 3
"""Runs started again in a row because the store changed, before saying so instead."""


def _show_details() -> bool:
    return st.get_option("client.showErrorDetails") in ("full", "stacktrace", True, "true")


def guarded(run: Callable[[], None], *, where: str, quiet: bool = False) -> bool:
    """Run ``run`` (a page, with the sidebar) so that no traceback reaches the screen; True
    when it ran without error. ``quiet``: work the user does not wait for (an unexpected error
    is only logged)."""
    retries = int(st.session_state.pop("_store_retries", 0))  # set by a rerun below only
    try:
        run()
        return True
    except StoreChanged:
        if retries < MAX_RETRIES:
            st.session_state["_store_retries"] = retries + 1
            st.rerun()
        st.info(
            "De gegevens worden op dit moment bijgewerkt door een import. Laad de pagina zo "
            "opnieuw.",
            icon=":material/hourglass_top:",
        )
    except StoreError as exc:  # the store itself (a database unreachable, say), not the filter
        st.error(
            f"De gegevens van de store '{exc.file_label}' kunnen nu niet worden gelezen: "
            f"{exc.message} Wat te doen: {exc.hint or 'laad de pagina zo opnieuw.'}",
            icon=":material/database:",
        )
    except InputError as exc:
        st.warning(f"Dit kan niet met deze gegevens of dit filter. {exc}", icon=":material/info:")
    except Exception as exc:  # anything unexpected: logged with a reference, never shown raw
        reference = incidents.record(exc, where=where)
        if not quiet:
            st.error(incidents.message(reference), icon=":material/error:")
            if _show_details():
                st.exception(exc)
    return False
