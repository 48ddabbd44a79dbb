// Django's admin leaves some controls without a name a screen reader can announce (axe-core's "label",
// "select-name", "aria-input-field-name"): cells of tabular inlines and of list_editable columns carry their
// column's header only visually, and select2 (the autocomplete widget) labels neither its box nor its search
// field, and puts its "remove all" button straight into a list. This names them after what a sighted operator reads: the column header, or the field's <label>.
(function () {
  "use strict";

  function words(element) {
    return element ? element.textContent.replace(/\s+/g, " ").trim() : "";
  }

  function unnamed(control) {
    return !control.hasAttribute("aria-label") && !control.hasAttribute("aria-labelledby") &&
      !(control.labels && control.labels.length);
  }

  function nameTableCells(root) {
    root.querySelectorAll("table").forEach(function (table) {
      var headers = Array.prototype.slice.call(table.querySelectorAll("thead tr:first-child > th"));
      var group = table.closest(".inline-group");
      var heading = group ? words(group.querySelector("h2")) : "";
      headers.forEach(function (header) {
        if (!words(header) && heading) {
          var hidden = document.createElement("span");
          hidden.className = "visually-hidden";
          hidden.textContent = heading;
          header.appendChild(hidden);
        }
      });
      table.querySelectorAll("tbody tr").forEach(function (row) {
        Array.prototype.forEach.call(row.children, function (cell, index) {
          var label = words(headers[index]);
          if (!label) { return; }
          cell.querySelectorAll("input:not([type=hidden]), select, textarea").forEach(function (control) {
            if (unnamed(control)) { control.setAttribute("aria-label", label); }
          });
        });
      });
    });
  }

  function labelOf(select) {
    var label = select.labels && select.labels[0];
    if (label && !label.id) { label.id = select.id + "-label"; }
    return label;
  }

  function nameSelect2(root) {
    root.querySelectorAll("select.admin-autocomplete").forEach(function (select) {
      var container = select.nextElementSibling;
      var label = labelOf(select);
      if (!container || !container.classList.contains("select2") || !label) { return; }
      container.querySelectorAll(".select2-selection, .select2-selection__rendered[role=textbox]").forEach(function (box) {
        box.setAttribute("aria-labelledby", label.id);
      });
      // "Remove all" sits inside the list of choices: a list item, as a list allows no other child.
      container.querySelectorAll("ul > .select2-selection__clear").forEach(function (clear) {
        clear.setAttribute("role", "listitem");
      });
      container.querySelectorAll(".select2-search__field").forEach(function (field) {
        if (unnamed(field)) { field.setAttribute("aria-label", words(label)); }
      });
    });
  }

  function nameAll() {
    nameTableCells(document);
    nameSelect2(document);
  }

  document.addEventListener("DOMContentLoaded", function () {
    nameAll();
    // select2 builds its boxes after page load, and rebuilds them when a choice changes; inlines add rows.
    var pending = false;
    new MutationObserver(function () {
      if (pending) { return; }
      pending = true;
      window.requestAnimationFrame(function () { pending = false; nameAll(); });
    }).observe(document.body, { childList: true, subtree: true });
  });
})();
