"""What happens to reviews, for the apps above reviews to react to (``chefu.events``). ``new``: the review was just
written (the automatic check published or held it), rather than moved by QA or an edit."""

from dataclasses import dataclass

from chefu.events import Event


@dataclass(frozen=True)
class ReviewPublished(Event):
    name = "review.published"
    review_id: int
    store_id: int
    new: bool


@dataclass(frozen=True)
class ReviewHeld(Event):
    """Waiting for QA: the automatic check found contact details or blocked words."""

    name = "review.held"
    review_id: int
    store_id: int
    new: bool


@dataclass(frozen=True)
class ReviewHidden(Event):
    name = "review.hidden"
    review_id: int
    store_id: int


@dataclass(frozen=True)
class ReviewEdited(Event):
    """The owner changed the ratings, the text or the tags (its status may have moved too)."""

    name = "review.edited"
    review_id: int
    store_id: int


@dataclass(frozen=True)
class ReviewModerated(Event):
    """A QA step on a review or one of its parts (``part``: "review", "follow_up" or "reply"), recorded as
    ``moderation_id``."""

    name = "review.moderated"
    review_id: int
    moderation_id: int
    part: str


# Every event after which a store's reputation must be counted again.
REPUTATION_CHANGES = (ReviewPublished, ReviewHeld, ReviewHidden, ReviewEdited)
