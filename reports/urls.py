from django.urls import path

from . import views

app_name = "reports"

urlpatterns = [
    path("", views.public_list, name="public_list"),
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
