from review.tests.personas import *  # noqa: F403
from tests.personas import *  # noqa: F403
