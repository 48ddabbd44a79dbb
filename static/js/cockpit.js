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

// A second click on a form's submit while the first request runs sends nothing more. The server
// stays the guard (one user per address, the edit page's version); this only spares the error page.
(function () {
  "use strict";
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!(form instanceof HTMLFormElement) || form.method.toLowerCase() !== "post") { return; }
    if (form.dataset.submitting) { event.preventDefault(); return; }
    form.dataset.submitting = "1";
    // A download or a page kept open must not leave the form dead.
    window.setTimeout(function () { delete form.dataset.submitting; }, 8000);
  });
})();

// The SMS send button waits while a code is on its way (accounts.second_factor.sms_code_state): the seconds
// count down and the button wakes up at the end. Without this script the page says the wait and the server
// still refuses a press within it.
(function () {
  "use strict";
  var buttons = document.querySelectorAll("button[data-wait-seconds]");
  Array.prototype.forEach.call(buttons, function (button) {
    var left = parseInt(button.dataset.waitSeconds, 10);
    var timer = window.setInterval(function () {
      left -= 1;
      if (left > 0) {
        button.textContent = button.textContent.replace(/\d+/, String(left));
        return;
      }
      window.clearInterval(timer);
      button.disabled = false;
      button.textContent = button.dataset.readyLabel;
    }, 1000);
  });
})();

// Adding a passkey: once django-otp-webauthn's script has made it, back to My account, which lists it.
(function () {
  document.addEventListener("otp_webauthn.register_complete", function (event) {
    var done = event.target.closest && event.target.closest("[data-passkey-done]");
    if (done) { window.location.assign(done.dataset.passkeyDone); }
  });
})();
