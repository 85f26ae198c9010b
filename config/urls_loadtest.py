"""The project's URLs plus ``/_floor/``, the trivial view that the load test measures every
public URL against (issue 13): it does nothing but answer, behind the same middleware."""

from django.http import HttpResponse
from django.urls import path

from .urls import urlpatterns as project_urlpatterns


def floor(request):
    return HttpResponse("ok", content_type="text/plain; charset=utf-8")


urlpatterns = [path("_floor/", floor, name="loadtest_floor"), *project_urlpatterns]
