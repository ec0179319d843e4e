"""The store standard: drafts edited by QA, published versions that never change (a database trigger, migration
0002), and the version in force of each code (its latest published one), which public pages and new audits use."""

import re
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Case, IntegerField, Max, QuerySet, Value, When
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from chefu.errors import Conflict, NotFound, ValidationFailed
from quality.exceptions import StandardPublished
from quality.lock_objects import standard_lock
from quality.models import Standard, StandardCategory, StandardItem

MAX_ITEMS = 50
_SLUG = re.compile(r"^[a-z0-9_-]+$")


@dataclass(frozen=True)
class ItemSpec:
    """One item as QA writes it into a draft."""

    code: str
    text_zh: str
    text_en: str
    weight: int
    critical: bool = False
    evidence_required: bool = False


# --- reads ----------------------------------------------------------------------------------------------------------


def _category_order() -> Case:
    return Case(
        *[When(category=value, then=Value(index)) for index, value in enumerate(StandardCategory.values)],
        default=Value(len(StandardCategory.values)),
        output_field=IntegerField(),
    )


def standards_in_force() -> QuerySet[Standard]:
    """The latest published version of every code, in the order of ``StandardCategory``, with their items."""
    latest = Standard.objects.filter(published_at__isnull=False).order_by("code", "-version").distinct("code")
    return (
        Standard.objects.filter(pk__in=latest.values("pk"))
        .annotate(category_order=_category_order())
        .order_by("category_order", "code")
        .prefetch_related("items")
    )


def standard_in_force(*, code: str) -> Standard | None:
    """The version of ``code`` new audits score against; None when none is published."""
    return Standard.objects.filter(code=code, published_at__isnull=False).order_by("-version").first()


def standard_get(*, standard_id: int) -> Standard:
    standard = Standard.objects.prefetch_related("items").select_related("published_by").filter(pk=standard_id).first()
    if standard is None:
        raise NotFound()
    return standard


def standard_list(*, code: str | None = None) -> QuerySet[Standard]:
    """Every version, drafts included (QA), newest version of each code first."""
    queryset = Standard.objects.prefetch_related("items").order_by("code", "-version")
    return queryset.filter(code=code) if code else queryset


# --- writes ---------------------------------------------------------------------------------------------------------


def _items_build(standard: Standard, items: list[ItemSpec]) -> list[StandardItem]:
    if len(items) > MAX_ITEMS:
        raise ValidationFailed({"items": _("A standard has at most %(n)d items.") % {"n": MAX_ITEMS}})
    codes = [item.code for item in items]
    duplicates = sorted({code for code in codes if codes.count(code) > 1})
    if duplicates:
        raise ValidationFailed({"items": _("Item codes repeat: %(codes)s.") % {"codes": ", ".join(duplicates)}})
    built, errors = [], {}
    for index, spec in enumerate(items):
        item = StandardItem(
            standard=standard,
            code=spec.code,
            text_zh=spec.text_zh,
            text_en=spec.text_en,
            weight=spec.weight,
            critical=spec.critical,
            evidence_required=spec.evidence_required,
            position=(index + 1) * 10,
        )
        try:
            item.full_clean(exclude=["standard"], validate_unique=False, validate_constraints=False)
        except ValidationError as error:
            for field, messages in error.message_dict.items():
                errors[f"items.{index}.{field}"] = messages
        built.append(item)
    if errors:
        raise ValidationFailed(errors)
    return built


@transaction.atomic
def standard_draft_create(
    *,
    code: str,
    category: str,
    title_zh: str,
    title_en: str,
    by: User | None,
    items: list[ItemSpec] | None = None,
) -> Standard:
    """A new draft version of ``code`` (its next version number) with ``items``, or, when None, a copy of the items
    of the version in force. ``ValidationFailed`` for a bad field or a category other than the code's;
    ``Conflict`` (``draft_exists``) while the code has an unpublished draft, or when another draft was made at the
    same time."""
    if not code or not _SLUG.match(code) or len(code) > 40:
        raise ValidationFailed({"code": _("Use lowercase letters, digits, '-' and '_' (at most 40).")})
    if category not in StandardCategory.values:
        raise ValidationFailed({"category": _("Unknown category.")})
    versions = Standard.objects.filter(code=code)
    known_category = versions.values_list("category", flat=True).first()
    if known_category is not None and known_category != category:
        raise ValidationFailed({"category": _("The code %(code)s is of another category.") % {"code": code}})
    if versions.filter(published_at__isnull=True).exists():
        raise Conflict(_("This standard already has a draft: edit it or publish it."), details={"reason": code})
    standard = Standard(
        code=code,
        category=category,
        version=(versions.aggregate(last=Max("version"))["last"] or 0) + 1,
        title_zh=title_zh,
        title_en=title_en,
    )
    try:
        standard.full_clean(validate_unique=False, validate_constraints=False)
    except ValidationError as error:
        raise ValidationFailed.from_django(error) from None
    if items is None:
        current = standard_in_force(code=code)
        source = list(current.items.all()) if current else []
        items = [ItemSpec(i.code, i.text_zh, i.text_en, i.weight, i.critical, i.evidence_required) for i in source]
    built = _items_build(standard, items)
    try:
        with transaction.atomic():
            standard.save()
    except IntegrityError:
        raise Conflict(_("Another version of this standard was just created."), details={"reason": code}) from None
    for item in built:
        item.standard = standard
    StandardItem.objects.bulk_create(built)
    return standard


def _draft_lock(standard_id: int) -> Standard:
    standard = standard_lock(standard_id)
    if standard is None:
        raise NotFound()
    if standard.published_at is not None:
        raise StandardPublished()
    return standard


@transaction.atomic
def standard_items_set(
    *, standard_id: int, items: list[ItemSpec], title_zh: str | None = None, title_en: str | None = None
) -> Standard:
    """Replace a draft's items (and titles when given). Locks the standard's row. ``StandardPublished`` once it is
    published; ``ValidationFailed`` for a bad item."""
    standard = _draft_lock(standard_id)
    built = _items_build(standard, items)
    changed = []
    for field, value in (("title_zh", title_zh), ("title_en", title_en)):
        if value is not None:
            setattr(standard, field, value)
            changed.append(field)
    if changed:
        try:
            standard.full_clean(validate_unique=False, validate_constraints=False)
        except ValidationError as error:
            raise ValidationFailed.from_django(error) from None
        standard.save(update_fields=changed)
    standard.items.all().delete()
    StandardItem.objects.bulk_create(built)
    return standard


@transaction.atomic
def standard_publish(*, standard_id: int, by: User | None) -> Standard:
    """Publish a draft: from now on it and its items never change, and it is the version in force of its code.
    Locks the standard's row. ``StandardPublished`` when it already is; ``ValidationFailed`` without items."""
    standard = _draft_lock(standard_id)
    if not standard.items.exists():
        raise ValidationFailed({"items": _("A standard needs at least one item to be published.")})
    standard.published_at = timezone.now()
    standard.published_by = by
    standard.save(update_fields=["published_at", "published_by"])
    return standard
