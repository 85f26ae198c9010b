import pytest

from reports.tests.publishing_fixtures import media_root_fixture  # noqa: F401
from tests.factories import make_agency, make_clerk, make_district, make_user


@pytest.fixture
def world(db, media_root):
    x, y = make_district("重庆市九龙坡区"), make_district("北京市朝阳区")
    agency = make_agency("重庆市九龙坡区民政局", district=x)
    other = make_agency("重庆市九龙坡区财政局", district=x)
    return {
        "x": x,
        "agency": agency,
        "other": other,
        "admin": make_user("admin_x", district=x, is_district_admin=True),
        "admin_y": make_user("admin_y", district=y, is_district_admin=True),
        "reviewer": make_user("first_x", district=x, is_first_reviewer=True),
        "clerk": make_clerk(agency, "clerk_a"),
        "clerk_other": make_clerk(other, "clerk_b"),
    }
