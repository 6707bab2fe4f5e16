// The meetings list: lengths as clocks, rename and delete (to the trash folder) in place.
"use strict";

for (const cell of document.querySelectorAll("[data-seconds]")) {
  cell.textContent = clock(parseFloat(cell.dataset.seconds));
}

document.getElementById("meetings")?.addEventListener("click", async (event) => {
  const row = event.target.closest("tr[data-id]");
  if (!row) return;
  const id = row.dataset.id;
  try {
    if (event.target.classList.contains("rename")) {
      const link = row.querySelector(".meeting-title");
      const title = window.prompt(T.rename, link.textContent);
      if (title && title.trim()) {
        const saved = await api(`/api/meetings/${id}/rename`, {title: title.trim()});
        link.textContent = saved.title;
      }
    } else if (event.target.classList.contains("delete")) {
      if (window.confirm(T.confirm_delete)) {
        await api(`/api/meetings/${id}/delete`, {});
        row.remove();
      }
    }
  } catch (error) {
    window.alert(error.message);
  }
});
