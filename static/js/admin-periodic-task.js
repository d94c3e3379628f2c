/* The admin page of a periodic task (django-celery-beat): below the crontab choice, its
   schedule in words. The package does this in an inline script, which the
   Content-Security-Policy refuses; templates/admin/djcelery/change_periodictask_form.html loads
   this file instead, after the form. */
(function () {
  "use strict";

  var originalHelp = document.currentScript.getAttribute("data-crontab-help");
  var data = document.getElementById("readable-crontabs");
  var readable = data ? JSON.parse(data.textContent) : {};

  var translation = document.querySelector(".field-crontab_translation");
  if (translation) translation.style.display = "none";

  var select = document.getElementById("id_crontab");
  var help = document.querySelector(".field-crontab .help");
  if (!select || !help) return;
  select.addEventListener("change", function () {
    help.textContent = originalHelp;
    help.append(document.createElement("br"), "Translation: " + readable[select.value]);
  });
})();
