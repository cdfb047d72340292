// Django's filter widget (SelectFilter2.js) names its search icon with aria-label on a
// bare <span>, which screen readers may skip; as an image its name is read out. The
// widget is built on "load", so this runs just after.
window.addEventListener("load", () => {
  setTimeout(() => {
    for (const icon of document.querySelectorAll(".help-tooltip[aria-label]:not([role])")) {
      icon.setAttribute("role", "img");
    }
  }, 0);
});
