"""The automatic check on what owners write: a phone number, a web address or a blocked word holds the text for QA
before anyone sees it (reviews are not an advertising channel, and contact details invite off-platform deals).

The text is compared in NFKC form, case-folded, so full-width digits (１３８…) and letters (ＷＷＷ) are caught, and
phone numbers are looked for with spaces, dashes and dots between the digits removed.
"""

import re
import unicodedata

from reviews.models import BlockedWord

# What people put between digits to get a number past a filter.
_SEP = r"[\s\-_.·•/\\|,，。、—–~～*()（）\[\]]*"
_SEPARATORS = re.compile(_SEP[:-1] + "+")
_MOBILE = re.compile(r"(?<!\d)(?:(?:\+|00)?86" + _SEP + r")?1" + _SEP + r"[3-9](?:" + _SEP + r"\d){9}(?!\d)")
# Landlines: an area code 0xx or 0xxx, then 7-8 digits, possibly split.
_LANDLINE = re.compile(r"(?<!\d)0[1-9]\d{1,2}" + _SEP + r"\d{3,4}" + _SEP + r"\d{4}(?!\d)")
_TLDS = "com|cn|net|org|top|xyz|cc|io|me|info|vip|shop|site|app|ly|co|tv|link|club|online|cloud|wang|ink"
_URL = re.compile(
    r"(?:https?://|www[.。])\S+|(?<![a-z0-9-])[a-z0-9][a-z0-9-]{0,62}[.。](?:" + _TLDS + r")(?![a-z0-9-])",
    re.ASCII,
)
# Chinese numerals written to spell a number out (幺三八…).
_NUMERALS = str.maketrans("零〇一幺二两三四五六七八九", "0011223456789")


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
    digits = plain.translate(_NUMERALS)
    phones = [m.group() for m in _MOBILE.finditer(digits)] + [m.group() for m in _LANDLINE.finditer(digits)]
    if phones:
        numbers = (re.sub(r"\D", "", p) for p in phones)
        found["phone"] = sorted({_masked(n[-11:] if len(n) > 11 else n) for n in numbers})  # without +86 / 0086
    urls = [m.group() for m in _URL.finditer(plain)]
    if urls:
        found["url"] = sorted(set(urls))
    squeezed = _SEPARATORS.sub("", plain)
    words = [w for w in BlockedWord.objects.filter(is_active=True).values_list("word", flat=True)]
    blocked = sorted({w for w in words if normalized(w) in plain or normalized(w) in squeezed})
    if blocked:
        found["blocked_words"] = blocked
    return found
