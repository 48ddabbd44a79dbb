// Below 900 px the sidebar folds behind the header's menu button (the CSS hides it only when this script runs).
(function () {
  "use strict";
  var button = document.querySelector(".menu-button");
  var sidebar = document.getElementById("sidebar");
  if (!button || !sidebar) { return; }
  function setOpen(open) {
    sidebar.classList.toggle("open", open);
    button.setAttribute("aria-expanded", open ? "true" : "false");
  }
  button.addEventListener("click", function () { setOpen(!sidebar.classList.contains("open")); });
  document.addEventListener("keydown", function (event) {
    if (event.key === "Escape" && sidebar.classList.contains("open")) { setOpen(false); button.focus(); }
  });
})();
