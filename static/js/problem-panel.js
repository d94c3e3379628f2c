/* A problem's page (templates/supervision/problem_detail.html): htmx replaces the panel
   (#problem-panel) after each move. The message shown when that fails comes, translated, from
   this script's data-failed-message attribute. */
(function () {
  "use strict";

  var failedMessage = document.currentScript.getAttribute("data-failed-message");

  // After htmx replaces the panel, move the keyboard focus to its message (or heading),
  // so that keyboard and screen-reader users learn what happened.
  document.body.addEventListener("htmx:afterSwap", function (event) {
    if (event.detail.target.id !== "problem-panel") return;
    var panel = document.getElementById("problem-panel");
    var target = panel && (panel.querySelector("[data-focus]") || panel.querySelector("h1"));
    if (target) target.focus();
  });

  // htmx does not swap in an error answer (403, 404, 500); say so instead of doing nothing.
  document.body.addEventListener("htmx:responseError", function (event) {
    var panel = document.getElementById("problem-panel");
    if (!panel || !panel.contains(event.detail.elt)) return;
    var note = document.createElement("p");
    note.className = "message message--error";
    note.setAttribute("role", "alert");
    note.textContent = failedMessage;
    panel.prepend(note);
  });
})();
