"""Template tags that let the agency's editing page (a ``reports`` template) show the review's
comments in place without ``reports`` importing ``review``."""

from django import template

from review.selectors import review_comments
from review.workflow import Role, Status, acts_as

register = template.Library()


@register.simple_tag
def agency_review_comments(report, user):
    """The comments the agency sees on its report, and whether ``user`` may answer them now."""
    comments = review_comments(report, for_agency=True)
    comments.can_answer = report.status == Status.RETURNED and acts_as(user, Role.CLERK, report)
    return comments
