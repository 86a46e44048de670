"""Hostile files and faults on the dashboard (AppTest): the Data page refuses with the same
Dutch messages as the command line and keeps one temporary copy per upload; labels from data
are text on every page; a page view while imports land shows no exception."""

from __future__ import annotations

import gc
import os
import re
import shutil
import subprocess
import tempfile
import threading
from pathlib import Path

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from regie_analytics import workflow
from regie_analytics.store import Store
from tests.conftest import BAD, ROOT, SAMPLES, cli, snapshot

TIMEOUT = 180


def _data_page(store: Path, monkeypatch: pytest.MonkeyPatch) -> AppTest:
    """The Data page on ``store``, run on its own (as ``app.py`` hands over to it)."""
    monkeypatch.setenv("REGIE_STORE", str(store))
    at = AppTest.from_file(str(ROOT / "pages" / "data.py"), default_timeout=TIMEOUT)
    at.session_state["_app_ran"] = True
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def _upload(at: AppTest, path: Path, preset: str) -> AppTest:
    at.file_uploader[0].upload(path.name, path.read_bytes(), "application/octet-stream")
    at.selectbox[0].set_value(preset)
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def _click(at: AppTest, label: str) -> AppTest:
    next(b for b in at.button if b.label == label).click()
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def _uploads() -> set[Path]:
    return set(Path(tempfile.gettempdir()).glob("regie-upload-*"))


