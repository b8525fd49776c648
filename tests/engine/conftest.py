"""Engine tests run with a small sample pack, not the CRM pack: the engine knows no CRM."""
from __future__ import annotations

import pytest

from engine import Pack
from tests.engine.sample_pack import SamplePack


@pytest.fixture
def pack() -> Pack:
    return SamplePack()
