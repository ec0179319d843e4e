import datetime as dt

from ninja import Schema


class NotificationOut(Schema):
    id: int
    template: str
    subject: str
    body: str
    ref: str
    created_at: dt.datetime
    read_at: dt.datetime | None


class NotificationListOut(Schema):
    items: list[NotificationOut]
    count: int


class CountOut(Schema):
    count: int
