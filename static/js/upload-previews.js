// Thumbnails of the photos chosen in a file input, shown before the form is sent.
//
// Progressive enhancement: inputs marked data-preview (dogs.forms.PhotoInput) get a list of
// thumbnails with file names under them, and a note for each file the server would refuse
// (not an accepted image, over data-max-bytes, more than data-max-files). Nothing stops the
// form from being sent: the server checks every file itself, with or without this script.
(() => {
  "use strict";
  // The catalogue served at /jsi18n/ (base.html loads it first); without it, English.
  const gettext = window.gettext || ((text) => text);
  const ngettext = window.ngettext || ((singular, plural, count) => (count === 1 ? singular : plural));
  const interpolate =
    window.interpolate || ((format, values) => format.replace(/%\((\w+)\)s/g, (_, key) => String(values[key])));

  // Browsers other than Safari cannot draw HEIC/HEIF or TIFF, which the server accepts.
  const NO_PREVIEW_FORMATS = /\.(heic|heif|tiff?)$/i;

  // Binary units, as the server's own messages write sizes ("15 MB", "1.5 MB", "300 KB").
  const formatBytes = (n) => {
    const fmt = (value) => value.toFixed(1).replace(/\.0$/, "");
    if (n >= 1024 * 1024) return `${fmt(n / (1024 * 1024))} MB`;
    if (n >= 1024) return `${fmt(n / 1024)} KB`;
    return interpolate(ngettext("%(count)s byte", "%(count)s bytes", n), { count: n }, true);
  };

  const element = (tag, className, text) => {
    const node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined) node.textContent = text;
    return node;
  };

  // The same test as the input's accept attribute: MIME types, "image/*" or ".ext" suffixes.
  const accepts = (input, file) => {
    const tokens = (input.getAttribute("accept") || "image/*")
      .split(",")
      .map((token) => token.trim().toLowerCase())
      .filter(Boolean);
    const name = file.name.toLowerCase();
    const type = (file.type || "").toLowerCase();
    return tokens.some((token) => {
      if (token.startsWith(".")) return name.endsWith(token);
      if (token.endsWith("/*")) return type.startsWith(token.slice(0, -1));
      return type === token;
    });
  };

  const setUp = (input) => {
    const maxBytes = Number(input.dataset.maxBytes) || Infinity;
    const maxFiles = Number(input.dataset.maxFiles) || Infinity;
    const list = element("ul", "upload-previews");
    // Announced when a choice is made; polite, so it does not interrupt the file dialog closing.
    const notes = element("div", "upload-notes");
    notes.setAttribute("aria-live", "polite");
    input.after(list, notes);
    const urls = new Set();

    const revoke = (url) => {
      if (urls.delete(url)) URL.revokeObjectURL(url);
    };

    const note = (text) => notes.append(element("p", "upload-note", text));

    const problem = (item, label, text) => {
      item.classList.add("is-problem");
      item.append(element("span", "upload-problem", label));
      note(text);
    };

    const thumbnail = (item, file) => {
      const url = URL.createObjectURL(file);
      urls.add(url);
      const image = element("img");
      image.alt = file.name;
      // Drawn once loaded, the picture no longer needs its object URL.
      image.addEventListener("load", () => revoke(url), { once: true });
      image.addEventListener("error", () => {
        revoke(url);
        const placeholder = element("span", "upload-placeholder", gettext("No preview"));
        image.replaceWith(placeholder);
        if (!NO_PREVIEW_FORMATS.test(file.name)) {
          problem(
            item,
            gettext("Not an image"),
            interpolate(gettext("%(name)s could not be opened as an image and will be refused."), { name: file.name }, true),
          );
        }
      });
      image.src = url;
      return image;
    };

    const show = () => {
      urls.forEach(revoke);
      list.replaceChildren();
      notes.replaceChildren();
      const files = Array.from(input.files || []);
      if (files.length > maxFiles) {
        note(
          interpolate(
            ngettext(
              "You chose %(count)s file; at most %(max)s can be uploaded at a time.",
              "You chose %(count)s files; at most %(max)s can be uploaded at a time.",
              files.length,
            ),
            { count: files.length, max: maxFiles },
            true,
          ),
        );
      }
      for (const file of files) {
        const item = element("li", "upload-item");
        const name = element("span", "upload-name", file.name);
        const size = element("span", "upload-size", formatBytes(file.size));
        if (!accepts(input, file)) {
          item.append(element("span", "upload-placeholder", gettext("No preview")), name, size);
          problem(
            item,
            gettext("Not an image"),
            interpolate(gettext("%(name)s is not a photo this form accepts and will be refused."), { name: file.name }, true),
          );
        } else if (file.size > maxBytes) {
          item.append(element("span", "upload-placeholder", gettext("No preview")), name, size);
          problem(
            item,
            gettext("Too large"),
            interpolate(
              gettext("%(name)s is %(size)s, over the %(limit)s limit for a photo, and will be refused."),
              { name: file.name, size: formatBytes(file.size), limit: formatBytes(maxBytes) },
              true,
            ),
          );
        } else {
          item.append(thumbnail(item, file), name, size);
        }
        list.append(item);
      }
    };

    input.addEventListener("change", show);
    // A reset empties the input without a change event.
    if (input.form) input.form.addEventListener("reset", () => setTimeout(show));
    window.addEventListener("pagehide", () => urls.forEach(revoke));
    // Some browsers keep the chosen files when the page is restored from history.
    if (input.files && input.files.length) show();
  };

  document.querySelectorAll("input[type=file][data-preview]").forEach(setUp);
})();
