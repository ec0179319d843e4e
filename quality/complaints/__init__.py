"""Owners' complaints about a booking: filed by the owner, answered by the store within 24 h, resolved by QA within
72 h (rejected, or upheld with a refund, a free rework booking and penalty points), every step a trail row
(``ComplaintEvent``), the owner and the store told through the outbox. ``services`` writes, ``selectors`` reads,
``api`` is the HTTP contract (API.md, "Complaints"), ``sla`` is the sweep that escalates breaches.
"""
