"""Which database this test run uses, for the few tests that cannot apply to every backend.

Each skip names its reason; the CI MongoDB job fails if fewer than 90% of the backend tests ran
(scripts/junit_ran_ratio.py), so skipping is for what truly cannot apply, not for what fails.
"""

from datetime import datetime

import pytest
from django.conf import settings

ON_MONGODB = settings.DATABASES["default"]["ENGINE"] == "django_mongodb_backend"


def skip_on_mongodb(reason: str) -> pytest.MarkDecorator:
    return pytest.mark.skipif(ON_MONGODB, reason=f"not on MongoDB: {reason}")


def skip_unless_mongodb(reason: str) -> pytest.MarkDecorator:
    return pytest.mark.skipif(not ON_MONGODB, reason=f"MongoDB only: {reason}")


def as_stored(moment: datetime) -> datetime:
    """``moment`` at the precision the database keeps it: BSON dates on MongoDB hold milliseconds, SQL microseconds."""
    return moment.replace(microsecond=moment.microsecond // 1000 * 1000) if ON_MONGODB else moment
