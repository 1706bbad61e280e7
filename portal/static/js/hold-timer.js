// The booking details step: counts down the time held for the applicant, warns before it ends
// (in a live region, so screen readers announce it) and offers to keep it longer (WCAG 2.2.1).
// The texts come translated from the page, one per minute count (each with its plural form);
// without JavaScript the page says until when the time is held and has the same button.
(function () {
  "use strict";
  var box = document.getElementById("hold");
  var form = document.getElementById("details-form");
  if (!box || !form || !box.dataset.texts || !window.JSON) { return; }
  var texts = JSON.parse(box.dataset.texts);
  var left = document.getElementById("hold-left");
  var warning = document.getElementById("hold-warning");
  var extend = document.getElementById("hold-extend");
  var secondsLeft = parseInt(box.dataset.secondsLeft, 10);
  var warnAt = parseInt(box.dataset.warningSeconds, 10);
  var started = Date.now();
  var shown = null, warned = warning.textContent.trim() !== "", over = false, timer = null;

  function textFor(map, minutes) {
    if (Object.prototype.hasOwnProperty.call(map, String(minutes))) { return map[String(minutes)]; }
    var keys = Object.keys(map).map(Number).sort(function (a, b) { return a - b; });
    return map[String(keys[keys.length - 1])];
  }

  function paragraph(text, strong) {
    var p = document.createElement("p");
    p.className = "kern-body";
    if (strong) {
      var s = document.createElement("strong");
      s.textContent = text;
      p.appendChild(s);
    } else {
      p.textContent = text;
    }
    return p;
  }

  function warn(minutes) {
    warned = true;
    warning.textContent = "";
    var message = paragraph(textFor(texts.warning, minutes), true);
    if (extend) {
      // The same submit as the button at the end of the form: what was typed goes along.
      var again = document.createElement("button");
      again.type = "button";
      again.className = "kern-btn kern-btn--secondary kern-btn--small hold-warning__extend";
      again.textContent = extend.textContent.trim();
      again.addEventListener("click", function () {
        if (form.requestSubmit) { form.requestSubmit(extend); } else { extend.click(); }
      });
      warning.appendChild(message);
      warning.appendChild(again);
    } else {
      message.appendChild(document.createTextNode(" " + texts.last));
      warning.appendChild(message);
    }
  }

  function expire() {
    over = true;
    window.clearInterval(timer);
    warning.textContent = "";
    var message = paragraph(texts.expired, true);
    var link = document.createElement("a");
    link.className = "kern-link";
    link.href = box.dataset.againUrl;
    link.textContent = texts.again;
    message.appendChild(document.createTextNode(" "));
    message.appendChild(link);
    warning.appendChild(message);
    if (extend) { extend.disabled = true; }
  }

  function tick() {
    var remaining = secondsLeft - Math.floor((Date.now() - started) / 1000);
    if (remaining <= 0) { if (!over) { expire(); } return; }
    var minutes = Math.floor(remaining / 60);
    if (minutes !== shown) {
      shown = minutes;
      left.textContent = textFor(texts.left, minutes);
    }
    if (remaining <= warnAt && !warned) { warn(minutes); }
  }

  timer = window.setInterval(tick, 1000);
  tick();
})();
