"""The repository's validation scripts as modules, for tests that check their figures."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

VALIDATION = Path(__file__).resolve().parents[1] / "validation"


def validation_script(name: str) -> ModuleType:
    """``validation/<name>.py`` imported as module ``name``."""
    spec = importlib.util.spec_from_file_location(name, VALIDATION / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module
