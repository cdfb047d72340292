// Preselect the browser's time zone when a member has not chosen one yet.
(function () {
  var select = document.querySelector("select[data-guess-time-zone]");
  if (!select || select.value !== "UTC" || !window.Intl) return;
  var guess = Intl.DateTimeFormat().resolvedOptions().timeZone;
  for (var i = 0; i < select.options.length; i++) {
    if (select.options[i].value === guess) { select.value = guess; return; }
  }
})();
