// The draft page's decision-table editor: dmn-js (served from static/vendor, installed by `make frontend`) opens one
// of the draft's tables and saves it back as DMN, checked against the revision the page shows; intake refuses a
// table crmflow cannot read, naming the rule and the cell, and the page says so beside the table.
(() => {
  const config = JSON.parse(document.getElementById("modeler-config").textContent);
  const t = (text) => config.labels[text] || text;
  const revision = () => document.getElementById("modeler-revision").textContent.trim();

  for (const box of document.querySelectorAll(".table-editor")) {
    const id = box.dataset.decision;
    const open = box.querySelector(".table-open"), save = box.querySelector(".table-save");
    const canvas = box.querySelector(".table-canvas"), status = box.querySelector(".table-status");
    if (!open || !save || !window.DmnJS) continue;
    const url = config.urls.decisions + encodeURIComponent(id);
    const say = (text, kind) => { status.textContent = text; status.className = `table-status ${kind || ""}`; };
    let editor = null;

    open.addEventListener("click", async () => {
      canvas.hidden = false;
      if (editor === null) {
        editor = new window.DmnJS({ container: canvas });
        const response = await fetch(url, { credentials: "same-origin" });
        if (!response.ok) { say(`${response.status}`, "error"); return; }
        await editor.importXML(await response.text());
        const table = editor.getViews().find((view) => view.type === "decisionTable");
        if (table) await editor.open(table);
      }
      open.hidden = true;
      save.hidden = false;
      box.classList.add("open");
    });

    save.addEventListener("click", async () => {
      const { xml } = await editor.saveXML({ format: true });
      say(t("Saving…"));
      const response = await fetch(url, { method: "PUT", body: xml, credentials: "same-origin", headers: {
        "Content-Type": "application/xml", Accept: "application/json", "X-CSRF-Token": config.csrf,
        "If-Match": revision() } });
      const answer = await response.json().catch(() => null);
      if (!response.ok) {
        const error = answer?.error;
        say(`${response.status}: ${error?.message || ""}`
          + (error?.details || []).map((d) => ` · ${d.message || ""}`).join(""), "error");
        return;
      }
      say(t("Saved"), "ok");
      window.location.reload();  // the diff, the validation and the outline read the saved table
    });
  }
})();
