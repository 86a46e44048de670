"""The one Streamlit internal the dashboard relies on (``components.require_app``).

A deep link (``/kaart?...``) on a freshly started server runs the page without ``app.py``,
because Streamlit still supports the legacy ``pages/`` folder until ``st.navigation`` is
called once. ``require_app`` switches that legacy mode off and reruns. These tests pin the
mechanism, so an upgrade of Streamlit that changes it fails here, not in front of a director.
"""

from __future__ import annotations

import inspect
from pathlib import Path

import streamlit as st
from streamlit.commands import navigation
from streamlit.runtime import pages_manager
from streamlit.runtime.scriptrunner import script_runner

from regie_analytics.ui import components

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "regie_analytics"


def test_the_legacy_pages_mode_is_a_class_flag_decided_by_the_pages_folder() -> None:
    assert "uses_pages_directory" in vars(pages_manager.PagesManager)
    init = inspect.getsource(pages_manager.PagesManager.__init__)
    assert "PagesManager.uses_pages_directory = Path(" in init
    assert 'self.main_script_parent / "pages"' in init


def test_the_script_runner_runs_a_page_alone_while_the_flag_is_set() -> None:
    source = inspect.getsource(script_runner.ScriptRunner)
    assert "if PagesManager.uses_pages_directory:\n" in source
    assert "_mpa_v1(self._main_script_path)" in source


def test_st_navigation_switches_the_legacy_mode_off() -> None:
    assert "PagesManager.uses_pages_directory = False" in inspect.getsource(navigation.navigation)
    assert st.navigation is navigation.navigation


def test_require_app_is_the_only_place_that_touches_it() -> None:
    source = inspect.getsource(components.require_app)
    assert "PagesManager.uses_pages_directory = False" in source
    assert "st.rerun()" in source
    product = [ROOT / "app.py", *(ROOT / "pages").glob("*.py"), *PACKAGE.rglob("*.py")]
    users = {p.relative_to(ROOT).as_posix() for p in product if "PagesManager" in p.read_text()}
    assert users == {"regie_analytics/ui/components.py"}
