// The thread page: new messages appear without a reload (polled every few seconds while the
// page is visible), and a saved reply is inserted into the reply box for editing.
(function () {
  "use strict";
  var POLL_MS = 5000;
  var list = document.getElementById("thread-messages");
  if (list) {
    var busy = false;
    var poll = function () {
      if (busy || document.hidden) return;
      busy = true;
      var url = list.dataset.pollUrl + "?after=" + encodeURIComponent(list.dataset.lastSeq || "0");
      fetch(url, { credentials: "same-origin", headers: { "X-Requested-With": "fetch" } })
        .then(function (response) {
          if (response.status !== 200) return null;
          return response.text();
        })
        .then(function (html) {
          if (!html) return;
          var holder = document.createElement("div");
          holder.innerHTML = html;
          var marker = holder.querySelector("[data-last-seq]");
          holder.querySelectorAll("article[data-seq]").forEach(function (article) {
            if (!list.querySelector('article[data-seq="' + article.dataset.seq + '"]')) {
              list.insertBefore(article, list.querySelector("[data-last-seq]"));
            }
          });
          if (marker) list.dataset.lastSeq = marker.dataset.lastSeq;
        })
        .catch(function () {})
        .finally(function () { busy = false; });
    };
    setInterval(poll, POLL_MS);
  }
  var saved = document.getElementById("saved-reply");
  if (saved) {
    saved.addEventListener("change", function () {
      var box = document.getElementById(saved.dataset.target);
      if (box && saved.value) {
        box.value = box.value ? box.value + "\n\n" + saved.value : saved.value;
        box.focus();
      }
      saved.value = "";
    });
  }
})();
