from django.urls import path, register_converter

from . import publication_views, views
from .public_site import api
from .public_site import views as public_views

app_name = "reports"

register_converter(public_views.KindConverter, "kind")

urlpatterns = [
    # The public site (issue 5): no sign-in, read-only.
    path("", public_views.public_list, name="public_list"),
    path("reports/<int:pk>/", public_views.public_detail, name="public_detail"),
    path("reports/<int:pk>/v<int:version>/", public_views.public_version, name="public_version"),
    path("reports/<int:pk>/v<int:version>.<kind:kind>", public_views.public_download, name="public_download"),
    path("api/reports/", api.report_list, name="api_list"),
    path("api/reports/<int:pk>.json", api.report_detail, name="api_detail"),
    path("open-data/", public_views.open_data, name="open_data"),
    path("open-data/<int:year>.csv", api.year_csv, name="open_data_csv"),
    path("open-data/dictionary.csv", api.dictionary_csv, name="open_data_dictionary"),
    path("my/reports/<int:pk>/publication.json", publication_views.publication_status, name="publication_status"),
    path(
        "my/reports/<int:pk>/publication/retry/",
        publication_views.publication_retry_view,
        name="publication_retry",
    ),
    path("my/", views.home, name="home"),
    path("my/reports/new/", views.create, name="create"),
    path("my/reports/<int:pk>/", views.edit, name="edit"),
    path("my/reports/<int:pk>/check/", views.check, name="check"),
    path("my/reports/<int:pk>/save/", views.save, name="save"),
    path("my/reports/<int:pk>/upload/", views.upload, name="upload"),
    path("my/reports/<int:pk>/template.xlsx", views.template_xlsx, name="template"),
    path("my/reports/<int:pk>/export.xlsx", views.export_xlsx, name="export_xlsx"),
    path("my/reports/<int:pk>/export.json", views.export_json, name="export_json"),
]
