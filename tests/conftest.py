import os
import pathlib

import pytest
from hypothesis import HealthCheck, settings

ROOT = pathlib.Path(__file__).resolve().parent.parent
#: ../shared beside the checkout (conformance files, benchmark corpus); absent on a user's clone.
SHARED = pathlib.Path(os.environ.get("FERROCODEC_SHARED", ROOT.parent / "shared"))


@pytest.fixture(scope="session")
def shared_dir():
    if not SHARED.is_dir():
        pytest.skip(f"{SHARED} is absent (shared conformance data is only beside the project's own checkouts)")
    return SHARED


settings.register_profile("ferrocodec", max_examples=400, deadline=None,
                          suppress_health_check=[HealthCheck.too_slow])
settings.load_profile("ferrocodec")
