from django.urls import path

from . import views

app_name = "history"

urlpatterns = [
    path("", views.index, name="index"),
    path("upload/", views.upload, name="upload"),
    path("<int:pk>/", views.review, name="review"),
    path("<int:pk>/resolve/", views.resolve, name="resolve"),
    path("<int:pk>/year/", views.set_year, name="set_year"),
    path("<int:pk>/confirm/", views.confirm, name="confirm"),
    path("<int:pk>/discard/", views.discard, name="discard"),
    path("<int:pk>/source/", views.source, name="source"),
]
