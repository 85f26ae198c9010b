from django.contrib import admin
from django.urls import include, path

from config import health

admin.site.site_header = "政府信息公开工作年度报告系统 · 管理"
admin.site.site_title = "年度报告系统管理"
admin.site.index_title = "管理"

urlpatterns = [
    # Answered by config.health.HealthCheckMiddleware before any other middleware; listed
    # here so that they reverse and take part in the URL × persona matrix.
    path("healthz", health.healthz, name="healthz"),
    path("readyz", health.readyz, name="readyz"),
    path("admin/", admin.site.urls),
    path("accounts/", include("accounts.urls")),
    path("review/", include("review.urls")),
    path("district/admin/", include("reports.administration.urls")),
    path("district/cycle/", include("reports.cycle.urls")),
    path("my/history/", include("reports.history.urls")),
    path("", include("reports.urls")),
]
