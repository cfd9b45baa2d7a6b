// Light progressive enhancement: the pages work without it.
// 1. Refresh the rollout section every few seconds while the page is open (not while
//    the person is typing in it, and only when it changed), so status, progress,
//    triggers and the steps offered stay current without a reload.
// 2. Ask before a form marked data-confirm is sent (rolling back, forcing past a
//    stage's minimums), including forms that arrived with a refresh.
(function () {
  "use strict";
  const box = document.getElementById("timeline");
  if (box && box.dataset.src) {
    let last = box.innerHTML;
    const refresh = async function () {
      if (box.contains(document.activeElement) && document.activeElement !== document.body) {
        return;
      }
      try {
        const response = await fetch(box.dataset.src, {credentials: "same-origin"});
        if (!response.ok) { return; }
        const html = await response.text();
        if (html !== last) {
          const open = Array.from(box.querySelectorAll("[data-stage] details[open]"), (d) => d.closest("[data-stage]").dataset.stage);
          box.innerHTML = html;
          last = html;
          open.forEach(function (stage) {
            const item = box.querySelector('[data-stage="' + CSS.escape(stage) + '"] details');
            if (item) { item.open = true; }
          });
          box.dispatchEvent(new CustomEvent("clearance:refreshed", {bubbles: true}));
        }
      } catch (err) { /* offline for a moment: keep the last picture */ }
    };
    window.setInterval(refresh, 3000);
  }
  document.addEventListener("submit", function (event) {
    const form = event.target;
    if (form instanceof HTMLFormElement && form.dataset.confirm) {
      if (!window.confirm(form.dataset.confirm)) { event.preventDefault(); }
    }
  });
})();
