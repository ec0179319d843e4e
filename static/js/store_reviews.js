// A store's 评价: its rating with the five dimensions' means and the stars' distribution, then its published
// reviews, sorted and filtered, a page at a time. How many reviews QA hid is said, never silently left out.
(function () {
  "use strict";
  const C = window.Chefu;
  const R = C.reviews;
  const t = C.t;
  const el = C.el;
  const PAGE = 10;

  const section = document.getElementById("reviews");
  const storeId = section.dataset.storeId;
  const tz = section.dataset.timezone;
  const rating = section.dataset.rating; // the store's (Bayesian) rating; "" before its first review
  const summary = document.getElementById("review-summary");
  const notices = document.getElementById("review-notices");
  const controls = document.getElementById("review-controls");
  const sort = document.getElementById("review-sort");
  const tag = document.getElementById("review-tag");
  const withPhotos = document.getElementById("review-with-photos");
  const withText = document.getElementById("review-with-text");
  const list = document.getElementById("review-list");
  const status = document.getElementById("review-status");
  const more = document.getElementById("review-more");

  let received = 0; // reviews the pages so far held: the next page's offset
  let shown = new Set(); // ids listed: a review written meanwhile shifts the pages, and is not listed twice
  let request = 0;

  for (const [value, label] of Object.entries(t.tags)) tag.append(el("option", { value: value, text: label }));

  function path(offset) {
    const params = new URLSearchParams({ limit: String(PAGE), offset: String(offset), sort: sort.value });
    if (tag.value) params.set("tag", tag.value);
    if (withPhotos.checked) params.set("with_photos", "true");
    if (withText.checked) params.set("with_text", "true");
    return "/stores/" + storeId + "/reviews?" + params;
  }

  function bar(share) {
    return el("span", { class: "bar", "aria-hidden": "true" }, el("span", { style: "width: " + share.toFixed(1) + "%" }));
  }

  function renderSummary(page) {
    const count = page.review_count;
    if (!count) {
      summary.replaceChildren(el("p", { class: "muted", text: t.noReviewsYet }));
    } else {
      const means = el("dl", { class: "review-means" });
      for (const [name, label] of Object.entries(t.dimensions)) {
        const mean = page.means[name];
        if (mean === undefined || mean === null) continue;
        means.append(
          el("div", { "data-dimension": name }, [
            el("dt", { text: label }),
            el("dd", {}, [bar((mean / 5) * 100), el("span", { class: "num", text: R.score(mean) })]),
          ])
        );
      }
      const stars = el("ul", { class: "review-distribution" });
      for (let star = 5; star >= 1; star--) {
        const n = page.distribution[String(star)] || 0;
        stars.append(
          el("li", { "data-stars": String(star) }, [
            el("span", { text: C.fmt(t.stars, { count: star }) }),
            bar((n / count) * 100),
            el("span", { class: "num", text: String(n) }),
          ])
        );
      }
      summary.replaceChildren(
        el("p", { class: "review-score review-total" }, [
          rating ? el("strong", { class: "review-rating", text: C.fmt(t.ratingScore, { rating: R.score(rating) }) }) : null,
          rating ? R.stars(rating) : null,
          el("span", { class: "review-count muted", text: C.fmt(t.reviewCount, { count: count }) }),
        ]),
        el("div", { class: "review-numbers" }, [means, stars])
      );
    }
    notices.replaceChildren();
    if (page.hidden_count) notices.append(el("p", { class: "review-hidden", text: C.fmt(t.hiddenReviews, { count: page.hidden_count }) }));
    if (page.held_count) notices.append(el("p", { class: "review-held", text: C.fmt(t.heldReviews, { count: page.held_count }) }));
    controls.hidden = !count;
  }

  // The first page again (`fresh`), after a change of sort or filter, or the next one (加载更多).
  async function load(fresh) {
    const mine = ++request;
    more.disabled = true;
    if (fresh) C.say(status, t.loading);
    let page;
    try {
      page = await C.api("GET", path(fresh ? 0 : received));
    } catch (error) {
      if (mine === request) {
        C.say(status, C.explain(error), "error");
        more.disabled = false;
      }
      return;
    }
    if (mine !== request) return; // a later choice is loading
    if (fresh) {
      renderSummary(page);
      list.replaceChildren();
      received = 0;
      shown = new Set();
    }
    received += page.items.length;
    for (const review of page.items) {
      if (shown.has(review.id)) continue;
      shown.add(review.id);
      list.append(R.item(review, { tz: tz }));
    }
    more.hidden = received >= page.count || !page.items.length;
    more.disabled = false;
    if (!page.count) C.say(status, page.review_count ? t.noMatchingReviews : "");
    else C.say(status, C.fmt(t.reviewsShown, { shown: list.children.length, count: page.count }));
  }

  for (const control of [sort, tag, withPhotos, withText]) control.addEventListener("change", () => load(true));
  more.addEventListener("click", () => load(false));
  load(true);
})();