def test_data_page_refuses_like_the_command_line(
    store: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    before = snapshot(store)
    at = _upload(_data_page(store, monkeypatch), BAD / "dates_mixed_order.csv", "open311")
    _click(at, "Controleren")
    [error] = [e.value for e in at.error]
    assert error.startswith("Dit bestand kan niet worden geïmporteerd")
    for text in ("rij 2", "requested\\_datetime", "dag eerst", "maand eerst", "Wat te doen"):
        assert text in error, error
    assert "Traceback" not in error and "/tmp/" not in error
    assert snapshot(store) == before


def test_data_page_keeps_one_temporary_copy_per_upload(
    store: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    existing = _uploads()
    at = _upload(_data_page(store, monkeypatch), SAMPLES / "wijkteam_telling.csv", "counts")
    for _ in range(3):
        at.run()
    new = _uploads() - existing
    assert len(new) == 1, new
    [folder] = new
    assert [p.name for p in folder.iterdir()] == ["wijkteam_telling.csv"]
    _click(at, "Controleren")
    assert _uploads() - existing == {folder}
    at.file_uploader[0].clear()
    at.run()
    assert not folder.exists(), "the copy of a removed upload stays behind"


def test_an_uploads_copy_goes_with_its_session(
    store: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A session that ends with an upload still in it (the director closed the tab) leaves no
    copy of the raw export behind (its state's garbage removes it)."""
    existing = _uploads()
    at = _upload(_data_page(store, monkeypatch), SAMPLES / "wijkteam_telling.csv", "counts")
    [folder] = _uploads() - existing
    assert folder.name.startswith(f"regie-upload-{os.getpid()}-")
    del at
    gc.collect()
    assert not folder.exists(), "the copy of an upload outlives its session"


def test_data_page_imports_with_corrected_counts_reported(
    store: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert (
        cli(
            "import", BAD / "counts_corrected_first.csv", "--preset", "counts", "--store", store
        ).code
        == 0
    )
    at = _upload(_data_page(store, monkeypatch), BAD / "counts_corrected_second.csv", "counts")
    _click(at, "Controleren")
    report = "\n".join(c.value for c in at.code)
    assert "gecorrigeerd aantal (vervangt de eerdere waarde):   1" in report
    _click(at, "Importeren")
    assert any("geïmporteerd" in s.value for s in at.success)
    counts = Store(store).counts().set_index("area_code")["count"].to_dict()
    assert counts == {"BU0363AA01": 5, "BU0363AA02": 8, "BU0363AA03": 9, "BU0363AA04": 1}


@pytest.mark.subprocess
def test_data_page_explains_a_read_only_store(
    store: Path, small_disk: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = small_disk / "store"
    shutil.copytree(store, target)
    subprocess.run(["mount", "-o", "remount,ro", str(small_disk)], check=True)
    before = snapshot(target)
    at = _upload(_data_page(target, monkeypatch), SAMPLES / "wijkteam_telling.csv", "counts")
    _click(at, "Controleren")
    _click(at, "Importeren")
    [error] = [e.value for e in at.error]
    assert error.startswith("De import is mislukt; de store is ongewijzigd")
    assert "alleen gelezen" in error
    assert snapshot(target) == before


def test_data_page_unexpected_error_has_a_reference(
    store: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    def broken(*args: object, **kwargs: object) -> None:
        raise KeyError("kapot")

    monkeypatch.setattr(workflow, "validate", broken)
    at = _upload(_data_page(store, monkeypatch), SAMPLES / "wijkteam_telling.csv", "counts")
    _click(at, "Controleren")
    [error] = [e.value for e in at.error]
    assert "Er ging iets mis (referentie RA-" in error
    assert "KeyError" not in error and "Traceback" not in error
    reference = error.split("referentie ")[1][:9]
    assert any(reference in r.getMessage() and r.exc_info for r in caplog.records)


# --- on the demo store ------------------------------------------------------------------------
@pytest.fixture
def demo_copy(demo_store: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    root = tmp_path / "store"
    shutil.copytree(demo_store, root)
    monkeypatch.setenv("REGIE_STORE", str(root))
    return root


PAGES = ("kaart", "samenhang", "trends", "afhandeling", "presentatie", "overzicht")
IMPORTS = 4


def _texts(at: AppTest) -> list[str]:
    elements = [
        *at.markdown,
        *at.caption,
        *at.title,
        *at.header,
        *at.subheader,
        *at.info,
        *at.warning,
        *at.error,
        *at.success,
    ]
    return [str(e.value) for e in elements]


@pytest.mark.slow
def test_labels_from_data_are_text_on_every_page(demo_copy: Path) -> None:
    source = "![bron](http://evil.example/b.png)"
    result = cli(
        "import",
        BAD / "labels_markdown.csv",
        "--preset",
        "open311",
        "--store",
        demo_copy,
        "--source",
        source,
    )
    assert result.code == 0, result.err
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=TIMEOUT)
    at.run()
    seen = 0
    for page in PAGES:
        at.switch_page(f"pages/{page}.py")
        at.run()
        assert not at.exception, (page, [e.value for e in at.exception])
        texts = _texts(at)
        for text in texts:
            # every bracket of a link or image and the ':' of a URL escaped: shown as text
            assert not re.search(r"(?<!\\)[\[\]]|(?<!\\)://|<img", text), (page, text)
        seen += sum("!\\[bron\\](http\\://evil.example/b.png)" in t for t in texts)
    assert seen >= len(PAGES) - 1, "the source is not shown (escaped) on the pages"


def _import_in_turn(store: Path, folder: Path, done: threading.Event, versions: list[str]) -> None:
    """Import small batches of new signals one after another until ``done``."""
    number = 0
    while not done.is_set() and number < IMPORTS:
        number += 1
        path = folder / f"golf-{number}.csv"
        pd.DataFrame(
            {
                "service_request_id": [f"W{number}-{i}" for i in range(50)],
                "requested_datetime": "2025-06-05T10:00:00",
                "service_name": "Pothole",
                "status": "open",
                "lat": 52.37308,
                "long": 4.892453,
            }
        ).to_csv(path, index=False)
        workflow.import_file(path, preset="open311", store=Store(store))
        current = Store(store).current
        versions.append(current.name if current else "")


@pytest.mark.slow
def test_page_views_while_imports_land(demo_copy: Path, tmp_path: Path) -> None:
    done = threading.Event()
    versions: list[str] = []
    worker = threading.Thread(
        target=_import_in_turn, args=(demo_copy, tmp_path, done, versions), daemon=True
    )
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=TIMEOUT)
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    worker.start()
    views = 0
    try:
        while worker.is_alive() and views < 60:  # view pages until every import has landed
            page = PAGES[views % len(PAGES)]
            at.switch_page(f"pages/{page}.py")
            at.run()
            views += 1
            assert not at.exception, (page, views, [e.value for e in at.exception])
    finally:
        done.set()
        worker.join(timeout=300)
    assert len(set(versions)) == IMPORTS, "the imports did not land during the page views"
    assert Store(demo_copy).signals()["signal_id"].str.startswith("W").sum() == 50 * len(versions)
