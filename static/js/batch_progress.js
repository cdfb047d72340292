// Keeps the page of a matching run that is still working up to date. A timed
// refresh would take the page away from someone reading it, so the progress
// line is re-read in place every few seconds, and the page reloads once, when
// the run is ready (or failed) and there is something new to read.
(function () {
  var line = document.querySelector("[data-batch-progress]");
  if (!line) return;
  function check() {
    fetch(window.location.href, { credentials: "same-origin" })
      .then(function (response) {
        return response.text();
      })
      .then(function (html) {
        var page = new DOMParser().parseFromString(html, "text/html");
        var fresh = page.querySelector("[data-batch-progress]");
        if (!fresh) {
          window.location.reload();
          return;
        }
        if (fresh.textContent !== line.textContent) line.textContent = fresh.textContent;
        window.setTimeout(check, 3000);
      })
      .catch(function () {
        window.setTimeout(check, 10000);
      });
  }
  window.setTimeout(check, 3000);
})();
