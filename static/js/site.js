// Every page: small behaviours that would otherwise be inline handlers, which the CSP (script-src 'self') refuses.
(function () {
  "use strict";

  // The language switch: choosing a language sends its form.
  for (const select of document.querySelectorAll("select[data-submit-on-change]")) {
    select.addEventListener("change", function () {
      select.form.submit();
    });
  }
})();
