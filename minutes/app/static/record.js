// Recording from a microphone: the recorder and live transcript of `minutes record`, driven from the page.
"use strict";

const setup = document.getElementById("record-setup");
const panel = document.getElementById("recording");
const problem = document.getElementById("record-error");
const pauseButton = document.getElementById("record-pause");
let polling = false;

function show(state) {
  document.getElementById("elapsed").textContent = clock(state.elapsed);
  document.getElementById("level").value = Math.max(-60, state.level_dbfs);
  document.getElementById("committed").textContent = state.committed;
  document.getElementById("tentative").textContent = state.tentative;
  document.getElementById("silence").hidden = !state.silence_warning;
  pauseButton.textContent = state.paused ? T.resume : T.pause;
  problem.textContent = state.error || "";
  const live = document.getElementById("live");
  live.scrollTop = live.scrollHeight;
}

async function poll() {
  if (!polling) return;
  try {
    const state = await api("/api/record");
    if (state.running) show(state);
  } catch (error) {
    problem.textContent = error.message;
  }
  setTimeout(poll, 250);
}

function recordingView() {
  setup.hidden = true;
  panel.hidden = false;
  polling = true;
  poll();
}

document.getElementById("record-start").addEventListener("click", async (event) => {
  event.target.disabled = true;
  problem.textContent = "";
  try {
    await api("/api/record/start", {
      device: document.getElementById("device").value,
      title: document.getElementById("r-title").value,
      language: document.getElementById("r-language").value,
    });
    recordingView();
  } catch (error) {
    problem.textContent = error.message;
    event.target.disabled = false;
  }
});

pauseButton.addEventListener("click", async () => {
  const state = await api("/api/record/pause", {});
  pauseButton.textContent = state.paused ? T.resume : T.pause;
});

document.getElementById("record-stop").addEventListener("click", async (event) => {
  event.target.disabled = true;
  polling = false;
  try {
    const title = document.getElementById("r-title").value.trim();
    const done = await api("/api/record/stop", {details: title ? {title} : {}});
    window.location.href = `/m/${done.id}`;
  } catch (error) {
    problem.textContent = error.message;
    event.target.disabled = false;
  }
});

// a recording already running (the page was reloaded): show it
api("/api/record").then((state) => {
  if (state.running) recordingView();
});
