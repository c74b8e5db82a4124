// Result grid: a live flag beside each value as it is typed (the server flags it again on save).
// Served as a file (no inline script) so it runs under the project's Content-Security-Policy.
(function () {
  "use strict";
  var LABELS = {
    critical_low: ["LL", "Critically low", "text-bg-danger"],
    critical_high: ["HH", "Critically high", "text-bg-danger"],
    low: ["L", "Low", "text-bg-warning"],
    high: ["H", "High", "text-bg-warning"],
    abnormal: ["A", "Abnormal", "text-bg-warning"],
    normal: ["", "Normal", "text-bg-light border"]
  };

  // A value as the server reads it (labs.services._number): digits and one decimal point, the
  // comma read as that point only where the clinic writes decimals so (and there a point before
  // groups of three digits, 1.500, refused as a thousands separator: THOUSANDS_POINT), no
  // scientific notation. Anything else gets no live flag (the server refuses it on save, saying
  // why).
  var PLAIN = /^[+-]?(\d+(\.\d*)?|\.\d+)$/;
  var THOUSANDS_POINT = /^[+-]?[1-9]\d{0,2}(\.\d{3})+$/;
  var grid = document.querySelector(".hp-grid");
  var decimalComma = !!(grid && grid.hasAttribute("data-decimal-comma"));

  // A number as the page writes it in its data- attributes (a point, never a comma).
  function number(text) {
    if (text === undefined || text === null) return null;
    var plain = String(text).trim();
    return PLAIN.test(plain) ? Number(plain) : null;
  }

  // A number as typed into the grid, in the clinic's way of writing decimals.
  function typed(text) {
    var plain = String(text).trim();
    if (!decimalComma) return number(plain);
    if (THOUSANDS_POINT.test(plain)) return null;
    return number(plain.replace(/,/g, "."));
  }

  function mayBeNegative(data) {
    return [data.criticalLow, data.criticalHigh, data.low, data.high].some(function (limit) {
      var value = number(limit);
      return value !== null && value < 0;
    });
  }

  function flagFor(row, raw) {
    var data = row.dataset;
    if (data.type !== "numeric") {
      if (!data.normalText) return "";
      return raw.trim().toLowerCase() === data.normalText.trim().toLowerCase() ? "normal" : "abnormal";
    }
    var value = typed(raw);
    if (value === null || (value < 0 && !mayBeNegative(data))) return "";
    var unit = row.querySelector(".hp-grid-unit");
    if (unit && unit.value !== unit.dataset.own) return "";  // converted on the server
    var cl = number(data.criticalLow), ch = number(data.criticalHigh);
    var low = number(data.low), high = number(data.high);
    if (cl !== null && value <= cl) return "critical_low";
    if (ch !== null && value >= ch) return "critical_high";
    if (low === null && high === null) return "";
    if (low !== null && value < low) return "low";
    if (high !== null && value > high) return "high";
    return "normal";
  }

  // The page's own (translated) words for each flag, when it gives them.
  var table = grid;
  if (table) {
    Object.keys(LABELS).forEach(function (flag) {
      var key = "label" + flag.split("_").map(function (part) {
        return part.charAt(0).toUpperCase() + part.slice(1);
      }).join("");
      if (table.dataset[key]) LABELS[flag][1] = table.dataset[key];
    });
  }

  function show(row) {
    var input = row.querySelector(".hp-grid-value");
    var output = row.querySelector(".hp-live-flag");
    if (!input || !output) return;
    var flag = flagFor(row, input.value);
    output.textContent = "";
    row.classList.remove("table-danger", "table-warning");
    if (!flag) return;
    var label = LABELS[flag];
    var badge = document.createElement("span");
    badge.className = "badge hp-flag hp-flag-" + flag + " " + label[2];
    badge.textContent = (label[0] ? label[0] + " · " : "") + label[1];
    output.appendChild(badge);
    if (flag.indexOf("critical") === 0) row.classList.add("table-danger");
    else if (flag !== "normal") row.classList.add("table-warning");
  }

  document.querySelectorAll(".hp-grid-row").forEach(function (row) {
    row.addEventListener("input", function () { show(row); });
    row.addEventListener("change", function () { show(row); });
    show(row);
  });
})();
