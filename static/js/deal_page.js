// A deal page back from the provider's pay page: until the payment's notification has arrived, look again shortly.
(function () {
  "use strict";
  if (document.querySelector("[data-waiting]")) {
    window.setTimeout(function () { window.location.reload(); }, 2000);
  }
})();
