/* Upload form of the files pages: each chosen file goes to the API on its own request, with a
   progress bar. Without this script (or FormData) the form posts all files to the HTML view. */
(function () {
  "use strict";

  function errorText(xhr, fallback) {
    // A field's own message ("The file is empty."), not the API's "file: …": the
    // row already names the file.
    try {
      var body = JSON.parse(xhr.responseText);
      var errors = (body && body.errors) || {};
      for (var field in errors) {
        if (Array.isArray(errors[field]) && typeof errors[field][0] === "string") {
          return errors[field][0];
        }
      }
      if (body && body.detail) return body.detail;
    } catch (ignored) { /* not JSON: fall back */ }
    return fallback + " (" + xhr.status + ")";
  }

  function numbered(title, n) {
    // As files.forms.numbered: " (n)" after the title, within its 200 characters.
    var suffix = " (" + n + ")";
    return title.slice(0, 200 - suffix.length).trimEnd() + suffix;
  }

  function row(list, name) {
    var item = document.createElement("li");
    item.className = "mb-2";
    var label = document.createElement("div");
    label.textContent = name;
    var bar = document.createElement("progress");
    bar.max = 100;
    bar.value = 0;
    bar.className = "w-100";
    bar.setAttribute("aria-label", name);
    var status = document.createElement("div");
    status.className = "small";
    item.append(label, bar, status);
    list.appendChild(item);
    return { bar: bar, status: status };
  }

  function setup(form) {
    var text = form.dataset;
    form.addEventListener("submit", function (event) {
      var input = form.querySelector('input[type="file"]');
      if (!window.FormData || !input || !input.files.length) return;
      event.preventDefault();
      var files = Array.prototype.slice.call(input.files);
      var list = form.querySelector(".hp-upload-progress");
      var button = form.querySelector('button[type="submit"]');
      var token = form.querySelector('input[name="csrfmiddlewaretoken"]').value;
      var category = form.querySelector('[name="category"]').value;
      var titleInput = form.querySelector('[name="title"]');
      var title = titleInput ? titleInput.value.trim() : "";
      var shared = form.querySelector('[name="shared_with_patient"]');
      var maxBytes = Number(text.maxMb) * 1024 * 1024;
      var failures = 0;
      list.textContent = "";
      button.disabled = true;

      function finish() {
        button.disabled = false;
        if (!failures) return window.location.assign(text.doneUrl);
        if (failures < files.length) {
          var link = document.createElement("a");
          link.href = text.doneUrl;
          link.textContent = text.showNew;
          var item = document.createElement("li");
          item.appendChild(link);
          list.appendChild(item);
        }
      }

      function send(index) {
        if (index >= files.length) return finish();
        var file = files[index];
        var shown = row(list, file.name);
        function failed(message) {
          failures += 1;
          // A full red bar, not the blue of a sent file: this one was not stored.
          shown.bar.value = 100;
          shown.bar.style.accentColor = "var(--bs-danger)";
          shown.status.className = "small text-danger";
          shown.status.textContent = message;
          send(index + 1);
        }
        if (maxBytes && file.size > maxBytes) return failed(text.tooLarge);
        var body = new FormData();
        body.append("file", file);
        body.append("category", category);
        // Several files with a title: each gets it numbered, as the form's view does.
        if (title) body.append("title", files.length === 1 ? title : numbered(title, index + 1));
        if (shared) body.append("shared_with_patient", shared.checked ? "true" : "false");
        var xhr = new XMLHttpRequest();
        xhr.open("POST", text.apiUrl);
        xhr.setRequestHeader("X-CSRFToken", token);
        xhr.setRequestHeader("Accept", "application/json");
        xhr.upload.addEventListener("progress", function (e) {
          if (e.lengthComputable) shown.bar.value = Math.round((e.loaded * 100) / e.total);
        });
        xhr.addEventListener("load", function () {
          if (xhr.status !== 201) return failed(errorText(xhr, text.failed));
          shown.bar.value = 100;
          shown.status.className = "small text-success";
          shown.status.textContent = text.done;
          send(index + 1);
        });
        xhr.addEventListener("error", function () { failed(text.failed); });
        xhr.send(body);
      }
      send(0);
    });
  }

  document.querySelectorAll("form.hp-upload[data-api-url]").forEach(setup);
})();
