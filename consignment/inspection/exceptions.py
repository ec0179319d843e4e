"""The inspection report's refusals, each with a stable code (API.md, "Used-car consignment")."""

from django.utils.translation import gettext_lazy as _

from chefu.errors import Conflict


class NotAnInspection(Conflict):
    """The booking is not of the ``consignment_inspection`` service: it has no inspection report."""

    code = "not_an_inspection_booking"
    default_message = _("This booking is not a consignment inspection: it has no inspection report.")

    def __init__(self, *, service_code: str):
        super().__init__(details={"service_code": service_code})


class ReportPublished(Conflict):
    """The report was published when its booking completed; it never changes after that."""

    code = "inspection_report_published"
    default_message = _("The inspection report is published and can no longer change.")


class ReportMissing(Conflict):
    code = "inspection_report_missing"
    default_message = _("Save the inspection report first.")


class ReportIncomplete(Conflict):
    """The report was written against another template version, or lacks items of its own (``missing``)."""

    code = "inspection_report_incomplete"
    default_message = _("The inspection report does not answer every item of the current template: save it again.")

    def __init__(self, *, missing: list[str], template_version: str):
        super().__init__(details={"missing": missing, "template_version": template_version})
