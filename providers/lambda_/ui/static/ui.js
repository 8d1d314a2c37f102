// The resource browser's only script: conveniences, never needed to act.
// - "select all" checkboxes in the functions and layers tables;
// - the create-function form: a runtime of another family swaps in its file
//   name, handler and sample code while the user has not changed them, and
//   choosing a zip file selects "Upload a .zip".
"use strict";

document.addEventListener("DOMContentLoaded", () => {
  for (const all of document.querySelectorAll("input.select-all")) {
    all.addEventListener("change", () => {
      for (const box of all.closest("form").querySelectorAll("tbody input[type=checkbox]")) {
        box.checked = all.checked;
      }
    });
  }

  const runtime = document.getElementById("runtime");
  const code = document.getElementById("code");
  if (runtime && code) {
    const handler = document.getElementById("handler");
    const fileName = document.getElementById("file_name");
    const familyOf = (value) => ["python", "nodejs"].find((f) => value.startsWith(f));
    let family = familyOf(runtime.value);
    const untouched = (field, key) => !family || field.value === code.dataset[family + key];
    runtime.addEventListener("change", () => {
      const next = familyOf(runtime.value);
      if (!next || next === family) return;
      for (const [field, key] of [[code, "Sample"], [handler, "Handler"], [fileName, "File"]]) {
        if (field && untouched(field, key)) field.value = code.dataset[next + key];
      }
      family = next;
    });
    const upload = document.getElementById("zip");
    const uploadChoice = document.getElementById("source-zip");
    if (upload && uploadChoice) upload.addEventListener("change", () => { uploadChoice.checked = upload.files.length > 0; });
  }
});
