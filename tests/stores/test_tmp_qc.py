from tests.stores.test_api_nearby_soonest import *  # noqa

def test_show(api, now):
    for k in range(3):
        shop(150 * (k + 1), 37 * k)
    for sort in ("soonest", "distance", "price"):
        with CaptureQueriesContext(connection) as c:
            nearby(api, limit=100, service=MINOR, sort=sort)
        print(sort, len(c))
        for q in c.captured_queries:
            print("   ", q["sql"][:150])
