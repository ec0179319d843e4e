"""Demo data for ``make run`` (``manage.py seed_demo``): invented Shanghai shops, their prices, a day of bookings and
verified reviews, and the accounts to try them with. The top layer: it may import every app, and nothing imports it.
"""
