// The unread-notifications count beside 通知 in the site header, for a signed-in session
// (GET /me/notifications/unread-count). The inbox page updates it as messages are read (event "chefu:unread").
(function () {
  "use strict";
  const link = document.querySelector(".site-header .inbox-link");
  if (!link) return;
  const badge = link.querySelector(".unread-badge");

  function show(count) {
    badge.hidden = !count;
    badge.textContent = count > 99 ? "99+" : String(count || "");
    link.setAttribute("data-unread", String(count || 0));
  }

  document.addEventListener("chefu:unread", function (event) {
    show(event.detail.count);
  });

  if (link.dataset.signedIn !== "true") return;
  fetch("/api/v1/me/notifications/unread-count", { credentials: "same-origin", headers: { Accept: "application/json" } })
    .then(function (response) {
      return response.ok ? response.json() : null;
    })
    .then(function (body) {
      if (body) show(body.count);
    })
    .catch(function () {});
})();
