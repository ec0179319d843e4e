// 我的预约's review of a completed booking: the 评价 button and its form (five star ratings, tags, words, photos),
// then the review as written, with 修改 while it may still be changed and 追评 while one may be added.
(function () {
  "use strict";
  const C = window.Chefu;
  const R = C.reviews;
  const t = C.t;
  const el = C.el;
  const limits = C.config.review; // cms.views._script_config: what reviews.services accepts
  let groups = 0; // radio groups on the page, for unique names

  function future(iso) {
    return new Date(iso).getTime() > Date.now();
  }

  // Still within the days a completed booking may be reviewed in (counted from its last move to completed).
  // The server says until when (completed, paid, not yet reviewed); null means it cannot be reviewed.
  function reviewable(booking) {
    return Boolean(booking.reviewable_until) && Date.now() < new Date(booking.reviewable_until).getTime();
  }

  // One dimension's 1-5 stars: a radio group named by its legend, each radio "N 星".
  function ratingGroup(name, value) {
    const id = "rating-" + ++groups;
    const said = el("span", { class: "rating-said muted small" });
    const row = el("span", { class: "star-row" });
    for (let n = 1; n <= 5; n++) {
      row.append(
        el("label", { class: "star" }, [
          el("input", { type: "radio", name: id, value: String(n), "aria-label": C.fmt(t.stars, { count: n }), checked: value === n }),
          el("span", { "aria-hidden": "true", text: "★" }),
        ])
      );
    }
    const group = el("fieldset", { class: "rating", role: "radiogroup", "aria-labelledby": id + "-legend", "data-dimension": name }, [
      el("legend", { id: id + "-legend", text: t.dimensions[name] }),
      row,
      said,
    ]);
    function chosen() {
      const input = group.querySelector("input:checked");
      return input ? Number(input.value) : 0;
    }
    function paint() {
      const stars = chosen();
      row.querySelectorAll(".star").forEach((label, n) => label.classList.toggle("on", n < stars));
      said.textContent = stars ? C.fmt(t.stars, { count: stars }) : "";
    }
    group.addEventListener("change", paint);
    paint();
    return { name: name, element: group, value: chosen };
  }

  // Each photo in its own request, after the review exists; returns what went wrong, one line a photo.
  async function upload(reviewId, files, note) {
    const failures = [];
    for (let n = 0; n < files.length; n++) {
      C.say(note, C.fmt(t.uploadingPhoto, { n: n + 1, count: files.length }));
      const form = new FormData();
      form.append("photo", files[n]);
      try {
        await C.api("POST", "/reviews/" + reviewId + "/photos", { form: form });
      } catch (error) {
        failures.push(C.fmt(t.photoFailed, { name: files[n].name, error: C.explain(error) }));
      }
    }
    return failures;
  }

  function counter(field, max) {
    const left = el("span", { class: "muted small chars-left", "aria-live": "polite" });
    const update = () => (left.textContent = C.fmt(t.charsLeft, { count: max - field.value.length }));
    field.addEventListener("input", update);
    update();
    return left;
  }

  // The form writing a review (`review` null) or changing the owner's review. `done(text, kind)` shows the review
  // again with that message; `back()` leaves the form.
  function reviewForm(booking, review, note, done, back) {
    const ratings = Object.keys(t.dimensions).map((name) => ratingGroup(name, review ? review.ratings[name] : 0));
    const tags = el(
      "div",
      { class: "choices" },
      Object.entries(t.tags).map(([value, label]) =>
        el("label", { class: "choice" }, [
          el("input", { type: "checkbox", name: "tags", value: value, checked: !!review && review.tags.includes(value) }),
          label,
        ])
      )
    );
    const text = el("textarea", { name: "text", rows: "4", maxlength: String(limits.textMax) });
    text.value = review ? review.text : "";
    const room = limits.maxPhotos - (review ? review.photos.length : 0);
    const photos = el("input", { type: "file", name: "photos", accept: "image/jpeg,image/png,image/webp", multiple: true });
    const submit = el("button", { type: "submit", class: "submit-review", text: review ? t.saveChanges : t.submitReview });
    const form = el("form", { class: "review-form stack", novalidate: true }, [
      ...ratings.map((group) => group.element),
      el("fieldset", { class: "review-tag-choices" }, [el("legend", { text: t.reviewTags }), tags]),
      el("div", { class: "review-text-field" }, [el("label", {}, [t.reviewText, text]), counter(text, limits.textMax)]),
      room > 0 ? el("label", {}, [C.fmt(t.reviewPhotos, { count: room }), photos]) : null,
      el("div", { class: "row" }, [submit, el("button", { type: "button", class: "secondary", text: t.back, onclick: back })]),
    ]);
    photos.addEventListener("change", function () {
      C.say(note, photos.files.length > room ? C.fmt(t.tooManyPhotos, { count: room }) : "", "error");
    });

    form.addEventListener("submit", async function (event) {
      event.preventDefault();
      const unrated = ratings.find((group) => !group.value());
      if (unrated) {
        C.say(note, t.rateAll, "error");
        unrated.element.querySelector("input").focus();
        return;
      }
      const files = Array.from(photos.files || []);
      if (files.length > room) {
        C.say(note, C.fmt(t.tooManyPhotos, { count: room }), "error");
        return;
      }
      const body = {
        ratings: Object.fromEntries(ratings.map((group) => [group.name, group.value()])),
        text: text.value.trim(),
        tags: Array.from(tags.querySelectorAll("input:checked"), (input) => input.value),
      };
      submit.disabled = true;
      C.say(note, t.sending);
      let saved;
      try {
        saved = review
          ? await C.api("PUT", "/reviews/" + review.id, { body: body })
          : await C.api("POST", "/bookings/" + booking.id + "/review", { body: body });
      } catch (error) {
        submit.disabled = false;
        // Written meanwhile (another tab, or an answer that never arrived): show the one there is.
        if (error.code === "already_reviewed") return done(C.explain(error), "error");
        C.say(note, error.status === 401 ? t.signInFirst : C.explain(error), "error");
        return;
      }
      const failures = await upload(saved.id, files, note);
      const said = [review ? t.reviewSaved : t.reviewSent];
      if (saved.status === "held") said.push(t.reviewHeldNote);
      done(said.concat(failures).join(" "), failures.length ? "error" : "ok");
    });
    return form;
  }

  function followUpForm(review, note, done, back) {
    const text = el("textarea", { name: "follow_up", rows: "3", maxlength: String(limits.followUpMax), required: true });
    const submit = el("button", { type: "submit", class: "submit-follow-up", text: t.submitFollowUp });
    const form = el("form", { class: "follow-up-form stack" }, [
      el("div", {}, [el("label", {}, [t.followUpText, text]), counter(text, limits.followUpMax)]),
      el("div", { class: "row" }, [submit, el("button", { type: "button", class: "secondary", text: t.back, onclick: back })]),
    ]);
    form.addEventListener("submit", async function (event) {
      event.preventDefault();
      submit.disabled = true;
      C.say(note, t.sending);
      try {
        const added = await C.api("POST", "/reviews/" + review.id + "/follow-up", { body: { text: text.value.trim() } });
        done(t.followUpSent + (added.status === "held" ? " " + t.reviewHeldNote : ""), "ok");
      } catch (error) {
        submit.disabled = false;
        C.say(note, error.status === 401 ? t.signInFirst : C.explain(error), "error");
      }
    });
    return form;
  }

  // The review part of a completed booking's card: loads the owner's review (GET /bookings/{id}/review, 404 when
  // there is none) and shows it, or the 评价 button while the booking may still be reviewed.
  function reviewBox(booking, tz) {
    const box = el("div", { class: "review-box" });
    const note = el("p", { class: "review-message", role: "status", "aria-live": "polite" });
    let review = null;

    function until(iso) {
      return C.day(iso, tz) + " " + C.time(iso, tz);
    }

    function open(form) {
      box.replaceChildren(el("h3", { class: "review-title", text: t.myReview }), form, note);
      const first = form.querySelector("input, textarea");
      if (first) first.focus();
    }

    function show() {
      if (!review) {
        const write = el("button", {
          type: "button",
          class: "write-review",
          text: t.writeReview,
          onclick: () => open(reviewForm(booking, null, note, refresh, show)),
        });
        box.replaceChildren(...(reviewable(booking) ? [el("div", { class: "actions" }, write)] : []), note);
        return;
      }
      const actions = el("div", { class: "actions" });
      if (future(review.editable_until)) {
        actions.append(
          el("button", {
            type: "button",
            class: "secondary edit-review",
            text: t.edit,
            onclick: () => open(reviewForm(booking, review, note, refresh, show)),
          })
        );
      }
      if (!review.follow_up && future(review.follow_up_until)) {
        actions.append(
          el("button", {
            type: "button",
            class: "secondary write-follow-up",
            text: t.followUp,
            onclick: () => open(followUpForm(review, note, refresh, show)),
          })
        );
      }
      box.replaceChildren(
        ...[
          el("h3", { class: "review-title", text: t.myReview }),
          R.item(review, { tz: tz, tag: "div", owner: true }),
          future(review.editable_until) ? el("p", { class: "muted small", text: C.fmt(t.editableUntil, { time: until(review.editable_until) }) }) : null,
          actions.children.length ? actions : null,
          note,
        ].filter(Boolean)
      );
    }

    async function refresh(text, kind) {
      try {
        review = await C.api("GET", "/bookings/" + booking.id + "/review");
      } catch (error) {
        if (error.status !== 404) {
          box.replaceChildren(note);
          C.say(note, error.status === 401 ? "" : C.explain(error), "error");
          return;
        }
        review = null;
      }
      show();
      C.say(note, text || "", kind);
    }

    // Only a booking with a review costs a request; the others know from the booking whether they may write one.
    if (booking.review) refresh();
    else show();
    return box;
  }

  C.reviewBox = reviewBox;
})();
