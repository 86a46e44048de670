"""What the Data page keeps over reruns and how its actions fail: an upload saved once in a
private folder, the message shown after a rerun (flash), the taxonomy being edited in this
session, and actions whose errors become Dutch messages on screen."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import pandas as pd
import streamlit as st

from regie_analytics import incidents, tempfiles
from regie_analytics.formatting import plain_text
from regie_analytics.io.readers import preview_rows
from regie_analytics.schema import InputError
from regie_analytics.store import AnyStore
from regie_analytics.taxonomy import Taxonomy, load_taxonomy

T = TypeVar("T")

_UPLOAD = "_upload"


def save_upload(upload: Any, *, slot: str = _UPLOAD) -> Path:
    """The uploaded file on disk, written once per upload (not on every rerun) in a private
    temporary folder; the folder of the session's previous upload in this ``slot`` (the
    export, the boundaries, the kerncijfers) is removed. The folder goes with the session too
    (its state's garbage) or at the server's exit, and a server that was killed has its
    folders swept by the next (:mod:`regie_analytics.tempfiles`): a raw export holds residents'
    free text."""
    saved: tuple[str, Path, tempfiles.OwnedFolder] | None = st.session_state.get(slot)
    if saved is not None and saved[0] == upload.file_id and saved[1].exists():
        return saved[1]
    forget_upload(slot=slot)
    folder = tempfiles.OwnedFolder("upload")
    path = folder.path / (Path(upload.name).name or "upload")
    try:
        with open(path, "wb") as handle:
            upload.seek(0)
            shutil.copyfileobj(upload, handle, length=1 << 20)
    except BaseException:
        folder.remove()
        raise
    st.session_state[slot] = (upload.file_id, path, folder)
    return path


def forget_upload(*, slot: str = _UPLOAD) -> None:
    """Remove the temporary copy of the session's upload in ``slot`` (when it is removed or
    replaced)."""
    saved: tuple[str, Path, tempfiles.OwnedFolder] | None = st.session_state.pop(slot, None)
    if saved is not None:
        saved[2].remove()


def guarded(action: Callable[[], T], *, failed: str, where: str) -> T | None:
    """Run ``action``; a refused input or any unexpected error is a Dutch message on screen
    (``failed`` first), never a traceback. Unexpected errors are logged with a reference."""
    try:
        return action()
    except InputError as exc:
        st.error(plain_text(f"{failed} {exc}"))
    except Exception as exc:
        reference = incidents.record(exc, where=where)
        st.error(plain_text(f"{failed} {incidents.message(reference)}"))
    return None


def preview(path: Path) -> pd.DataFrame | None:
    """The first rows of a table file, or an error message on screen."""
    return guarded(
        lambda: preview_rows(path),
        failed="Dit bestand kan niet worden gelezen.",
        where="voorbeeld op de pagina Data",
    )


FLASH = "_mapping_flash_"


def show_flash(key: str) -> None:
    """The outcome of the last mapping accepted under ``key`` (kept over the rerun after it)."""
    message = st.session_state.pop(FLASH + key, None)
    if message:
        st.success(message, icon=":material/check:")


def session_taxonomy(store: AnyStore) -> Taxonomy:
    """The taxonomy being edited in this session (the store's, or the default)."""
    if "_taxonomy" not in st.session_state:
        st.session_state["_taxonomy"] = store.taxonomy() if store.exists() else load_taxonomy()
    taxonomy: Taxonomy = st.session_state["_taxonomy"]
    return taxonomy
