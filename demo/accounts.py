"""The demo accounts (one per role, all with one password), the demo owner's cars and a pending partner application,
all made through the accounts and stores services."""

from dataclasses import dataclass

from accounts.models import Role
from accounts.services import user_create, vehicle_create
from demo.places import CITY
from demo.stores import MAINTENANCE, PARTS, WASHING
from stores.models import PartnerApplication, StaffRole, Store
from stores.services import application_submit, membership_add

DEMO_PASSWORD = "chefu-demo-2026"


@dataclass(frozen=True)
class DemoAccount:
    phone: str
    name: str
    roles: tuple[str, ...]
    what: str


ADMIN = DemoAccount("13800000000", "平台管理员", (Role.ADMIN,), "platform admin, signs in to /admin/")
OWNER = DemoAccount("13800000001", "张先生", (Role.OWNER,), "car owner with three vehicles")
MANAGER = DemoAccount("13800000002", "李店长", (Role.OWNER,), "manager of the first demo store")
QA = DemoAccount("13800000003", "王质检", (Role.QA,), "QA staff, reviews partner applications")
APPLICANT = DemoAccount("13800000004", "赵老板", (Role.OWNER,), "shop owner with an application awaiting review")
DEALER = DemoAccount(
    "13800000005", "孙经理", (Role.OWNER,), "verified used-car dealer, deposit held, won the Passat, bought the Corolla"
)
DEALER_2 = DemoAccount("13800000006", "钱经理", (Role.OWNER,), "verified used-car dealer bidding in the demo")
DEALER_3 = DemoAccount("13800000007", "周经理", (Role.OWNER,), "verified used-car dealer bidding in the demo")
DEMO_ACCOUNTS = (ADMIN, OWNER, MANAGER, QA, APPLICANT, DEALER, DEALER_2, DEALER_3)
DEMO_PHONES = tuple(a.phone for a in DEMO_ACCOUNTS)

OWNER_VEHICLES = (
    {"plate": "沪AD12345", "make": "比亚迪", "model": "汉EV", "year": 2022, "mileage_km": 18600},
    {
        "plate": "沪A5K321",
        "make": "大众",
        "model": "帕萨特",
        "year": 2018,
        "mileage_km": 86300,
        "tyre_size": "235/45R18",
    },
    # Sold through consignment a week before the demo (demo.consignment).
    {"plate": "沪B8N706", "make": "丰田", "model": "卡罗拉", "year": 2019, "mileage_km": 52400},
)

# In Nanxiang, Jiading (inside the Jiading polygon below).
APPLICATION = {
    "name": "嘉驰汽车服务(曹安公路店)",
    "address": "上海市嘉定区曹安公路4888号",
    "city": CITY,
    "lat": 31.2935,
    "lng": 121.2862,
    "phone": "021-59126688",
    "categories": [MAINTENANCE, WASHING, PARTS],
    "bays": [
        {"name": "1号工位", "categories": [MAINTENANCE, PARTS]},
        {"name": "2号工位", "categories": [MAINTENANCE]},
        {"name": "洗车位A", "categories": [WASHING]},
    ],
    "opening_hours": [{"weekday": d, "opens": "08:30", "closes": "18:30"} for d in range(7)],
}


def accounts_create(*, manager_store: Store) -> PartnerApplication:
    """The demo accounts and the owner's cars; the manager runs ``manager_store``; the applicant's application."""
    users = {
        a.phone: user_create(phone=a.phone, password=DEMO_PASSWORD, name=a.name, roles=list(a.roles))
        for a in DEMO_ACCOUNTS
    }
    for vehicle in OWNER_VEHICLES:
        vehicle_create(owner=users[OWNER.phone], **vehicle)
    membership_add(store=manager_store, user=users[MANAGER.phone], role=StaffRole.MANAGER)
    return application_submit(applicant=users[APPLICANT.phone], **APPLICATION)
