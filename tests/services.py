"""Whether the tests' outside services must be there."""
import os


def services_required() -> bool:
    """In CI (`.ci/run` sets OERLINT_REQUIRE_SERVICES=1; CI=true works too) a missing PostgreSQL,
    broker or Chromium fails the tests that need it; elsewhere those tests are skipped."""
    return bool(os.environ.get("OERLINT_REQUIRE_SERVICES") or os.environ.get("CI"))
