// The scheduled-task admin page: under the chosen crontab, say in words when it runs.
(function () {
  "use strict";
  var $ = django.jQuery;
  var readableCrontabs = JSON.parse(document.getElementById("readable-crontabs").textContent);
  var help = $(".field-crontab .help");
  var originalHelp = help.text();

  $(".field-crontab_translation").hide();
  $(".field-crontab").change(function () {
    var translation = readableCrontabs[$("#id_crontab").val()] || "";
    help.text(originalHelp).append("<br>", document.createTextNode("Translation: " + translation));
  });
})();
