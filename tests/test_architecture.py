"""The shape of the package: import contracts (pyproject's [tool.importlinter]) and module size."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
MAX_MODULE_LINES = 350


def test_import_contracts_are_kept():
    """Layers from the doors (cli, web, eval) down to types/text/settings, and no cycles."""
    lint = Path(sys.executable).with_name("lint-imports")
    result = subprocess.run([str(lint)], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-2000:]
    assert "0 broken" in result.stdout


def test_no_module_is_over_the_size_limit():
    sizes = {p.relative_to(ROOT): len(p.read_text(encoding="utf-8").splitlines()) for p in ROOT.glob("rag/**/*.py")}
    too_big = {str(p): n for p, n in sizes.items() if n > MAX_MODULE_LINES}
    assert not too_big, f"split these modules (over {MAX_MODULE_LINES} lines): {too_big}"


def test_every_data_file_of_the_package_is_installed_with_it():
    """An installed package (`pip install .`) carries only files its package-data names."""
    import fnmatch
    import tomllib

    root = Path(__file__).resolve().parents[1]
    patterns = tomllib.loads((root / "pyproject.toml").read_text())["tool"]["setuptools"]["package-data"]["rag"]
    data = [p.relative_to(root / "rag").as_posix() for p in (root / "rag" / "data").iterdir() if p.is_file()]
    assert data and all(any(fnmatch.fnmatch(name, pattern) for pattern in patterns) for name in data), data
