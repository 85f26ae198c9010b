from django.urls import path

from . import views

app_name = "reports"

urlpatterns = [
    path("", views.public_list, name="public_list"),
    path("my/", views.home, name="home"),
]
