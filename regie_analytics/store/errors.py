"""The store's own errors, in Dutch: a store that is missing, busy, built on other
boundaries or made by an older version, and a disk that is full, read-only or closed to us."""

from __future__ import annotations

import errno
from pathlib import Path
from typing import Any

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


def empty_store(root: str | Path) -> StoreError:
    """The error for reading a store that has no version yet."""
    return StoreError(
        "de store is leeg of bestaat niet.",
        file=root,
        hint="bouw de demodata met 'python -m regie_analytics demo' of importeer een "
        "bestand met 'python -m regie_analytics import'.",
    )


def replaced(version: str, root: str | Path) -> StoreError:
    """The error for a pinned version that newer imports have replaced meanwhile."""
    return StoreError(
        f"versie {version} van de store is intussen vervangen door nieuwere imports.",
        file=root,
        hint="laad de pagina opnieuw.",
    )


def other_boundaries(
    root: str | Path, have: dict[str, object], given: dict[str, object]
) -> StoreError:
    """The error for an import with other boundaries than the store was built on."""
    return StoreError(
        f"deze store is gebouwd op de grenzen '{have.get('file')}', niet op '{given.get('file')}'.",
        file=root,
        hint="importeer zonder --boundaries, of gebruik een nieuwe store met --store MAP.",
    )


def no_boundaries(root: str | Path) -> StoreError:
    """The error for a first commit without boundaries."""
    return StoreError("een lege store heeft grenzen nodig.", file=root, hint="geef grenzen mee.")


def has_imports(root: str | Path, manifest: dict[str, Any]) -> StoreError:
    """The error for new boundaries under a store that holds imports already."""
    return StoreError(
        f"deze store heeft al imports op de grenzen '{manifest['boundaries'].get('file')}'; "
        "andere grenzen zouden die gegevens in andere gebieden leggen.",
        file=root,
        hint="begin een nieuwe store voor andere grenzen (met --store MAP of een ander "
        "databaseschema, of REGIE_STORE=MAP voor het dashboard), of verwijder eerst alle "
        "imports.",
    )


def no_import(root: str | Path, import_id: int) -> StoreError:
    """The error for removing an import the store does not have."""
    return StoreError(
        f"de store heeft geen import met nummer {import_id}.",
        file=root,
        hint="kies een nummer uit de lijst van imports ('python -m regie_analytics info').",
    )


def busy(root: str | Path) -> StoreError:
    """The error for a second writer while another import holds the store's lock."""
    return StoreError(
        "de store is bezet door een andere import.",
        file=root,
        hint="wacht tot die import klaar is en probeer het opnieuw.",
    )
