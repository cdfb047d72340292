// Preselect the browser's time zone when a member has not chosen one yet, and
// say in a plain sentence which zone is set and what time it is there, so a
// member can confirm it against their own clock without reading a long list.
(function () {
  var select = document.querySelector('select[name="time_zone"]');
  if (!select || !window.Intl) return;

  var note = document.createElement("p");
  note.className = "help time-zone-note";
  note.setAttribute("aria-live", "polite");
  note.id = select.id + "_note";
  var help = document.getElementById(select.id + "_helptext");
  (help || select).insertAdjacentElement("afterend", note);
  select.setAttribute("aria-describedby", (help ? help.id + " " : "") + note.id);

  function optionFor(zone) {
    for (var i = 0; i < select.options.length; i++) {
      if (select.options[i].value === zone) return select.options[i];
    }
    return null;
  }

  function timeIn(zone) {
    try {
      return new Intl.DateTimeFormat(undefined, {
        timeZone: zone, hour: "numeric", minute: "2-digit",
      }).format(new Date());
    } catch (error) {
      return null;
    }
  }

  function describe(guessed) {
    var option = select.options[select.selectedIndex];
    var zone = option ? option.text : select.value;
    var time = timeIn(select.value);
    var now = time ? " (now " + time + " there)" : "";
    if (guessed) {
      note.textContent = "We set this to your phone's time zone: " + zone + now +
        ". Change it if that's wrong.";
    } else {
      note.textContent = "Reminders will use " + zone + now +
        ". If that isn't the time where you are, choose your time zone.";
    }
  }

  var guessed = false;
  if (select.hasAttribute("data-guess-time-zone") && select.value === "UTC") {
    var guess = Intl.DateTimeFormat().resolvedOptions().timeZone;
    var option = guess && optionFor(guess);
    if (option) {
      select.value = guess;
      guessed = true;
    }
  }
  describe(guessed);
  select.addEventListener("change", function () { describe(false); });
})();
