// My steps: an idea chip fills the text box in place. Without JavaScript the
// chip is a link that reloads the page with the idea already in the box.
(function () {
  var box = document.querySelector("#new-step textarea");
  if (!box) return;
  document.querySelectorAll("[data-step-example]").forEach(function (chip) {
    chip.addEventListener("click", function (event) {
      event.preventDefault();
      box.value = chip.dataset.stepExample;
      box.focus();
    });
  });
})();
