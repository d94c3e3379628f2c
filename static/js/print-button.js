/* A page's Print button (<button data-print>) opens the browser's print dialogue. In a file
   rather than an onclick attribute: the Content-Security-Policy runs no inline script. */
(function () {
  "use strict";

  document.addEventListener("click", function (event) {
    if (event.target.closest("[data-print]")) window.print();
  });
})();
