"""/api/: version 1 of the API, its OpenAPI schema and its documentation page.

Endpoints are named `api:v1:<name>`; a new endpoint is one line in `v1`.
"""

from django.urls import include, path, re_path
from drf_spectacular.views import SpectacularAPIView

import peerlink.ids  # noqa: F401  (registers <id:…>)

from . import views, views_matching, views_member, views_recovery, views_staff, views_steps
from .exceptions import not_found

app_name = "api"

v1 = [
    path("me/", views.MeView.as_view(), name="me"),
    path("tags/", views.TagList.as_view(), name="tags"),
    path("languages/", views.LanguageList.as_view(), name="languages"),
    # Matching and safety (api/views_matching.py)
    path("suggestions/", views_matching.SuggestionList.as_view(), name="suggestions"),
    path("requests/", views_matching.MatchRequestView.as_view(), name="requests"),
    path("matches/", views_matching.MatchList.as_view(), name="matches"),
    path("matches/<id:match_id>/", views_matching.MatchDetail.as_view(), name="match"),
    path(
        "matches/<id:match_id>/withdraw/",
        views_matching.MatchWithdraw.as_view(),
        name="match-withdraw",
    ),
    path(
        "matches/<id:match_id>/accept/", views_matching.MatchAccept.as_view(), name="match-accept"
    ),
    path(
        "matches/<id:match_id>/decline/",
        views_matching.MatchDecline.as_view(),
        name="match-decline",
    ),
    path("matches/<id:match_id>/end/", views_matching.MatchEnd.as_view(), name="match-end"),
    path("blocks/", views_matching.BlockCreate.as_view(), name="blocks"),
    path("reports/", views_matching.ReportCreate.as_view(), name="reports"),
    path("help-now/", views_matching.HelpNowCreate.as_view(), name="help-now"),
    # Staff (api/views_staff.py)
    path("staff/members/", views_staff.MemberList.as_view(), name="staff-members"),
    path("staff/members/<id:member_id>/vet/", views_staff.MemberVet.as_view(), name="staff-vet"),
    path("staff/matches/", views_staff.MatchList.as_view(), name="staff-matches"),
    path(
        "staff/matches/<id:match_id>/approve/",
        views_staff.MatchApprove.as_view(),
        name="staff-match-approve",
    ),
    path(
        "staff/matches/<id:match_id>/reject/",
        views_staff.MatchReject.as_view(),
        name="staff-match-reject",
    ),
    path(
        "staff/matches/<id:match_id>/reassign/",
        views_staff.MatchReassign.as_view(),
        name="staff-match-reassign",
    ),
    path("staff/batch/", views_staff.BatchRunList.as_view(), name="staff-batch-runs"),
    path("staff/batch/preview/", views_staff.BatchPreview.as_view(), name="staff-batch-preview"),
    path("staff/batch/<id:run_id>/", views_staff.BatchRunDetail.as_view(), name="staff-batch-run"),
    path(
        "staff/batch/<id:run_id>/apply/", views_staff.BatchApply.as_view(), name="staff-batch-apply"
    ),
    path(
        "staff/needs-attention/",
        views_staff.NeedsAttentionList.as_view(),
        name="staff-needs-attention",
    ),
    path("staff/holds/", views_staff.HoldList.as_view(), name="staff-holds"),
    path(
        "staff/holds/<id:hold_id>/clear/", views_staff.HoldClear.as_view(), name="staff-hold-clear"
    ),
    path("staff/reports/", views_staff.ReportList.as_view(), name="staff-reports"),
    path("staff/concerns/", views_staff.ConcernList.as_view(), name="staff-concerns"),
    path(
        "staff/concerns/<id:checkin_id>/acknowledge/",
        views_staff.ConcernAcknowledge.as_view(),
        name="staff-concern-acknowledge",
    ),
    path("staff/reporting/", views_staff.Reporting.as_view(), name="staff-reporting"),
    # Check-ins, messages and a member's rights (api/views_member.py)
    path("checkins/", views_member.CheckInList.as_view(), name="checkins"),
    path(
        "reminders/<id:reminder_id>/snooze/",
        views_member.ReminderSnooze.as_view(),
        name="reminder-snooze",
    ),
    path("matches/<id:match_id>/messages/", views_member.MessageList.as_view(), name="messages"),
    path("me/disclosures/", views_member.MyDisclosures.as_view(), name="me-disclosures"),
    path("me/export/", views_member.MyExport.as_view(), name="me-export"),
    path("me/delete/", views_member.MyDelete.as_view(), name="me-delete"),
    # The recovery check (api/views_recovery.py)
    path(
        "me/recovery-check/",
        views_recovery.MyRecoveryCheck.as_view(),
        name="me-recovery-check",
    ),
    path(
        "me/recovery-check/trend/",
        views_recovery.MyRecoveryTrend.as_view(),
        name="me-recovery-trend",
    ),
    # My steps (api/views_steps.py)
    path("me/steps/", views_steps.MyStepList.as_view(), name="me-steps"),
    path("me/steps/<id:step_id>/", views_steps.MyStepDetail.as_view(), name="me-step"),
    path(
        "me/steps/<id:step_id>/answers/",
        views_steps.MyStepAnswers.as_view(),
        name="me-step-answers",
    ),
]

urlpatterns = [
    path("v1/", include((v1, "v1"))),
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("docs/", views.DocsView.as_view(url_name="api:schema"), name="docs"),
    # Anything else under /api/ (line breaks too) is a 404 in the API's error shape, not a page.
    re_path(r"^[\s\S]*$", not_found),
]
