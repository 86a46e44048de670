"""Unexpected errors: the full traceback goes to the log, the user gets a short reference.

Users never see a traceback. :func:`record` writes it with ``logging.getLogger
("regie_analytics")`` at ERROR level (the server's log, or the command line's log file),
prefixed by a reference such as ``RA-1A2B3C`` that the user can quote.
"""

from __future__ import annotations

import logging
import secrets

LOGGER = logging.getLogger("regie_analytics")


def record(exc: BaseException, *, where: str) -> str:
    """Log ``exc`` with its traceback under a new reference and return the reference."""
    reference = "RA-" + secrets.token_hex(3).upper()
    LOGGER.error("%s: onverwachte fout in %s", reference, where, exc_info=exc)
    return reference


def message(reference: str) -> str:
    """The Dutch message a user sees for an unexpected error with this reference."""
    return (
        f"Er ging iets mis (referentie {reference}). Probeer het opnieuw; blijft het "
        "misgaan, geef dan deze referentie door aan de beheerder."
    )
