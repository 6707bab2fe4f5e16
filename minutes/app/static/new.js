// New meeting: the recording is streamed to the app (a file on this machine, to this machine), then processed
// with the details typed here; blank date and times are taken from the recording.
"use strict";

const form = document.getElementById("new-form");
const fileInput = document.getElementById("recording");
const bar = document.getElementById("upload-progress");
const problem = document.getElementById("form-error");

function showError(message) {
  problem.textContent = message;
  problem.hidden = false;
  bar.hidden = true;
  document.getElementById("start").disabled = false;
}

fileInput.addEventListener("change", () => {
  const file = fileInput.files[0];
  const title = document.getElementById("f-title");
  problem.hidden = true;
  if (file && !title.value) title.value = file.name.replace(/\.[^.]+$/, "");
  if (file && file.size > Number(form.dataset.maxUpload)) {
    showError(`${file.name}: ${Math.round(file.size / 1048576)} MB > ${Math.round(form.dataset.maxUpload / 1048576)} MB`);
  }
});

const templateSelect = form.querySelector("select[name=template]");
templateSelect.addEventListener("change", () => {
  document.getElementById("own-template").hidden = templateSelect.value !== "template.docx";
});

async function sendTemplate(id) {
  const file = document.getElementById("template-file").files[0];
  if (!file) throw new ApiError(400, T.template_file);
  const response = await fetch(`/api/meetings/${id}/template`, {
    method: "POST", body: file, headers: {"content-type": "application/octet-stream", "x-filename": encodeURIComponent(file.name)},
  });
  if (!response.ok) throw new ApiError(response.status, (await response.json()).error);
}

function upload(file, title) {
  // XMLHttpRequest, not fetch: it reports upload progress for a long recording.
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open("POST", "/api/upload");
    xhr.setRequestHeader("content-type", file.type || "application/octet-stream");
    xhr.setRequestHeader("x-filename", encodeURIComponent(file.name));
    xhr.setRequestHeader("x-title", encodeURIComponent(title));
    xhr.setRequestHeader("x-last-modified", String(file.lastModified || ""));
    xhr.upload.onprogress = (event) => {
      if (event.lengthComputable) bar.value = event.loaded / event.total;
    };
    xhr.onload = () => {
      let data = {};
      try {
        data = JSON.parse(xhr.responseText);
      } catch (_) {
        data = {error: xhr.statusText};
      }
      if (xhr.status >= 200 && xhr.status < 300) resolve(data);
      else reject(new ApiError(xhr.status, data.error || xhr.statusText));
    };
    xhr.onerror = () => reject(new ApiError(0, "the app did not answer: is `minutes app` still running?"));
    xhr.send(file);
  });
}

form.addEventListener("submit", async (event) => {
  event.preventDefault();
  const file = fileInput.files[0];
  if (!file) return showError(T.choose_recording);
  const data = new FormData(form);
  const details = {};
  for (const key of ["title", "date", "start_time", "end_time", "place", "chair", "secretary", "attendees"]) {
    const value = String(data.get(key) || "").trim();
    if (value) details[key] = value;
  }
  document.getElementById("start").disabled = true;
  bar.hidden = false;
  problem.hidden = true;
  try {
    if (data.get("template") === "template.docx" && !document.getElementById("template-file").files[0]) {
      return showError(T.template_file);
    }
    const created = await upload(file, details.title || "");
    if (data.get("template") === "template.docx") await sendTemplate(created.id);
    await api(`/api/meetings/${created.id}/process`, {
      details, template: data.get("template"), language: data.get("language"),
    });
    window.location.href = `/m/${created.id}`;
  } catch (error) {
    showError(error.message);
  }
});
