from django.urls import path

from . import district_views, views

app_name = "review"

urlpatterns = [
    path("", views.queue, name="queue"),
    path("district/", views.district, name="district"),
    path("district/checklist/", views.checklist, name="checklist"),
    path("reports/<int:pk>/", views.report, name="report"),
    path("reports/<int:pk>/submit/", views.submit, name="submit"),
    path("reports/<int:pk>/start/", views.start, name="start"),
    path("reports/<int:pk>/decide/", views.decide, name="decide"),
    path("reports/<int:pk>/reopen/", views.reopen, name="reopen"),
    path("reports/<int:pk>/comments/", views.comment, name="comment"),
    path("reports/<int:pk>/diff/", views.diff, name="diff"),
    path("reports/<int:pk>/history/", views.history, name="history"),
    path("reports/<int:pk>/sheet/", views.sheet, name="sheet"),
    path("reports/<int:pk>/sheet.pdf", views.sheet_pdf, name="sheet_pdf"),
    path("comments/<int:comment_id>/reply/", views.comment_reply, name="comment_reply"),
    path("comments/<int:comment_id>/resolve/", views.comment_resolve, name="comment_resolve"),
    # The district office's completeness board and aggregate (issue 6).
    path("district/board/", district_views.board, name="board"),
    path("district/board.xlsx", district_views.board_xlsx, name="board_xlsx"),
    path("district/past/", district_views.past_years, name="past_years"),
    path("district/aggregate/", district_views.aggregate, name="aggregate"),
    path("district/aggregate.xlsx", district_views.aggregate_xlsx, name="aggregate_xlsx"),
    path("district/aggregate/start/", district_views.aggregate_start, name="aggregate_start"),
]
