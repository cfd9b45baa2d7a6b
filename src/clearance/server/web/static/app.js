// Light progressive enhancement: the pages work without it.
// 1. Refresh the rollout timeline every few seconds while the page is open.
// 2. Ask before a destructive form (data-confirm) is sent.
(function () {
  "use strict";
  const box = document.getElementById("timeline");
  if (box && box.dataset.src) {
    const refresh = async function () {
      try {
        const response = await fetch(box.dataset.src, {credentials: "same-origin"});
        if (response.ok) { box.innerHTML = await response.text(); }
      } catch (err) { /* offline for a moment: keep the last picture */ }
    };
    window.setInterval(refresh, 3000);
  }
  document.querySelectorAll("form[data-confirm]").forEach(function (form) {
    form.addEventListener("submit", function (event) {
      if (!window.confirm(form.dataset.confirm)) { event.preventDefault(); }
    });
  });
})();
