"""Where the bundled default data is: the taxonomy, the boundaries and the samples.

In a source checkout that is the repository's top-level ``data/`` folder. An installed wheel
carries the same files as the package data ``regie_analytics._data`` (``pyproject.toml`` maps
``data/`` onto it), found through :mod:`importlib.resources`, so ``pip install .`` gives a
working ``python -m regie_analytics demo`` from any directory.

The default store is not package data: in a checkout it is ``data/store``; installed, it is
``data/store`` under the working directory. ``$REGIE_STORE`` (and ``--store``) override it,
with a folder or a PostgreSQL URL (:func:`is_database`).
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path

DATABASE_SCHEMES = ("postgresql://", "postgres://")
"""How a store location that is a database starts."""


def is_database(location: object) -> bool:
    """Whether a store location is a PostgreSQL URL rather than a folder."""
    return isinstance(location, str) and location.startswith(DATABASE_SCHEMES)


_CHECKOUT_DATA = Path(__file__).resolve().parent.parent / "data"
_PACKAGE_DATA = "regie_analytics._data"


def _in_checkout() -> bool:
    return (_CHECKOUT_DATA / "taxonomy" / "taxonomie.csv").is_file()


def data_file(relative: str) -> Path:
    """The path of a bundled data file, e.g. ``"taxonomy/taxonomie.csv"``.

    Parameters
    ----------
    relative
        Path below the data folder, with ``/`` between the parts.

    Returns
    -------
    Path
        A file on disk (wheels are installed unpacked, so the package data is one).
    """
    if _in_checkout():
        return _CHECKOUT_DATA / relative
    root = resources.files(_PACKAGE_DATA)
    return Path(str(root.joinpath(relative)))


def default_store_folder() -> Path:
    """The store used when neither ``--store`` nor ``$REGIE_STORE`` names one: ``data/store``
    (in the checkout, or under the working directory when installed)."""
    if _in_checkout():
        return _CHECKOUT_DATA / "store"
    return Path.cwd() / "data" / "store"
