"""The package installs as a wheel and works from another folder (issue 13, item 5).

The wheel is built from a copy of the checkout without network (``--no-build-isolation
--no-index``), installed into a fresh venv whose dependencies come from this venv through a
``.pth`` file, and run from an empty folder: the demo, ``info`` and the taxonomy come from
the installed package data, not from the checkout.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PIP = [sys.executable, "-m", "pip"]


def _run(args: list[str], *, cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    done = subprocess.run(args, cwd=cwd, env=env, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, f"{args}\n{done.stdout}\n{done.stderr}"
    return done


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, str]]:
    """A fresh venv with only the built wheel of this checkout installed in it."""
    tmp = tmp_path_factory.mktemp("install")
    src = tmp / "src"
    src.mkdir()
    for name in ("pyproject.toml", "README.md"):
        shutil.copy2(ROOT / name, src / name)
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc", ".*")
    shutil.copytree(ROOT / "regie_analytics", src / "regie_analytics", ignore=ignore)
    data_ignore = shutil.ignore_patterns("__pycache__", "*.pyc", "store", ".*")
    shutil.copytree(ROOT / "data", src / "data", ignore=data_ignore)
    env = {k: v for k, v in os.environ.items() if k not in {"REGIE_STORE", "PYTHONPATH"}}
    wheels = tmp / "wheels"
    _run(
        [
            *PIP,
            "wheel",
            "-q",
            "--no-deps",
            "--no-build-isolation",
            "--no-index",
            "-w",
            str(wheels),
            str(src),
        ],
        cwd=tmp,
        env=env,
    )
    venv = tmp / "venv"
    _run([sys.executable, "-m", "venv", "--without-pip", str(venv)], cwd=tmp, env=env)
    python = venv / "bin" / "python"
    site = Path(
        _run(
            [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
            cwd=tmp,
            env=env,
        ).stdout.strip()
    )
    # the dependencies (geopandas, streamlit, ...) from this venv, without copying them
    (site / "deps.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    (wheel,) = wheels.glob("regie_analytics-*.whl")
    _run(
        [*PIP, "--python", str(python), "install", "-q", "--no-deps", "--no-index", str(wheel)],
        cwd=tmp,
        env=env,
    )
    elsewhere = tmp / "elders"
    elsewhere.mkdir()
    return venv, env | {"PATH": f"{venv / 'bin'}{os.pathsep}{env.get('PATH', '')}"}


@pytest.mark.slow
@pytest.mark.subprocess
def test_package_data_comes_from_the_installed_wheel(
    installed: tuple[Path, dict[str, str]],
) -> None:
    venv, env = installed
    code = (
        "import json, regie_analytics, regie_analytics.taxonomy as t, regie_analytics.geo as g;"
        "print(json.dumps([regie_analytics.__file__, str(t.DEFAULT_TAXONOMY),"
        " str(g.DEFAULT_BOUNDARIES), len(t.load_taxonomy().table)]))"
    )
    out = _run([str(venv / "bin" / "python"), "-c", code], cwd=venv.parent / "elders", env=env)
    package, taxonomy, boundaries, rows = json.loads(out.stdout)
    site = str(venv / "lib")
    assert package.startswith(site), package
    assert taxonomy.startswith(site) and taxonomy.endswith("_data/taxonomy/taxonomie.csv")
    assert boundaries.startswith(site) and Path(boundaries).is_file()
    expected = (ROOT / "data" / "taxonomy" / "taxonomie.csv").read_text(encoding="utf-8")
    assert Path(taxonomy).read_text(encoding="utf-8") == expected
    assert rows == len(expected.strip().splitlines()) - 1


@pytest.mark.slow
@pytest.mark.subprocess
def test_demo_and_info_run_from_another_folder(installed: tuple[Path, dict[str, str]]) -> None:
    venv, env = installed
    here = venv.parent / "elders"
    _run(
        ["regie-analytics", "demo", "--scale", "0.02", "--seed", "7"],
        cwd=here,
        env=env,
    )
    # without --store and $REGIE_STORE an installed package keeps its store under the cwd
    assert (here / "data" / "store" / "CURRENT").is_file()
    info = _run([str(venv / "bin" / "python"), "-m", "regie_analytics", "info"], cwd=here, env=env)
    assert "gegenereerde demodata" in info.stdout
    assert str(here / "data" / "store") in info.stdout
    # $REGIE_STORE names the store for the command line as well
    other = _run(
        ["regie-analytics", "info"], cwd=here, env=env | {"REGIE_STORE": str(here / "leeg")}
    )
    assert "leeg" in other.stdout


def test_pinned_requirements_satisfy_the_package_ranges() -> None:
    """requirements.txt is the lock of pyproject.toml's ranges: every runtime dependency is
    pinned there, and every pin lies in its range (streamlit's auth extra pins Authlib and
    httpx)."""
    import tomllib

    from packaging.requirements import Requirement

    ranges = {
        Requirement(r).name.lower(): Requirement(r)
        for r in tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["dependencies"]
    }
    pins = {}
    for line in (ROOT / "requirements.txt").read_text().splitlines():
        text = line.split("#")[0].strip()
        if text:
            pin = Requirement(text)
            pins[pin.name.lower()] = next(iter(pin.specifier)).version
    assert set(ranges) <= set(pins), set(ranges) - set(pins)
    assert set(pins) - set(ranges) == {"authlib", "httpx"}
    assert ranges["streamlit"].extras == {"auth"}
    for name, requirement in ranges.items():
        assert requirement.specifier.contains(pins[name]), (name, pins[name])


def test_the_old_module_name_is_the_new_module() -> None:
    import regie_analytics.imports as old  # noqa: TID251 (the old name, on purpose)
    from regie_analytics import ingest

    assert old is ingest
    assert old.prepare_import is ingest.prepare_import


def test_every_subpackage_ships_in_the_wheel() -> None:
    """setuptools lists the packages by hand (``_data`` is mapped from the top-level
    ``data/``): a new subpackage missing there would be absent from an installed wheel."""
    import tomllib

    listed = set(
        tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["packages"]
    )
    package = ROOT / "regie_analytics"
    found = {
        ".".join(init.parent.relative_to(ROOT).parts)
        for init in package.rglob("__init__.py")
        if "__pycache__" not in init.parts
    }
    assert found <= listed, sorted(found - listed)
