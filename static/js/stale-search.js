// The booking and moving pages: the free slots listed were found for the search as it was last
// submitted. Once a field of the search changes, the slot form's button is disabled and a line
// says to search again, so no time is booked for a type or day the fields no longer show.
// Without JavaScript the slot list's label names the type, provider and day it was found for.
(function () {
  "use strict";
  var search = document.querySelector("form[data-hp-slot-search]");
  var results = document.querySelector("form[data-hp-slot-results]");
  if (!search || !results) return;
  function stale() {
    results.querySelectorAll("button[type=submit]").forEach(function (button) {
      button.disabled = true;
    });
    results.querySelectorAll("[data-hp-stale-notice]").forEach(function (notice) {
      notice.hidden = false;
    });
  }
  search.addEventListener("change", stale);
  search.addEventListener("input", stale);
})();
