"""What only the browser knows or does: the document's language and title, and the size of
the screen (the presentation lays its slides out from it)."""

from __future__ import annotations

from typing import Any

import streamlit as st
import streamlit.components.v2 as components_v2

APP_NAME = "Regie Analytics"
DEFAULT_VIEWPORT = (1280, 720)
"""The screen assumed until the browser has said its size: the smallest projector."""

_DOCUMENT_JS = """
export default function () {
    document.documentElement.lang = "nl";
}
"""
_VIEWPORT_JS = """
export default function (component) {
    const { data, setStateValue } = component;
    let timer = null;
    const report = () => {
        const size = [window.innerWidth, window.innerHeight];
        if (!data || data[0] !== size[0] || data[1] !== size[1]) {
            setStateValue("size", size);
        }
    };
    const later = () => { clearTimeout(timer); timer = setTimeout(report, 250); };
    report();
    window.addEventListener("resize", later);
    return () => { clearTimeout(timer); window.removeEventListener("resize", later); };
}
"""
_STYLE = """<style>
.st-key-regie-document { display: none; }
/* a caption is faded (opacity 0.6), its code too: black code stays above 4.5:1 */
[data-testid="stCaptionContainer"] code { color: #000000; }
/* components.html_table: the tables under the maps */
table.regie-table { border-collapse: collapse; font-size: 0.875rem; width: 100%; }
table.regie-table th, table.regie-table td {
  border-bottom: 1px solid #d5d5d9; padding: 0.25rem 0.5rem; text-align: left; }
table.regie-table th { font-weight: 600; }
</style>"""

_document = components_v2.component("regie_document", js=_DOCUMENT_JS, isolate_styles=False)
_viewport = components_v2.component("regie_viewport", js=_VIEWPORT_JS, isolate_styles=False)


def dutch_document(page_title: str) -> None:
    """A Dutch document (``<html lang="nl">``, for screen readers and hyphenation) with the
    page's own title in the browser tab (with the municipality once the store is read, see
    ``components.page_title``), and text that keeps its contrast."""
    st.set_page_config(page_title=f"{page_title} · {APP_NAME}")
    with st.container(key="regie-document"):
        _document(key="regie_document")
    st.html(_STYLE)


def viewport() -> tuple[int, int]:
    """The browser window's width and height in CSS pixels (:data:`DEFAULT_VIEWPORT` until
    the browser has reported it; a resize reruns the page)."""
    known = st.session_state.get("_viewport")
    with st.container(key="regie-viewport"):
        result: Any = _viewport(
            key="regie_viewport",
            data=list(known) if known else None,
            default={"size": None},
            on_size_change=lambda: None,
        )
    size = result.size if result is not None else None
    if isinstance(size, list) and len(size) == 2 and all(isinstance(v, int | float) for v in size):
        st.session_state["_viewport"] = (int(size[0]), int(size[1]))
    return tuple(st.session_state.get("_viewport", DEFAULT_VIEWPORT))  # type: ignore[return-value]
