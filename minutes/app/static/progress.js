// Processing: one bar per stage with the time left, fed by the job's progress reports; cancel; then review.
"use strict";

const box = document.getElementById("progress");
const id = box.dataset.id;
const statusNode = document.getElementById("status");
const cancelButton = document.getElementById("cancel");
const againButton = document.getElementById("again");

function show(data) {
  statusNode.textContent = T[`status_${data.status}`] || data.status;
  statusNode.className = `status status-${data.status}`;
  document.getElementById("error").textContent = data.error || "";
  const running = data.status === "queued" || data.status === "processing";
  cancelButton.hidden = !running;
  againButton.hidden = running;
  const progress = data.progress;
  if (progress) {
    for (const [name, stage] of Object.entries(progress.stages)) {
      const row = box.querySelector(`.stage[data-stage="${name}"]`);
      if (!row) continue;
      row.querySelector("progress").value = stage.fraction;
      row.classList.toggle("current", progress.current === name);
      row.classList.toggle("done", stage.done);
      row.querySelector(".eta").textContent =
        stage.seconds_left != null ? `${clock(stage.seconds_left)} ${T.time_left}` : stage.done ? "✓" : "";
    }
    const warnings = document.getElementById("warnings");
    warnings.replaceChildren(...progress.warnings.map((w) => el("li", {text: w})));
  }
  return running;
}

async function poll() {
  try {
    const data = await api(`/api/meetings/${id}/progress`);
    if (data.status === "ready") {
      window.location.reload();
      return;
    }
    if (show(data)) setTimeout(poll, 500);
  } catch (error) {
    document.getElementById("error").textContent = error.message;
    setTimeout(poll, 2000);
  }
}

cancelButton.addEventListener("click", async () => {
  cancelButton.disabled = true;
  await api(`/api/meetings/${id}/cancel`, {});
});

againButton.addEventListener("click", async () => {
  againButton.hidden = true;
  cancelButton.disabled = false;
  await api(`/api/meetings/${id}/process`, {});
  poll();
});

poll();
