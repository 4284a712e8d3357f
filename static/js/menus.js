// Header menus are <details> elements: they work without this script. With it, opening one
// closes the others, and a click elsewhere or Escape closes them. (The language picker keeps its
// button: sending the form on change would reload the page under a keyboard user's arrow keys.)
(() => {
  "use strict";
  const menus = () => document.querySelectorAll("details.menu");
  document.addEventListener("toggle", (event) => {
    const opened = event.target;
    if (!(opened instanceof HTMLDetailsElement) || !opened.classList.contains("menu") || !opened.open) return;
    menus().forEach((menu) => { if (menu !== opened) menu.open = false; });
  }, true);
  document.addEventListener("click", (event) => {
    menus().forEach((menu) => { if (menu.open && !menu.contains(event.target)) menu.open = false; });
  });
  document.addEventListener("keydown", (event) => {
    if (event.key !== "Escape") return;
    menus().forEach((menu) => {
      if (menu.open) { menu.open = false; menu.querySelector("summary").focus(); }
    });
  });
})();
