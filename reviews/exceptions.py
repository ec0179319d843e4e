from django.utils.translation import gettext_lazy as _

from chefu.errors import Conflict, PermissionDenied


class NotReviewable(PermissionDenied):
    code = "not_reviewable"
    default_message = _("Only a completed booking can be reviewed, within 30 days of completion.")


class AlreadyReviewed(Conflict):
    code = "already_reviewed"
    default_message = _("This booking has already been reviewed.")


class EditWindowClosed(Conflict):
    code = "edit_window_closed"
    default_message = _("A review can be changed only within 24 hours of writing it.")


class AlreadyFollowedUp(Conflict):
    code = "already_followed_up"
    default_message = _("This review already has its follow-up.")


class FollowUpWindowClosed(Conflict):
    code = "follow_up_window_closed"
    default_message = _("A follow-up can be added only within 90 days of the review.")


class AlreadyReplied(Conflict):
    code = "already_replied"
    default_message = _("The store has already replied to this review.")


class AlreadyReported(Conflict):
    code = "already_reported"
    default_message = _("This review has already been reported and is waiting for QA.")


class ModerationConflict(Conflict):
    code = "invalid_moderation"
    default_message = _("The review is not in a state this action applies to.")
