// Review: the transcript synced with the recording, and the minutes beside it. Every change is one edit sent to
// the app, which saves it (fsynced journal) before answering; the page then shows the app's state.
"use strict";

const root = document.getElementById("review");
const meetingId = root.dataset.id;
const player = document.getElementById("player");
const transcriptBox = document.getElementById("transcript");
const speakersBox = document.getElementById("speakers");
const minutesBox = document.getElementById("minutes");
const saveState = document.getElementById("save-state");
const LOW_CONFIDENCE = 0.5; // Whisper's word probability below which a word is marked for checking

let state = null;
let starts = new Float64Array(0); // every word's start time, in order: binary search for the playing word
let ends = new Float64Array(0);
let wordNodes = [];
let current = -1;
let selected = null; // {seg, word}: the word last clicked, where "split" cuts
let lastUserScroll = 0;

const esc = (text) => String(text ?? "").replace(/[&<>"]/g, (c) => ({"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;"})[c]);
const typing = (node) => node && (node.isContentEditable || ["INPUT", "TEXTAREA", "SELECT"].includes(node.tagName));

// -- talking to the app ---------------------------------------------------------------------------------------

async function send(path, body) {
  saveState.textContent = T.saving;
  saveState.className = "save-state busy";
  try {
    const next = await api(`/api/meetings/${meetingId}/${path}`, {version: state.version, ...body});
    saveState.textContent = T.saved;
    saveState.className = "save-state";
    return next;
  } catch (error) {
    saveState.textContent = error.status === 409 ? T.stale : error.message;
    saveState.className = "save-state error";
    throw error;
  }
}

async function edit(op, {transcript = true, minutes = true} = {}) {
  const next = await send("edit", {op});
  apply(next, {transcript, minutes});
  return next;
}

function apply(next, {transcript = true, minutes = true} = {}) {
  state = next;
  document.getElementById("undo").disabled = !state.can_undo;
  document.getElementById("redo").disabled = !state.can_redo;
  if (transcript) {
    renderSpeakers();
    renderTranscript();
  }
  if (minutes) renderMinutes();
}

// -- transcript -----------------------------------------------------------------------------------------------

function speakerClass(name) {
  const index = state.speakers.indexOf(name);
  return `sp-${index < 0 ? 0 : index % 8}`;
}

function segmentHtml(seg, i) {
  let text;
  if (seg.w && seg.w.length) {
    // Whisper's words carry their own leading space ("$2" ".4" is one number): keep the spacing as heard
    text = seg.w.map((w, j) => {
      const low = w[3] < LOW_CONFIDENCE ? ` low" title="${esc(T.low_confidence)}` : "";
      const space = j > 0 && /^\s/.test(w[0]) ? " " : "";
      return `${space}<span class="w${low}" data-s="${w[1]}" data-j="${j}">${esc(w[0].trim())}</span>`;
    }).join("");
  } else {
    text = esc(seg.t);
  }
  const flags = (seg.f || []).filter((f) => f === "overlap").length ? ' <span class="flag">overlap</span>' : "";
  return `<div class="seg" data-i="${i}"><div class="seg-head">` +
    `<button type="button" class="who ${speakerClass(seg.sp)}" data-action="assign" title="${esc(T.assign)}">${esc(seg.sp || "?")}</button>` +
    `<a class="time" data-t="${seg.s}">${clock(seg.s)}</a>${flags}<span class="tools">` +
    `<button type="button" data-action="edit">${esc(T.edit)}</button>` +
    `<button type="button" data-action="split" title="${esc(T.split)}">✂</button></span></div>` +
    `<p class="text">${text}</p></div>`;
}

let drawn = []; // what each drawn segment was drawn from, so an edit redraws only what it changed
let drawnSpeakers = "";

function renderTranscript() {
  const began = performance.now();
  const segments = state.transcript.segments;
  const keys = segments.map((seg) => JSON.stringify(seg));
  const speakers = JSON.stringify(state.speakers); // colours follow the speakers' order
  const changed = keys.map((key, i) => key !== drawn[i]);
  if (keys.length === drawn.length && speakers === drawnSpeakers && transcriptBox.children.length === keys.length) {
    changed.forEach((differs, i) => {
      if (differs) redrawSegment(i);
    });
  } else {
    const scroll = transcriptBox.scrollTop;
    transcriptBox.innerHTML = segments.map(segmentHtml).join("");
    transcriptBox.scrollTop = scroll;
  }
  drawn = keys;
  drawnSpeakers = speakers;
  indexWords();
  window.minutesReview = {
    ...(window.minutesReview || {}),
    renderMs: performance.now() - began,
    segments: segments.length,
    words: wordNodes.length,
  };
}

function redrawSegment(i) {
  const holder = document.createElement("template");
  holder.innerHTML = segmentHtml(state.transcript.segments[i], i);
  transcriptBox.children[i].replaceWith(holder.content.firstElementChild);
}

function indexWords() {
  wordNodes = Array.from(transcriptBox.querySelectorAll(".w"));
  starts = new Float64Array(wordNodes.length);
  ends = new Float64Array(wordNodes.length);
  wordNodes.forEach((node, k) => {
    starts[k] = parseFloat(node.dataset.s);
  });
  // a word's end: the next word's start at most, so a gap of silence highlights nothing
  const segments = state.transcript.segments;
  let k = 0;
  for (const seg of segments) {
    for (const w of seg.w || []) {
      ends[k++] = w[2];
    }
  }
  current = -1;
  highlight(player.currentTime);
}

function wordAt(time) {
  let lo = 0, hi = starts.length - 1, found = -1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (starts[mid] <= time) {
      found = mid;
      lo = mid + 1;
    } else {
      hi = mid - 1;
    }
  }
  return found >= 0 && time <= ends[found] + 0.25 ? found : -1;
}

function highlight(time) {
  const index = wordAt(time);
  if (index === current) return;
  if (current >= 0 && wordNodes[current]) wordNodes[current].classList.remove("now");
  current = index;
  if (index < 0) return;
  const node = wordNodes[index];
  node.classList.add("now");
  if (document.getElementById("follow").checked && Date.now() - lastUserScroll > 4000 && !player.paused) {
    const box = transcriptBox.getBoundingClientRect(), at = node.getBoundingClientRect();
    if (at.top < box.top + 40 || at.bottom > box.bottom - 40) node.scrollIntoView({block: "center"});
  }
}

function tick() {
  highlight(player.currentTime);
  if (!player.paused) requestAnimationFrame(tick);
}

function seek(time, play = false) {
  player.currentTime = Math.max(0, time);
  highlight(player.currentTime);
  if (play) player.play();
}

function startEditing(segNode) {
  const i = Number(segNode.dataset.i);
  const seg = state.transcript.segments[i];
  const text = seg.w && seg.w.length ? seg.w.map((w) => w[0]).join("").trim() : seg.t;
  const area = el("textarea", {class: "seg-edit", rows: Math.max(2, Math.ceil(text.length / 70))});
  area.value = text;
  const save = async () => {
    if (area.value.trim() === text.trim()) return redrawSegment(i);
    await edit({op: "text", seg: i, text: area.value}, {minutes: false});
  };
  area.addEventListener("keydown", (event) => {
    if (event.key === "Enter" && (event.ctrlKey || !event.shiftKey)) {
      event.preventDefault();
      save();
    } else if (event.key === "Escape") {
      redrawSegment(i);
    }
  });
  const box = el("div", {class: "edit-box"}, area,
    el("div", {class: "row"},
      el("button", {type: "button", class: "primary save-edit", text: T.save, onclick: save}),
      el("button", {type: "button", text: "✕", onclick: () => redrawSegment(i)})));
  segNode.querySelector(".text").replaceWith(box);
  area.focus();
}

function chooseSpeaker(segNode) {
  const i = Number(segNode.dataset.i);
  const seg = state.transcript.segments[i];
  const select = el("select", {class: "assign-speaker"},
    ...state.speakers.map((name) => el("option", {value: name, text: name, selected: name === seg.sp})),
    el("option", {value: "\u0000new", text: "…"}));
  select.addEventListener("change", async () => {
    let name = select.value;
    if (name === "\u0000new") name = window.prompt(T.speakers, "") || "";
    if (name && name !== seg.sp) await edit({op: "assign", seg: i, speaker: name}, {minutes: false});
    else redrawSegment(i);
  });
  segNode.querySelector(".who").replaceWith(select);
  select.focus();
}

transcriptBox.addEventListener("click", (event) => {
  const target = event.target;
  const segNode = target.closest(".seg");
  if (!segNode) return;
  if (target.classList.contains("w")) {
    transcriptBox.querySelector(".w.selected")?.classList.remove("selected");
    target.classList.add("selected");
    selected = {seg: Number(segNode.dataset.i), word: Number(target.dataset.j)};
    seek(parseFloat(target.dataset.s));
  } else if (target.classList.contains("time")) {
    seek(parseFloat(target.dataset.t), true);
  } else if (target.dataset.action === "edit") {
    startEditing(segNode);
  } else if (target.dataset.action === "assign") {
    chooseSpeaker(segNode);
  } else if (target.dataset.action === "split") {
    const i = Number(segNode.dataset.i);
    if (selected && selected.seg === i && selected.word > 0) edit({op: "split", seg: i, at: selected.word}, {minutes: false});
    else saveState.textContent = T.split;
  }
});

transcriptBox.addEventListener("wheel", () => {
  lastUserScroll = Date.now();
}, {passive: true});

function renderSpeakers() {
  const rows = state.speakers.map((name) => {
    const input = el("input", {class: "speaker-name", value: name, "data-name": name, "aria-label": T.rename});
    const rename = async () => {
      const to = input.value.trim();
      if (!to || to === name) return;
      const op = state.speakers.includes(to) ? {op: "merge", from: name, into: to} : {op: "rename", from: name, to};
      await edit(op);
    };
    input.addEventListener("keydown", (event) => {
      if (event.key === "Enter") rename();
    });
    const merge = el("select", {class: "merge-target", "aria-label": T.merge},
      el("option", {value: "", text: T.merge_into}),
      ...state.speakers.filter((other) => other !== name).map((other) => el("option", {value: other, text: other})));
    merge.addEventListener("change", () => {
      if (merge.value) edit({op: "merge", from: name, into: merge.value});
    });
    const voice = name.startsWith("SPEAKER_") ? null : el("button", {type: "button", class: "save-voice", text: "🎙",
      title: T.save_voice, "aria-label": T.save_voice, onclick: () => saveVoice(name)});
    return el("div", {class: `speaker ${speakerClass(name)}`, "data-name": name}, input,
      el("button", {type: "button", class: "rename-speaker", text: T.rename, onclick: rename}), merge, voice);
  });
  speakersBox.replaceChildren(el("h3", {text: T.speakers}), ...rows);
}

async function saveVoice(name) {
  saveState.textContent = T.saving;
  saveState.className = "save-state busy";
  try {
    const saved = await api(`/api/meetings/${meetingId}/voice`, {speaker: name});
    saveState.textContent = `${saved.name}: ${T.voice_saved} (${Math.round(saved.seconds)} s)`;
    saveState.className = "save-state voice-saved";
  } catch (error) {
    saveState.textContent = error.message;
    saveState.className = "save-state error";
  }
}

// -- minutes --------------------------------------------------------------------------------------------------

function timeLink(spans) {
  if (!spans || !spans.length) return null;
  const start = spans[0].start;
  return el("button", {type: "button", class: "timelink", "data-t": start, title: clock(start), text: `▶ ${clock(start)}`,
    onclick: () => seek(start, true)});
}

function itemTools(path, index, count) {
  const at = [...path, index];
  return el("span", {class: "item-tools"},
    el("button", {type: "button", class: "up", title: T.up, text: "↑", disabled: index === 0,
      onclick: () => edit({op: "item.move", path: at, to: index - 1}, {transcript: false})}),
    el("button", {type: "button", class: "down", title: T.down, text: "↓", disabled: index === count - 1,
      onclick: () => edit({op: "item.move", path: at, to: index + 1}, {transcript: false})}),
    el("button", {type: "button", class: "remove danger", title: T.delete, text: "✕",
      onclick: () => edit({op: "item.delete", path: at}, {transcript: false})}));
}

function setField(path, index, field, value) {
  // the page already shows the new value: no need to redraw the minutes (and lose the cursor)
  return edit({op: "item.set", path: [...path, index], fields: {[field]: value}}, {transcript: false, minutes: false});
}

function pointList(points, path, heading) {
  const items = points.map((point, index) => {
    const area = el("textarea", {class: "point-text", rows: Math.max(2, Math.ceil(point.text.length / 42))});
    area.value = point.text;
    area.addEventListener("change", () => setField(path, index, "text", area.value));
    return el("li", {class: "point"}, area, timeLink(point.spans), itemTools(path, index, points.length));
  });
  return section(heading, path, el("ol", {class: "points"}, ...items), {text: ""});
}

function actionList(actions, path) {
  const people = state.people;
  const items = actions.map((action, index) => {
    const task = el("textarea", {class: "action-task", rows: Math.max(2, Math.ceil(action.task.length / 50))});
    task.value = action.task;
    task.addEventListener("change", () => setField(path, index, "task", task.value));
    const names = [...new Set([...(action.owner ? [action.owner] : []), ...people])];
    const owner = el("select", {class: "action-owner", "aria-label": T.owner},
      el("option", {value: "", text: "—"}),
      ...names.map((name) => el("option", {value: name, text: name, selected: name === action.owner})));
    owner.addEventListener("change", () => setField(path, index, "owner", owner.value));
    const due = el("input", {class: "action-due", value: action.due || "", placeholder: "dd/mm/yyyy", "aria-label": T.due});
    due.addEventListener("change", () => setField(path, index, "due", due.value));
    return el("li", {class: "action"}, task,
      el("div", {class: "row"}, el("label", {}, `${T.owner} `, owner), el("label", {}, `${T.due} `, due),
        timeLink(action.spans), itemTools(path, index, actions.length)));
  });
  return section(T.action_items, path, el("ol", {class: "actions"}, ...items), {task: ""});
}

function section(heading, path, body, blank) {
  const add = el("button", {type: "button", class: "add", text: `+ ${T.add}`,
    onclick: () => edit({op: "item.add", path, fields: blank}, {transcript: false})});
  return el("div", {class: "section", "data-path": JSON.stringify(path)}, el("h4", {text: heading}), body, add);
}

function meetingDetails(meeting) {
  const fields = [["title", T.title], ["date", T.date], ["start_time", T.start_time], ["end_time", T.end_time],
    ["place", T.place], ["chair", T.chair], ["secretary", T.secretary], ["attendees", T.attendees]];
  const inputs = fields.map(([key, label]) => {
    const value = Array.isArray(meeting[key]) ? meeting[key].join(", ") : meeting[key] || "";
    const input = el("input", {name: key, value, class: `meeting-${key}`});
    input.addEventListener("change", () => edit({op: "meeting.set", fields: {[key]: input.value}},
      {transcript: false, minutes: key === "attendees"}));
    return el("label", {}, label, input);
  });
  return el("details", {class: "meeting-details card"}, el("summary", {text: T.details}), el("div", {class: "grid"}, ...inputs));
}

function renderMinutes() {
  const minutes = state.minutes;
  if (!minutes) {
    minutesBox.replaceChildren(el("p", {text: "—"}));
    return;
  }
  const parts = [meetingDetails(minutes.meeting), pointList(minutes.summary, ["summary"], T.summary)];
  minutes.topics.forEach((topic, t) => {
    const title = el("input", {class: "topic-title", value: topic.title});
    title.addEventListener("change", () => setField(["topics"], t, "title", title.value));
    parts.push(el("div", {class: "topic card", "data-topic": t},
      el("div", {class: "row"}, title, timeLink(topic.span ? [topic.span] : []), itemTools(["topics"], t, minutes.topics.length),
        topic.span ? el("button", {type: "button", class: "redraft-topic", text: "↻", title: T.redraft_topic,
          "aria-label": T.redraft_topic, onclick: (event) => redraft(event.target, t)}) : null),
      pointList(topic.summary, ["topics", t, "summary"], T.summary),
      pointList(topic.decisions, ["topics", t, "decisions"], T.decisions),
      actionList(topic.action_items, ["topics", t, "action_items"])));
  });
  parts.push(pointList(minutes.decisions, ["decisions"], T.decisions));
  parts.push(actionList(minutes.action_items, ["action_items"]));
  parts.push(pointList(minutes.open_questions, ["open_questions"], T.open_questions));
  minutesBox.replaceChildren(...parts);
}

// -- toolbar, export, shortcuts -------------------------------------------------------------------------------

document.getElementById("undo").addEventListener("click", async () => apply(await send("undo", {})));
document.getElementById("redo").addEventListener("click", async () => apply(await send("redo", {})));

for (const button of document.querySelectorAll(".export-button")) {
  button.addEventListener("click", async () => {
    const result = document.getElementById("export-result");
    result.textContent = "…";
    try {
      const done = await api(`/api/meetings/${meetingId}/export`, {
        formats: [button.dataset.format], appendix: document.getElementById("appendix").checked,
      });
      result.replaceChildren(`${T.written_to} `, ...done.written.map((path, k) =>
        el("a", {class: "written", href: `/api/meetings/${meetingId}/file/${done.names[k]}`, text: path})));
    } catch (error) {
      result.textContent = error.message;
    }
  });
}

async function redraft(button, topic) {
  const label = button.textContent;
  button.disabled = true;
  button.textContent = T.drafting;
  try {
    apply(await send("redraft", topic === undefined ? {} : {topic}), {transcript: false});
  } finally {
    button.disabled = false;
    button.textContent = label;
  }
}

document.getElementById("redraft").addEventListener("click", (event) => redraft(event.target));

document.addEventListener("keydown", (event) => {
  const inField = typing(event.target);
  if (event.code === "Space" && (event.ctrlKey || !inField)) {
    if (!event.ctrlKey && event.target.tagName === "BUTTON") return;
    event.preventDefault();
    if (player.paused) player.play();
    else player.pause();
  } else if ((event.key === "ArrowLeft" || event.key === "ArrowRight") && (event.ctrlKey || !inField)) {
    event.preventDefault();
    seek(player.currentTime + (event.key === "ArrowLeft" ? -5 : 5));
  } else if (!inField && (event.ctrlKey || event.metaKey) && event.key.toLowerCase() === "z") {
    event.preventDefault();
    document.getElementById(event.shiftKey ? "redo" : "undo").click();
  }
});

player.addEventListener("play", () => requestAnimationFrame(tick));
player.addEventListener("seeked", () => highlight(player.currentTime));

(async () => {
  const began = performance.now();
  apply(await api(`/api/meetings/${meetingId}/state`));
  window.minutesReview.loadMs = performance.now() - began;
  window.minutesReview.readyAt = performance.now(); // since navigation began
  const at = Number(new URLSearchParams(location.search).get("t")); // a search hit's moment: /m/<id>?t=<seconds>
  if (at > 0) {
    const go = () => {
      seek(at);
      if (current >= 0) wordNodes[current].scrollIntoView({block: "center"});
    };
    if (player.readyState >= 1) go();
    else player.addEventListener("loadedmetadata", go, {once: true});
  }
  document.body.dataset.ready = "1";
})();
