"""The district administrator's pages, mounted at ``/district/admin/`` (namespace
``administration``)."""

from django.urls import path

from . import views

app_name = "administration"

urlpatterns = [
    path("", views.agencies, name="agencies"),
    path("agencies/new/", views.agency_create, name="agency_create"),
    path("agencies/<int:pk>/", views.agency_edit, name="agency_edit"),
    path("accounts/", views.users, name="users"),
    path("accounts/new/", views.user_create, name="user_create"),
    path("accounts/<int:pk>/", views.user_edit, name="user_edit"),
    path("accounts/<int:pk>/unlock/", views.user_unlock, name="user_unlock"),
    path("accounts/<int:pk>/reset-password/", views.user_reset_password, name="user_reset_password"),
    path("onboarding/", views.onboarding_upload, name="onboarding"),
    path("onboarding/template.xlsx", views.onboarding_template, name="onboarding_template"),
    path("onboarding/<str:token>/", views.onboarding_preview, name="onboarding_preview"),
    path("onboarding/<str:token>/apply/", views.onboarding_apply, name="onboarding_apply"),
]
