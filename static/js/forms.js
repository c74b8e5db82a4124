// A form posts once: a second submit of the same form while the first is on its way (a double
// click, Enter pressed twice on a slow line) is ignored, so a message, a note or an order is not
// made twice. A submit another handler cancelled (the notes editor waiting for its autosave) is
// left alone. The guard lifts after a few seconds, for an answer that leaves the page where it
// was (a download), and whenever the browser shows the page again from its history.
(function () {
  "use strict";
  var HOLD_MS = 8000;
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (event.defaultPrevented || form.method !== "post") return;
    if (form.dataset.hpPosting) {
      event.preventDefault();
      return;
    }
    form.dataset.hpPosting = "1";
    window.setTimeout(function () {
      delete form.dataset.hpPosting;
    }, HOLD_MS);
  });
  window.addEventListener("pageshow", function () {
    document.querySelectorAll("form[data-hp-posting]").forEach(function (form) {
      delete form.dataset.hpPosting;
    });
  });
})();
