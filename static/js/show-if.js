// A field marked data-hp-show-if="kind=measurement" (or "repeat=daily|weekly") is shown only
// while that other field of its form has one of those values: the programme builder's step
// form shows what the chosen kind asks for. Without JavaScript every field shows, and the
// server drops what the choice does not use. No inline script (CSP).
(function () {
  "use strict";
  document.querySelectorAll("[data-hp-show-if]").forEach(function (field) {
    var rule = field.getAttribute("data-hp-show-if").split("=");
    var control = field.form && field.form.elements[rule[0]];
    if (!control) return;
    var values = rule[1].split("|");
    var wrapper = field.closest(".mb-3") || field.parentNode;
    function update() {
      wrapper.hidden = values.indexOf(control.value) === -1;
    }
    control.addEventListener("change", update);
    update();
  });
})();
