// The QA console's sign-in page: once the session is signed in, load the console the server renders for it.
(function () {
  "use strict";
  window.Chefu.mountAuth(document.getElementById("auth"), function (me) {
    if (me) window.location.reload();
  });
})();
