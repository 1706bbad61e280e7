// Shows or hides a field whose condition names another field of the same step, as the applicant
// answers (portal/forms/showing.py). The server judges the condition again when the step is sent,
// so without this script every such field is simply shown. Operators as in docs/forms.md.
(function () {
  "use strict";
  var form = document.querySelector("form.apply-form");
  if (!form) { return; }
  var governed = form.querySelectorAll("[data-show-if]");

  function valueOf(name) {
    var day = form.elements[name + "-day"], month = form.elements[name + "-month"], year = form.elements[name + "-year"];
    if (year) {
      var y = year.value.trim(), m = month.value.trim(), d = day.value.trim();
      if (!y && !m && !d) { return ""; }
      return y + "-" + ("0" + (m || "0")).slice(-2) + "-" + ("0" + (d || "0")).slice(-2);
    }
    var inputs = form.querySelectorAll("[name='" + name.replace(/'/g, "") + "']");
    var chosen = [];
    for (var i = 0; i < inputs.length; i++) {
      var input = inputs[i];
      if (input.type === "radio" || input.type === "checkbox") {
        if (input.checked) { chosen.push(input.value); }
      } else if (input.closest("[hidden]") === null) {
        chosen.push(input.value.trim());
      }
    }
    return chosen.join(",");
  }

  function completeDate(value) {
    return /^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$/.test(value) ? value : null;
  }

  function holds(condition) {
    if (!condition) { return true; }
    if (condition.all) { return condition.all.every(holds); }
    if (condition.any) { return condition.any.some(holds); }
    if (condition.not) { return !holds(condition.not); }
    var value = valueOf(condition.field);
    if ("equals" in condition) { return value === condition.equals; }
    if ("not_equals" in condition) { return value !== condition.not_equals; }
    if ("in" in condition) { return condition["in"].indexOf(value) !== -1; }
    if ("filled" in condition) { return (value !== "") === condition.filled; }
    if ("contains" in condition) { return value.split(",").indexOf(condition.contains) !== -1; }
    if ("on_or_after" in condition) { return completeDate(value) !== null && value >= condition.on_or_after; }
    if ("before" in condition) { return completeDate(value) !== null && value < condition.before; }
    return true;
  }

  function update() {
    for (var i = 0; i < governed.length; i++) {
      var box = governed[i];
      var condition;
      try { condition = JSON.parse(box.getAttribute("data-show-if")); } catch (e) { continue; }
      box.hidden = !holds(condition);
    }
  }

  form.addEventListener("change", update);
  form.addEventListener("input", update);
  update();
}());
