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
  // A diagram opens scrolled to where the case is now.
  document.querySelectorAll(".diagram").forEach((box) => {
    const here = box.querySelector('[data-state="current"]');
    if (!here) return;
    const a = box.getBoundingClientRect(), b = here.getBoundingClientRect();
    box.scrollLeft += b.left - a.left - box.clientWidth / 2 + b.width / 2;
    box.scrollTop += b.top - a.top - box.clientHeight / 2 + b.height / 2;
  });
});
