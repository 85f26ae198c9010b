"""Two districts, each with an administrator; district X has two agencies, a clerk of each
and a first reviewer. The onboarding files go to a folder of the test's own."""

import pytest

from reports.tests.publishing_fixtures import media_root_fixture  # noqa: F401
from tests.factories import make_agency, make_district, make_user
from tests.personas import client_for


@pytest.fixture(autouse=True)
def data_dir(settings, tmp_path):
    settings.DATA_DIR = tmp_path / "data"
    return settings.DATA_DIR


@pytest.fixture
def x(db):
    return make_district("北京市朝阳区")


@pytest.fixture
def y(db):
    return make_district("重庆市渝北区")


@pytest.fixture
def agency_a(x):
    return make_agency("北京市朝阳区南磨房地区办事处", district=x)


@pytest.fixture
def agency_b(x):
    return make_agency("北京市朝阳区民政局", district=x)


@pytest.fixture
def agency_y(y):
    return make_agency("重庆市渝北区民政局", district=y)


@pytest.fixture
def admin_x(x):
    return make_user("admin_x", full_name="朝阳管理员", district=x, is_district_admin=True)


@pytest.fixture
def admin_y(y):
    return make_user("admin_y", full_name="渝北管理员", district=y, is_district_admin=True)


@pytest.fixture
def clerk_a(agency_a):
    return make_user("clerk_a", full_name="张明", agency=agency_a)


@pytest.fixture
def reviewer_x(x):
    return make_user("first_x", full_name="王审", district=x, is_first_reviewer=True)


@pytest.fixture
def admin_x_client(admin_x):
    return client_for(admin_x)


@pytest.fixture
def admin_y_client(admin_y):
    return client_for(admin_y)
