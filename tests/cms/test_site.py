import pytest
from wagtail.contrib.redirects.models import Redirect

pytestmark = pytest.mark.django_db


def test_home_page_is_the_site_root(client):
    response = client.get("/")

    assert response.status_code == 200
    assert "车服" in response.content.decode()
    assert 'lang="zh-hans"' in response.content.decode()


def test_wagtail_redirects_still_work_for_site_pages(client):
    Redirect.objects.create(old_path="/old-shop-list", redirect_link="/")

    response = client.get("/old-shop-list")

    assert response.status_code in (301, 302)
    assert response["Location"] == "/"


def test_an_api_404_asks_no_redirect_of_the_database(client, django_assert_num_queries):
    Redirect.objects.create(old_path="/api/v1/nope", redirect_link="/")

    with django_assert_num_queries(0):
        response = client.get("/api/v1/nope")

    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


def test_back_office_and_django_admin_are_where_the_readme_says(client):
    assert client.get("/admin/").status_code == 302
    assert "/admin/login/" in client.get("/admin/")["Location"]
    assert "/django-admin/login/" in client.get("/django-admin/")["Location"]
