from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from .models import Report


def public_list(request):
    reports = Report.objects.published().select_related("agency", "agency__district")
    return render(request, "reports/public_list.html", {"reports": reports})


@login_required
def home(request):
    reports = Report.objects.visible_to(request.user).select_related("agency")
    return render(request, "reports/home.html", {"reports": reports})
