// The conversation page: send without a reload, and ask every few seconds
// whether anything is new (a conditional request answered 304 while nothing
// changed). Without JavaScript the form posts and the page reloads instead.
(function () {
  var form = document.getElementById("message-form");
  var box = form && form.querySelector("textarea");
  var count = document.getElementById("message-count");
  var list = document.querySelector(".conversation");
  var crisisSlot = document.getElementById("crisis-slot");
  if (!form || !box || !list) return;

  var lastId = parseInt(form.dataset.lastId, 10) || 0;
  var newUrl = form.dataset.newUrl;
  var etag = null;
  var polling = true;
  var POLL_MS = 3000;
  var max = parseInt(box.getAttribute("maxlength"), 10) || 2000;

  function showCount() {
    if (count) count.textContent = box.value.length ? box.value.length + " / " + max : "";
  }
  box.addEventListener("input", showCount);

  document.querySelectorAll("[data-first-step]").forEach(function (button) {
    button.addEventListener("click", function () {
      box.value = button.dataset.firstStep;
      box.focus();
      showCount();
    });
  });

  function showError(text) {
    var errors = form.querySelector(".form-errors");
    if (!errors) {
      errors = document.createElement("div");
      errors.className = "form-errors";
      errors.setAttribute("role", "alert");
      form.prepend(errors);
    }
    errors.textContent = text;
  }

  function clearError() {
    form.querySelectorAll(".form-errors, .field-errors").forEach(function (node) {
      node.remove();
    });
  }

  function todayList() {
    var headings = list.querySelectorAll("h2.day");
    var last = headings[headings.length - 1];
    if (!last || last.textContent !== "Today") {
      var heading = document.createElement("h2");
      heading.className = "day";
      heading.textContent = "Today";
      var ol = document.createElement("ol");
      ol.className = "messages-list";
      list.appendChild(heading);
      list.appendChild(ol);
    }
    var lists = list.querySelectorAll("ol.messages-list");
    return lists[lists.length - 1];
  }

  function append(message) {
    if (document.getElementById("message-" + message.id)) return;
    var empty = document.getElementById("first-steps") || document.getElementById("no-messages");
    if (empty) empty.remove();
    todayList().insertAdjacentHTML("beforeend", message.html);
    if (message.id > lastId) lastId = message.id;
    var added = document.getElementById("message-" + message.id);
    if (added) added.scrollIntoView({ block: "end" });
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    var button = form.querySelector("button[type=submit]");
    button.disabled = true;
    fetch(form.action, {
      method: "POST",
      body: new FormData(form),
      headers: { Accept: "application/json" },
      credentials: "same-origin",
    })
      .then(function (response) {
        return response.json().then(function (data) {
          return { ok: response.ok, data: data };
        });
      })
      .then(function (result) {
        if (!result.ok) {
          showError(result.data.error || "Your message could not be sent. Please try again.");
          return;
        }
        clearError();
        append(result.data.message);
        box.value = "";
        showCount();
        var token = form.querySelector("input[name=token]");
        if (token && result.data.token) token.value = result.data.token;
        if (result.data.crisis && result.data.message.crisis_html && crisisSlot) {
          crisisSlot.innerHTML = result.data.message.crisis_html;
          crisisSlot.scrollIntoView({ block: "start" });
        }
      })
      .catch(function () {
        showError("Your message could not be sent. Check your connection and try again.");
      })
      .finally(function () {
        button.disabled = false;
      });
  });

  function poll() {
    if (!polling || document.hidden) return;
    var headers = { Accept: "application/json" };
    if (etag) headers["If-None-Match"] = etag;
    fetch(newUrl + "?after=" + lastId, { headers: headers, cache: "no-store", credentials: "same-origin" })
      .then(function (response) {
        if (response.status === 304) return;
        if (!response.ok) {
          if (response.status === 400 || response.status === 404) {
            polling = false;
            showError("This conversation has changed. Reload the page to see it.");
          }
          return;
        }
        etag = response.headers.get("ETag");
        return response.json().then(function (data) {
          data.messages.forEach(append);
          if (!data.writable) window.location.reload();
        });
      })
      .catch(function () {});
  }

  setInterval(poll, POLL_MS);
  document.addEventListener("visibilitychange", function () {
    if (!document.hidden) poll();
  });
})();
