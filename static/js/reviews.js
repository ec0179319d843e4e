// Reviews as people read them, on the store page and on 我的预约: stars, then the review with its tags, photos,
// follow-up (追评) and the store's reply, each set apart.
(function () {
  "use strict";
  const C = window.Chefu;
  const t = C.t;
  const el = C.el;
  const lang = document.documentElement.lang || "zh-Hans";

  // "2025年11月24日" on the store's calendar.
  function date(iso, tz) {
    return new Intl.DateTimeFormat(lang, { timeZone: tz, year: "numeric", month: "short", day: "numeric" }).format(new Date(iso));
  }

  // Ratings are read with one decimal: 4.4.
  function score(value) {
    return Number(value).toFixed(1);
  }

  // Five stars filled to `value` (0-5); screen readers hear "4.4 out of 5".
  function stars(value) {
    const share = (Math.max(0, Math.min(5, Number(value))) / 5) * 100;
    return el("span", { class: "stars", role: "img", "aria-label": C.fmt(t.outOfFive, { rating: score(value) }) }, [
      el("span", { class: "stars-on", style: "width: " + share.toFixed(1) + "%" }),
    ]);
  }

  // What only the author sees: a review or follow-up not (or no longer) public. Null when it is published.
  function statusBadge(status) {
    if (status === "held") return el("span", { class: "badge warn review-status", text: t.reviewHeld });
    if (status === "hidden") return el("span", { class: "badge review-status", text: t.reviewHidden });
    return null;
  }

  function when(iso, tz) {
    return el("time", { class: "muted small", datetime: iso, text: date(iso, tz) });
  }

  function aside(kind, title, part, tz, badge) {
    return el("div", { class: "review-" + kind }, [
      el("p", { class: "review-aside-head" }, [el("strong", { text: title }), " ", when(part.created_at, tz), badge ? " " : null, badge]),
      el("p", { class: "review-text", text: part.text }),
    ]);
  }

  function photoList(photos) {
    if (!photos.length) return null;
    return el(
      "ul",
      { class: "review-photos" },
      photos.map(function (photo, n) {
        return el(
          "li",
          {},
          el("a", { href: photo.url, target: "_blank", rel: "noopener" }, [
            el("img", {
              src: photo.url,
              alt: C.fmt(t.photoAlt, { n: n + 1 }),
              loading: "lazy",
              width: String(photo.width),
              height: String(photo.height),
            }),
          ])
        );
      })
    );
  }

  // A review from GET /stores/{id}/reviews, or the owner's own (options.owner: its status and its follow-up's
  // are shown). options.tz: the store's zone; options.tag: the element ("li" unless said).
  function item(review, options) {
    const tz = options.tz;
    const followUp = review.follow_up;
    return el(options.tag || "li", { class: "review", "data-review-id": String(review.id) }, [
      el("p", { class: "review-head" }, [
        el("strong", { class: "review-author", text: review.author }),
        el("span", { class: "muted small review-about", text: [review.vehicle, review.service].filter(Boolean).join(" · ") }),
        when(review.created_at, tz),
      ]),
      el("p", { class: "review-score" }, [
        stars(review.overall),
        el("span", { class: "review-overall", text: score(review.overall) }),
        review.edited ? el("span", { class: "badge", text: t.edited }) : null,
        options.owner ? statusBadge(review.status) : null,
      ]),
      review.tags.length
        ? el(
            "p",
            { class: "review-tags" },
            review.tags.map((tag) => el("span", { class: "tag", text: t.tags[tag] || tag }))
          )
        : null,
      review.text ? el("p", { class: "review-text review-body", text: review.text }) : null,
      photoList(review.photos),
      followUp ? aside("follow-up", t.followUp, followUp, tz, options.owner ? statusBadge(followUp.status) : null) : null,
      review.reply ? aside("reply", t.storeReply, review.reply, tz, null) : null,
    ]);
  }

  C.reviews = { date: date, score: score, stars: stars, statusBadge: statusBadge, item: item };
})();
