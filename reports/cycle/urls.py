from django.urls import path

from . import views

app_name = "cycle"

urlpatterns = [
    path("", views.index, name="index"),
    path("open/", views.open_year, name="open"),
    path("<int:year>/", views.year_detail, name="year"),
    path("calendar/", views.calendar, name="calendar"),
    path("calendar/<int:pk>/remove/", views.calendar_remove, name="calendar_remove"),
]
