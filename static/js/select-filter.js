// A search box above long selects marked data-hp-filterable (the timezone picker): typing
// hides the options that do not match, keeping the groups (regions). No inline script (CSP).
(function () {
  "use strict";
  document.querySelectorAll("select[data-hp-filterable]").forEach(function (select) {
    var box = document.createElement("input");
    box.type = "search";
    box.className = "form-control form-control-sm mb-1";
    box.placeholder = select.getAttribute("data-hp-filter-placeholder") || "Search";
    box.setAttribute("aria-label", box.placeholder);
    box.setAttribute("aria-controls", select.id);
    select.parentNode.insertBefore(box, select);
    box.addEventListener("input", function () {
      var needle = box.value.trim().toLowerCase().replace(/ /g, "_");
      var first = null;
      select.querySelectorAll("optgroup").forEach(function (group) {
        var visible = 0;
        group.querySelectorAll("option").forEach(function (option) {
          var hit = !needle || option.value.toLowerCase().indexOf(needle) !== -1;
          option.hidden = !hit;
          if (hit) {
            visible += 1;
            if (!first) first = option;
          }
        });
        group.hidden = visible === 0;
      });
      if (needle && first && select.selectedOptions[0] && select.selectedOptions[0].hidden) {
        select.value = first.value;
      }
    });
  });
})();
