// The header's patient search: results as you type, recently opened patients on focus, and
// keyboard navigation (ArrowDown/ArrowUp move, Enter opens, Escape closes). Without this file
// the form still works: it submits to the patient list. No inline script (CSP).
(function () {
  "use strict";
  var form = document.getElementById("hp-patient-search");
  if (!form) return;
  var input = form.querySelector("input[name=q]");
  var panel = document.getElementById("hp-search-results");
  var url = form.getAttribute("data-results-url");
  var timer = null;
  var active = -1;
  var latest = 0;

  function options() {
    return panel.querySelectorAll("[role=option]");
  }

  function close() {
    panel.hidden = true;
    input.setAttribute("aria-expanded", "false");
    input.removeAttribute("aria-activedescendant");
    active = -1;
  }

  function highlight(index) {
    var items = options();
    if (!items.length) return;
    active = (index + items.length) % items.length;
    items.forEach(function (item, i) {
      item.setAttribute("aria-selected", i === active ? "true" : "false");
      item.classList.toggle("active", i === active);
    });
    input.setAttribute("aria-activedescendant", items[active].id);
    items[active].scrollIntoView({ block: "nearest" });
  }

  function load() {
    var ticket = ++latest;
    var query = input.value.trim();
    fetch(url + "?q=" + encodeURIComponent(query), {
      headers: { "X-Requested-With": "fetch" },
      credentials: "same-origin",
    })
      .then(function (response) {
        return response.ok ? response.text() : "";
      })
      .then(function (html) {
        if (ticket !== latest) return; // an older answer arriving late
        panel.innerHTML = html;
        panel.hidden = !html.trim();
        input.setAttribute("aria-expanded", panel.hidden ? "false" : "true");
        active = -1;
      });
  }

  input.addEventListener("input", function () {
    clearTimeout(timer);
    timer = setTimeout(load, 200);
  });
  input.addEventListener("focus", function () {
    if (panel.hidden) load();
  });
  input.addEventListener("keydown", function (event) {
    if (event.key === "ArrowDown") {
      event.preventDefault();
      if (panel.hidden) load();
      else highlight(active + 1);
    } else if (event.key === "ArrowUp") {
      event.preventDefault();
      highlight(active - 1);
    } else if (event.key === "Enter" && active >= 0) {
      event.preventDefault();
      window.location.href = options()[active].href;
    } else if (event.key === "Escape") {
      close();
    }
  });
  document.addEventListener("click", function (event) {
    if (!form.contains(event.target)) close();
  });
})();
