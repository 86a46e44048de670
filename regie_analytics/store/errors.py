"""The store's own errors, in Dutch: a store that is missing, busy, built on other
boundaries or made by an older version, and a disk that is full, read-only or closed to us."""

from __future__ import annotations

import errno
from pathlib import Path

from regie_analytics.schema import InputError


class StoreError(InputError):
    """A problem with the store itself (missing, built on other boundaries, locked)."""


def outdated(root: Path) -> StoreError:
    """The error for a store made by an older version, without cell keys."""
    return StoreError(
        "deze store is gemaakt met een oudere versie, zonder de celsleutels die kleine "
        "aantallen beschermen.",
        file=root,
        hint=f"voer 'python -m regie_analytics upgrade --store {root}' uit; dat voegt "
        "ze toe zonder de gegevens te veranderen.",
    )


def disk_error(exc: OSError, root: Path) -> StoreError:
    """A failure of the disk under the store at ``root`` explained in Dutch (a full disk, a
    read-only disk, no permission); the store is unchanged."""
    if exc.errno in (errno.ENOSPC, errno.EDQUOT):
        return StoreError(
            "de schijf is vol: de nieuwe versie van de store kon niet worden geschreven. De "
            "store is ongewijzigd en er is niets achtergebleven.",
            file=root,
            hint="maak ruimte vrij op de schijf van de store en probeer het opnieuw.",
        )
    if exc.errno == errno.EROFS:
        return StoreError(
            "de store staat op een schijf waarop alleen gelezen mag worden; er is niets "
            "geschreven.",
            file=root,
            hint="kies met --store (of REGIE_STORE) een map waarin geschreven mag worden.",
        )
    if exc.errno in (errno.EACCES, errno.EPERM):
        return StoreError(
            "er mag niet in de map van de store geschreven worden; er is niets geschreven.",
            file=root,
            hint="vraag schrijfrechten op die map, of kies met --store een andere map.",
        )
    return StoreError(
        f"de store kon niet worden geschreven (systeemmelding: {exc.strerror}); de store is "
        "ongewijzigd.",
        file=root,
        hint="controleer de schijf en probeer het opnieuw.",
    )
