"""What the content site's pages read live from the domain apps (a guide's checklist and city bands, a promotion's
coupon terms), and the character terms that let the database search backend find Chinese words."""

import html
import re
from decimal import Decimal

from django.utils import timezone
from django.utils.html import strip_tags
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from catalog.checklists import checklist_for_service
from catalog.models import Service
from catalog.reference_selectors import reference_band_list
from payments.models import Coupon, CouponKind
from payments.selectors import coupon_listed_live

# CJK unified ideographs and extension A: the runs of characters PostgreSQL's parser takes as a single token.
CJK_RUN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff]+")


def plain(rich_text: str) -> str:
    """The text of a rich-text field, without its tags and entities."""
    return html.unescape(strip_tags(rich_text or ""))


def cjk_terms(text: str) -> str:
    """Each Chinese character of ``text`` and each pair of neighbours, space-separated and once each (``小保养`` →
    ``小 保 养 小保 保养``): a one-character query matches a character, a longer one all of its pairs."""
    terms: dict[str, None] = {}
    for run in CJK_RUN.findall(text or ""):
        terms.update(dict.fromkeys(run))
        terms.update(dict.fromkeys(run[i : i + 2] for i in range(len(run) - 1)))
    return " ".join(terms)


def cjk_query(query: str) -> str:
    """The query with each run of Chinese characters split into its pairs (``机油滤`` → ``机油 油滤``); a single
    character stays as it is, and other words are kept."""

    def pairs(match: re.Match) -> str:
        run = match.group(0)
        if len(run) == 1:
            return f" {run} "
        return " " + " ".join(run[i : i + 2] for i in range(len(run) - 1)) + " "

    return " ".join(CJK_RUN.sub(pairs, query or "").split())


def guide_live(*, service: Service) -> dict:
    """A guide's live part: the service's standard checklist (labels in the active language) and its reference
    bands by city."""
    return {
        "service": service,
        "checklist": checklist_for_service(service=service),
        "bands": list(reference_band_list(service_code=service.code)),
    }


def yuan(amount: Decimal) -> str:
    """``30.00`` → ``30``, ``12.50`` → ``12.5``: how a promotion reads an amount."""
    return f"{amount:.2f}".rstrip("0").rstrip(".")


def coupon_terms(coupon: Coupon) -> list[str]:
    """A coupon's terms as owners read them, from the coupon as it is now."""
    if coupon.kind == CouponKind.AMOUNT:
        terms = [_("¥%(value)s off") % {"value": yuan(coupon.value)}]
    else:
        terms = [_("%(value)s%% off") % {"value": yuan(coupon.value)}]
        if coupon.max_discount:
            terms.append(_("at most ¥%(cap)s off") % {"cap": yuan(coupon.max_discount)})
    if coupon.min_spend:
        terms.append(_("on a payment of ¥%(min)s or more") % {"min": yuan(coupon.min_spend)})
    terms.append(
        ngettext("once per owner", "up to %(count)d times per owner", coupon.per_user_limit)
        % {"count": coupon.per_user_limit}
    )
    until = timezone.localtime(coupon.valid_until)
    terms.append(_("valid until %(date)s") % {"date": until.strftime("%Y-%m-%d %H:%M")})
    return terms


def promotions_live(*, blocks: list) -> list[dict]:
    """The promotions whose coupon an owner can take at checkout now, in the page's order, each with its coupon's
    current terms. Two queries at most, whatever the number of promotions."""
    live = coupon_listed_live(codes={block["coupon"] for block in blocks})
    return [
        {
            "coupon": live[block["coupon"]],
            "headline": block["headline"] or live[block["coupon"]].name,
            "text": block["text"],
            "terms": coupon_terms(live[block["coupon"]]),
        }
        for block in blocks
        if block["coupon"] in live
    ]
