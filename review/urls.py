from django.urls import path

from . import views

app_name = "review"

urlpatterns = [
    path("reports/<int:pk>/submit/", views.submit, name="submit"),
]
