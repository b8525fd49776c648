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
});
