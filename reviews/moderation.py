"""The automatic check on what owners write: a phone number, a web address or a blocked word holds the text for QA
before anyone sees it (reviews are not an advertising channel, and contact details invite off-platform deals).

The text is compared in NFKC form, case-folded, so full-width digits (１３８…) and letters (ＷＷＷ) are caught, and
phone numbers are looked for with spaces, dashes and dots between the digits removed.
"""

import re
import unicodedata

from reviews.models import BlockedWord

_SEPARATORS = re.compile(r"[\s\-_.·•/\\|,，。、]+")
_MOBILE = re.compile(r"(?<!\d)(?:\+?86)?1[3-9]\d{9}(?!\d)")
# Landlines: an area code 0xx or 0xxx, then 7-8 digits (separators already gone).
_LANDLINE = re.compile(r"(?<!\d)0[1-9]\d{1,2}\d{7,8}(?!\d)")
_URL = re.compile(
    r"(?:https?://|www\.)\S+|\b[a-z0-9][a-z0-9-]{0,62}\.(?:com|cn|net|org|top|xyz|cc|io|me|info|vip|shop|site|app)\b",
    re.IGNORECASE,
)


def normalized(text: str) -> str:
    return unicodedata.normalize("NFKC", text).casefold()


def _masked(digits: str) -> str:
    return digits[:3] + "*" * max(0, len(digits) - 7) + digits[-4:] if len(digits) > 7 else "*" * len(digits)


def findings(text: str) -> dict[str, list[str]]:
    """What holds ``text`` for QA: ``{"phone": [masked numbers], "url": [...], "blocked_words": [...]}``, only the
    kinds found; empty when the text may be shown at once."""
    if not text:
        return {}
    plain = normalized(text)
    found: dict[str, list[str]] = {}
    squeezed = _SEPARATORS.sub("", plain)
    phones = [m.group() for m in _MOBILE.finditer(squeezed)] + [m.group() for m in _LANDLINE.finditer(squeezed)]
    if phones:
        found["phone"] = sorted({_masked(p) for p in phones})
    urls = [m.group() for m in _URL.finditer(plain)]
    if urls:
        found["url"] = sorted(set(urls))
    words = [w for w in BlockedWord.objects.filter(is_active=True).values_list("word", flat=True)]
    blocked = sorted({w for w in words if normalized(w) in plain or normalized(w) in squeezed})
    if blocked:
        found["blocked_words"] = blocked
    return found
