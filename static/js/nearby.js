// Shop search on the home page: geocode the address (or take coordinates), then list nearby shops.
(function () {
  "use strict";
  // The page's texts (data-* of #nearby-texts in cms/templates/cms/home_page.html).
  const t = document.getElementById("nearby-texts").dataset;
  const form = document.getElementById("nearby-form");
  const statusEl = document.getElementById("status");
  const results = document.getElementById("results");

  async function getJSON(url) {
    const response = await fetch(url, { headers: { Accept: "application/json" } });
    const body = await response.json();
    if (!response.ok) {
      throw new Error(body.error ? body.error.message : response.statusText);
    }
    return body;
  }

  function distance(m) {
    return m < 1000 ? m + " m" : (m / 1000).toFixed(1) + " km";
  }

  function render(stores) {
    results.replaceChildren();
    for (const s of stores) {
      const li = document.createElement("li");
      li.className = "store";
      const name = document.createElement("strong");
      const link = document.createElement("a");
      link.href = "/stores/" + s.id + "/";
      link.textContent = s.name;
      name.append(link);
      const meta = document.createElement("span");
      meta.className = "meta";
      const rating = s.rating === null ? t.noRating : t.rating + " " + s.rating.toFixed(1);
      meta.textContent = distance(s.distance_m) + " · " + rating;
      const address = document.createElement("div");
      address.className = "address";
      address.textContent = s.address;
      li.append(name, meta, address);
      li.dataset.storeId = s.id;
      results.append(li);
    }
  }

  form.addEventListener("submit", async function (event) {
    event.preventDefault();
    statusEl.textContent = t.searching;
    results.replaceChildren();
    try {
      let lat = form.lat.value.trim();
      let lng = form.lng.value.trim();
      const q = form.q.value.trim();
      if (!(lat && lng)) {
        if (!q) {
          statusEl.textContent = t.needPlace;
          return;
        }
        const place = await getJSON("/api/v1/geo/geocode?" + new URLSearchParams({ q: q }));
        lat = place.lat;
        lng = place.lng;
      }
      const params = new URLSearchParams({ lat: lat, lng: lng, radius_km: form.radius_km.value, limit: 50 });
      if (form.category.value) params.set("category", form.category.value);
      if (form.open_now.checked) params.set("open_now", "true");
      const page = await getJSON("/api/v1/stores/nearby?" + params);
      render(page.items);
      statusEl.textContent = page.count ? t.found.replace("%(count)s", page.count) : t.none;
    } catch (error) {
      statusEl.textContent = t.failed + error.message;
    }
  });
})();
