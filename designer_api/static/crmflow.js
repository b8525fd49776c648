// Progressive touches only: every page works without this file.
document.addEventListener("DOMContentLoaded", () => {
  // The draft editor shows the inputs the chosen operation reads (all stay in the form).
  const op = document.getElementById("op");
  if (op) {
    const show = () => document.querySelectorAll("form.opform [data-for]").forEach((label) => {
      label.hidden = !label.dataset.for.split(" ").includes(op.value);
    });
    op.addEventListener("change", show);
    show();
  }
  // What cannot be undone asks first (terminating a case, rolling back, deactivating, migrating, a pilot's end):
  // the button pressed, or else its form, says what.
  document.querySelectorAll("form").forEach((form) => form.addEventListener("submit", (event) => {
    const ask = event.submitter?.dataset.confirm || form.dataset.confirm;
    if (ask && !window.confirm(ask)) event.preventDefault();
  }));
  // A heat map fits its box; "Actual size / Fit" switches to the diagram's own scale and back.
  document.querySelectorAll("[data-toggle-fit]").forEach((button) => button.addEventListener("click", () => {
    document.getElementById(button.dataset.toggleFit)?.classList.toggle("fit");
  }));
  // A diagram opens scrolled to where the case is now.
  document.querySelectorAll(".diagram").forEach((box) => {
    const here = box.querySelector('[data-state="current"]');
    if (!here) return;
    const a = box.getBoundingClientRect(), b = here.getBoundingClientRect();
    box.scrollLeft += b.left - a.left - box.clientWidth / 2 + b.width / 2;
    box.scrollTop += b.top - a.top - box.clientHeight / 2 + b.height / 2;
  });
  // Pickers: as people type part of a name, offer the matching records (the server resolves the label).
  document.querySelectorAll("input[data-picker]").forEach((input) => {
    const list = document.getElementById(input.getAttribute("list"));
    let timer = null, asked = "";
    input.addEventListener("input", () => {
      clearTimeout(timer);
      timer = setTimeout(async () => {
        const within = input.dataset.within ? document.getElementById(input.dataset.within) : null;
        const query = new URLSearchParams({q: input.value, customer: within ? within.value : ""});
        if (query.toString() === asked) return;
        asked = query.toString();
        const response = await fetch(`${input.dataset.picker}?${query}`, {headers: {Accept: "application/json"}});
        if (!response.ok) return;
        list.replaceChildren(...(await response.json()).map((choice) => {
          const option = document.createElement("option");
          option.value = choice.label;
          option.textContent = choice.detail;
          return option;
        }));
      }, 150);
    });
  });
  // Select every group task for "Claim selected".
  const all = document.getElementById("select-all");
  if (all) all.addEventListener("change", () => document.querySelectorAll('input[name="task"]').forEach((box) => {
    box.checked = all.checked;
  }));
});
