// "Add new authorization": clone the formset's empty row; suggest business entities while typing.
(function () {
  "use strict";
  document.querySelectorAll(".add-row").forEach(function (button) {
    button.addEventListener("click", function () {
      var prefix = button.dataset.target;
      var total = document.getElementById("id_" + prefix + "-TOTAL_FORMS");
      var template = document.getElementById(prefix + "-template");
      var html = template.innerHTML.replace(/__prefix__/g, total.value);
      document.getElementById(prefix + "-rows").insertAdjacentHTML("beforeend", html);
      total.value = parseInt(total.value, 10) + 1;
    });
  });
  var options = document.getElementById("entity-options");
  if (!options || !options.dataset.searchUrl) { return; }
  var timer = null;
  document.addEventListener("input", function (event) {
    var input = event.target;
    if (!input.matches("[list=entity-options]") || input.value.trim().length < 2) { return; }
    clearTimeout(timer);
    timer = setTimeout(function () {
      fetch(options.dataset.searchUrl + "?q=" + encodeURIComponent(input.value.trim()), {credentials: "same-origin"})
        .then(function (response) { return response.ok ? response.json() : {results: []}; })
        .then(function (data) {
          options.replaceChildren.apply(options, data.results.map(function (item) {
            var option = document.createElement("option");
            option.value = item.label;
            return option;
          }));
        });
    }, 200);
  });
})();
