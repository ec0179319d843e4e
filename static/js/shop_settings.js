// Shared by the shop console's pages other than the board (prices, hours and rules, settlements): the page's store
// as the server checked it, the sign-in box (a sign-in or out reloads the page, whose store and refusal the server
// decides), and the page's status line.
(function () {
  "use strict";
  const C = window.Chefu;
  const shop = JSON.parse(document.getElementById("chefu-shop").textContent);
  const auth = document.getElementById("auth");
  const renderedSignedIn = auth.dataset.signedIn === "true";
  const message = document.getElementById("console-message");
  const ready = [];

  function say(text, kind) {
    if (message) C.say(message, text, kind);
  }

  // The store's id in the partner API's paths.
  function path(rest) {
    return "/partner/stores/" + shop.store.id + rest;
  }

  C.mountAuth(auth, function (me) {
    if (Boolean(me) !== renderedSignedIn) {
      location.reload();
      return;
    }
    if (me && shop.store) ready.forEach((start) => start());
  });

  window.ChefuShop = {
    store: shop.store,
    s: shop.texts,
    say: say,
    path: path,
    // `start` runs once the page knows the user is signed in with a store the server let through.
    onReady: function (start) {
      ready.push(start);
    },
  };
})();
