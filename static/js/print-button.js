// Buttons marked data-print open the browser's print dialog (a script file: the pages allow no inline script).
(() => {
  "use strict";
  document.querySelectorAll("button[data-print]").forEach((button) => {
    button.addEventListener("click", () => window.print());
  });
})();
