"""What the OpenAPI document says beyond the operations: one description per tag (``NinjaAPI(openapi_extra=...)``)."""

TAGS = [
    {"name": "health", "description": "Is the service up: the database and the broker, for load balancers."},
    {
        "name": "accounts",
        "description": "Phone sign-up and sign-in (SMS codes, bearer tokens, the site's session), "
        "the signed-in user and their vehicles.",
    },
    {"name": "notifications", "description": "The signed-in user's in-app messages: list, unread count, mark read."},
    {"name": "catalog", "description": "The platform's standard services, their categories and catalogue parts."},
    {"name": "stores", "description": "Partner stores: nearby search with prices and next slots, a store's page."},
    {"name": "prices", "description": "A store's published prices, their version history, and quotes for a vehicle."},
    {
        "name": "bookings",
        "description": "Owners' bookings: free slots, book, cancel, reschedule, decide on extra work.",
    },
    {
        "name": "payments",
        "description": "Paying a booking, coupons, the providers' notifications, the sandbox, and "
        "stores' settlement statements.",
    },
    {"name": "geo", "description": "Geocoding an address to coordinates (WGS-84, GCJ-02 or BD-09)."},
    {"name": "partner", "description": "Shop owners: apply to join, and run a store's hours, closures and prices."},
    {
        "name": "shop floor",
        "description": "A store's staff at work: the schedule, the booking policy, check-in to "
        "completion, checklists, photos and proposed extra work.",
    },
    {
        "name": "reviews",
        "description": "Verified reviews of completed bookings, follow-ups, photos, stores' replies "
        "and reports, and each store's public rating.",
    },
    {
        "name": "complaints",
        "description": "Owners' complaints about a booking and their photos, and the store's answer to them.",
    },
    {
        "name": "qa",
        "description": "Platform QA staff: partner applications, store status, bookings as their store "
        "sees them, and review moderation.",
    },
    {
        "name": "quality",
        "description": "The store standard in force, public: what every partner store is audited against.",
    },
    {
        "name": "consignment",
        "description": "Used-car consignment: the inspection template and report, the seller's listings and "
        "estimates, dealers, auctions and bids, deals and claims.",
    },
]
