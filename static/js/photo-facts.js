// Intake: when the first photo chosen is a JPEG that knows when and where it was taken (EXIF),
// say so and fill the date and coordinates staff left empty. Progressive enhancement only: the
// server fills the same empty fields from the same EXIF, with or without this script.
(() => {
  "use strict";
  // The catalogue served at /jsi18n/ (base.html loads it first); without it, English.
  const gettext = window.gettext || ((text) => text);
  const interpolate =
    window.interpolate || ((format, values) => format.replace(/%\((\w+)\)s/g, (_, key) => String(values[key])));
  const HEAD_BYTES = 256 * 1024; // EXIF sits in the first segment of a JPEG

  const ascii = (view, offset, length) => {
    let text = "";
    for (let i = 0; i < length; i += 1) {
      const code = view.getUint8(offset + i);
      if (code === 0) break;
      text += String.fromCharCode(code);
    }
    return text;
  };

  // One IFD's entries as {tag: {type, count, valueOffset}}; offsets are from the TIFF header.
  const entries = (view, tiff, ifd, little) => {
    const found = {};
    const count = view.getUint16(tiff + ifd, little);
    for (let i = 0; i < count; i += 1) {
      const at = tiff + ifd + 2 + i * 12;
      found[view.getUint16(at, little)] = {
        type: view.getUint16(at + 2, little),
        count: view.getUint32(at + 4, little),
        at: at + 8,
        offset: view.getUint32(at + 8, little),
      };
    }
    return found;
  };

  const degrees = (view, tiff, entry, little) => {
    if (!entry || entry.type !== 5 || entry.count < 3) return null;
    let value = 0;
    [1, 60, 3600].forEach((divisor, i) => {
      const at = tiff + entry.offset + i * 8;
      const denominator = view.getUint32(at + 4, little);
      value += denominator ? view.getUint32(at, little) / denominator / divisor : 0;
    });
    return value;
  };

  const exifFacts = (buffer) => {
    const view = new DataView(buffer);
    if (view.byteLength < 4 || view.getUint16(0) !== 0xffd8) return null; // not a JPEG
    let offset = 2;
    while (offset + 4 < view.byteLength) {
      const marker = view.getUint16(offset);
      const length = view.getUint16(offset + 2);
      if (marker === 0xffe1 && ascii(view, offset + 4, 4) === "Exif") {
        const tiff = offset + 10;
        const little = view.getUint16(tiff) === 0x4949;
        const ifd0 = entries(view, tiff, view.getUint32(tiff + 4, little), little);
        const facts = {};
        if (ifd0[0x8769]) {
          const exif = entries(view, tiff, ifd0[0x8769].offset, little);
          const taken = exif[0x9003];
          if (taken) facts.taken = ascii(view, tiff + taken.offset, taken.count);
        }
        if (ifd0[0x8825]) {
          const gps = entries(view, tiff, ifd0[0x8825].offset, little);
          const lat = degrees(view, tiff, gps[2], little);
          const lon = degrees(view, tiff, gps[4], little);
          if (lat !== null && lon !== null && !(lat === 0 && lon === 0)) {
            facts.latitude = gps[1] && ascii(view, gps[1].at, 1) === "S" ? -lat : lat;
            facts.longitude = gps[3] && ascii(view, gps[3].at, 1) === "W" ? -lon : lon;
          }
        }
        return facts;
      }
      if ((marker & 0xff00) !== 0xff00) break;
      offset += 2 + length;
    }
    return null;
  };

  // "2026:11:30 08:15:00" -> "2026-11-30T08:15", what a datetime-local input takes.
  const localInput = (taken) => {
    const match = /^(\d{4}):(\d{2}):(\d{2})[ T](\d{2}):(\d{2})/.exec(taken || "");
    return match ? `${match[1]}-${match[2]}-${match[3]}T${match[4]}:${match[5]}` : "";
  };

  const fillEmpty = (form, name, value) => {
    const input = form.querySelector(`[name$="${name}"]`);
    if (input && !input.value && value !== "") {
      input.value = value;
      return true;
    }
    return false;
  };

  document.querySelectorAll("form[data-photo-facts]").forEach((form) => {
    const output = form.querySelector(".photo-facts");
    const input = form.querySelector('input[type="file"][multiple]');
    if (!output || !input) return;
    input.addEventListener("change", async () => {
      output.textContent = "";
      const file = input.files[0];
      if (!file) return;
      const facts = exifFacts(await file.slice(0, HEAD_BYTES).arrayBuffer());
      if (!facts || (!facts.taken && facts.latitude === undefined)) return;
      const filled = [];
      if (fillEmpty(form, "found_at", localInput(facts.taken))) filled.push(gettext("the date"));
      if (facts.latitude !== undefined && fillEmpty(form, "latitude", facts.latitude.toFixed(6))) {
        fillEmpty(form, "longitude", facts.longitude.toFixed(6));
        filled.push(gettext("the place"));
      }
      output.textContent = filled.length
        ? interpolate(gettext("Filled in from the photo: %(fields)s. Check them before you record the dog."), {
            fields: filled.join(" · "),
          }, true)
        : gettext("The photo knows when or where it was taken; the fields you typed are kept.");
    });
  });
})();
