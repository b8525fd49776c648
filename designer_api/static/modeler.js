// The draft page's modeler: bpmn-js (installed from npm into static/vendor) with a properties panel for what
// crmflow reads. Without JavaScript (or without the vendor files) the page keeps its diagram and its forms.
(() => {
  "use strict";
  const box = document.getElementById("modeler");
  if (!box || !window.BpmnJS) return;
  const config = JSON.parse(document.getElementById("modeler-config").textContent);
  const t = (text) => config.labels[text] || text;

  // The spiffworkflow extension elements crmflow reads, so bpmn-js edits them as typed properties.
  const spiffworkflow = {
    name: "SpiffWorkflow", prefix: "spiffworkflow", uri: "http://spiffworkflow.org/bpmn/schema/1.0/core",
    xml: { tagAlias: "lowerCase" }, associations: [],
    types: [
      { name: "Properties", superClass: ["Element"], properties: [
        { name: "properties", type: "Property", isMany: true }] },
      { name: "Property", properties: [
        { name: "name", isAttr: true, type: "String" }, { name: "value", isAttr: true, type: "String" }] },
      { name: "ServiceTaskOperator", superClass: ["Element"], properties: [
        { name: "id", isAttr: true, type: "String" }, { name: "resultVariable", isAttr: true, type: "String" },
        { name: "parameters", type: "Parameters" }] },
      { name: "Parameters", properties: [{ name: "parameters", type: "Parameter", isMany: true }] },
      { name: "Parameter", properties: [
        { name: "id", isAttr: true, type: "String" }, { name: "type", isAttr: true, type: "String" },
        { name: "value", isAttr: true, type: "String" }] },
      // the decision table a business rule task runs, and a step's scripts: kept as they are
      ...["CalledDecisionId", "PreScript", "PostScript"].map((name) => (
        { name, superClass: ["Element"], properties: [{ name: "value", isBody: true, type: "String" }] })),
    ],
  };

  const canvasBox = box.querySelector(".modeler-canvas");
  canvasBox.textContent = "";
  const modeler = new window.BpmnJS({ container: canvasBox, moddleExtensions: { spiffworkflow } });
  const modeling = modeler.get("modeling"), moddle = modeler.get("moddle");
  const registry = modeler.get("elementRegistry"), overlays = modeler.get("overlays");
  const panel = document.getElementById("properties"), status = document.getElementById("modeler-status");
  let revision = config.revision, dirty = false, selected = null;

  const say = (text, kind) => { status.textContent = text; status.className = "modeler-status " + (kind || ""); };

  // -- reading and writing crmflow's properties -------------------------------------------------------------
  const holderOf = (bo) => (bo.extensionElements?.values || []).find((v) => v.$type === "spiffworkflow:Properties");
  const propertyOf = (bo, name) => holderOf(bo)?.properties?.find((p) => p.name === name)?.value || "";

  function setProperty(element, bo, name, value) {
    let extensions = bo.extensionElements;
    if (!value && !holderOf(bo)) return;
    if (!extensions) {
      extensions = moddle.create("bpmn:ExtensionElements", { values: [] });
      modeling.updateModdleProperties(element, bo, { extensionElements: extensions });
    }
    let holder = holderOf(bo);
    if (!holder) {
      holder = moddle.create("spiffworkflow:Properties", { properties: [] });
      modeling.updateModdleProperties(element, extensions, { values: [...extensions.values, holder] });
    }
    const found = (holder.properties || []).find((p) => p.name === name);
    if (!value && found) {
      modeling.updateModdleProperties(element, holder, { properties: holder.properties.filter((p) => p !== found) });
    } else if (value && found) {
      modeling.updateModdleProperties(element, found, { value });
    } else if (value) {
      const created = moddle.create("spiffworkflow:Property", { name, value });
      modeling.updateModdleProperties(element, holder, { properties: [...(holder.properties || []), created] });
    }
  }

  const operatorOf = (bo) => (bo.extensionElements?.values || [])
    .find((v) => v.$type === "spiffworkflow:ServiceTaskOperator");

  function setOperator(element, bo, service) {
    let extensions = bo.extensionElements;
    if (!extensions) {
      extensions = moddle.create("bpmn:ExtensionElements", { values: [] });
      modeling.updateModdleProperties(element, bo, { extensionElements: extensions });
    }
    const others = extensions.values.filter((v) => v.$type !== "spiffworkflow:ServiceTaskOperator");
    if (!service) {
      modeling.updateModdleProperties(element, extensions, { values: others });
      return;
    }
    const old = operatorOf(bo);
    const keep = Object.fromEntries((old?.parameters?.parameters || []).map((p) => [p.id, p.value]));
    const parameters = moddle.create("spiffworkflow:Parameters", {
      parameters: config.services[service].map((id) => moddle.create("spiffworkflow:Parameter",
        { id, type: "any", value: keep[id] || id })),
    });
    const operator = moddle.create("spiffworkflow:ServiceTaskOperator",
      { id: service, resultVariable: old?.resultVariable || service.replace(/^(\w+?)_/, ""), parameters });
    modeling.updateModdleProperties(element, extensions, { values: [...others, operator] });
  }

  // -- the properties panel -------------------------------------------------------------------------------
  const field = (label, input, hint) => {
    const wrap = document.createElement("label");
    wrap.append(label, input);
    if (hint) { const small = document.createElement("small"); small.textContent = hint; wrap.append(small); }
    return wrap;
  };
  function input(value, onChange, attributes = {}) {
    const element = document.createElement(attributes.multiline ? "textarea" : "input");
    element.value = value || "";
    for (const [k, v] of Object.entries(attributes)) if (k !== "multiline") element.setAttribute(k, v);
    element.addEventListener("change", () => onChange(element.value.trim()));
    return element;
  }
  // One of crmflow's properties (the engine's property table, engine/intake/properties.py), by its kind.
  function propertyField(element, bo, p) {
    const value = propertyOf(bo, p.name), save = (v) => setProperty(element, bo, p.name, v);
    if (p.kind === "form") return field(p.label, select(value, config.forms.map((f) => [f, f]), save), p.hint);
    const attributes = { group: { list: "crmflow-groups" }, duration: { pattern: "P.*", placeholder: "P2D" } };
    return field(p.label, input(value, save, attributes[p.kind] || {}), p.hint);
  }
  function select(value, options, onChange) {
    const element = document.createElement("select");
    for (const [key, label] of [["", "—"], ...options]) {
      const option = new Option(label, key, false, key === value);
      element.append(option);
    }
    element.addEventListener("change", () => onChange(element.value));
    return element;
  }
  const processElement = () => {
    const root = modeler.get("canvas").getRootElement();
    if (!root?.businessObject) return [root, null];
    const bo = root.businessObject.$type === "bpmn:Collaboration"
      ? root.businessObject.participants.find((p) => p.processRef?.id === config.processKey)?.processRef
      : root.businessObject;
    return [root, bo];
  };

  function render(element) {
    if (element?.labelTarget) element = element.labelTarget;  // a label stands for its flow or event
    selected = element;
    panel.textContent = "";
    const title = document.createElement("h3");
    panel.append(title);
    if (!element || ["bpmn:Process", "bpmn:Collaboration", "bpmn:Participant", "bpmn:Lane"]
      .includes(element.businessObject.$type)) {
      title.textContent = t("Process parameters");
      return renderParameters();
    }
    const bo = element.businessObject, type = bo.$type.replace("bpmn:", "");
    title.textContent = `${bo.name || bo.id} · ${type}`;
    panel.append(field(t("Name"), input(bo.name, (v) => {
      modeling.updateProperties(element, { name: v || undefined });
      readableId(element, v);
      render(element);
    })));
    panel.append(field(t("Id"), input(bo.id, (v) => renameId(element, v), { id: "element-id" }),
      t("shown in the history, the diff and the reports")));
    const where = type[0].toLowerCase() + type.slice(1);  // the element's local name, as the property table says
    const own = config.properties.filter((p) => p.where.includes(where));
    for (const p of own.filter((p) => p.kind === "text")) panel.append(propertyField(element, bo, p));
    if (["UserTask", "ManualTask", "Task"].includes(type)) {
      const lane = registry.filter((e) => e.type === "bpmn:Lane"
        && (e.businessObject.flowNodeRef || []).includes(bo))[0];
      panel.append(field(t("Lane"), input(lane?.businessObject.name || "", () => {}, { readonly: "readonly" }),
        t("drag the step into another lane to change it")));
    }
    for (const p of own.filter((p) => p.kind !== "text")) panel.append(propertyField(element, bo, p));
    if (type === "ServiceTask") {
      const operator = operatorOf(bo);
      panel.append(field(t("Service"), select(operator?.id || "", Object.keys(config.services).map((s) => [s, s]),
        (v) => { setOperator(element, bo, v); render(element); })));
      for (const parameter of operator?.parameters?.parameters || []) {
        panel.append(field(`${t("Parameter")} ${parameter.id}`, input(parameter.value,
          (v) => modeling.updateModdleProperties(element, parameter, { value: v }))));
      }
    }
    if (type === "SequenceFlow" && /Gateway$/.test(bo.sourceRef.$type)) {
      const isDefault = bo.sourceRef.default === bo;
      const verdict = document.createElement("output");
      const text = bo.conditionExpression?.body || "";
      const area = input(text, (v) => {
        modeling.updateProperties(element, {
          conditionExpression: v ? moddle.create("bpmn:FormalExpression", { body: v }) : undefined });
      }, { multiline: true, rows: 3, placeholder: isDefault ? t("default flow: taken when no condition holds") : "" });
      const where = { flow_id: bo.id, source_id: bo.sourceRef.id };
      area.addEventListener("input", () => checkCondition(area.value, verdict, where));
      panel.append(field(t("Condition"), area), verdict);
      if (text) checkCondition(text, verdict, where);
    }
    return undefined;
  }

  // -- readable ids: a new element named "Key account approval" becomes Task_KeyAccountApproval ------------------
  const GENERATED = /^(Activity|Event|Gateway|Flow|StartEvent|EndEvent|[A-Za-z]*Task|[A-Za-z]*Event)_[0-9a-z]{7}$/;
  function prefixOf(type) {
    if (type.endsWith("Gateway")) return "Gateway";
    if (type === "SequenceFlow") return "Flow";
    if (type === "StartEvent" || type === "EndEvent") return type;
    return type.endsWith("Event") ? "Event" : "Task";
  }
  function readableId(element, name) {
    const bo = element.businessObject;
    const words = (name || "").match(/[A-Za-z0-9]+/g);
    if (!words || !GENERATED.test(bo.id)) return;  // an id someone chose (or a Chinese-only name) stays
    const base = `${prefixOf(bo.$type.replace("bpmn:", ""))}_${words.map((w) => w[0].toUpperCase() + w.slice(1)).join("")}`;
    let id = base;
    for (let n = 2; registry.get(id); n++) id = `${base}_${n}`;
    modeling.updateProperties(element, { id });
  }
  function renameId(element, id) {
    if (id === element.businessObject.id) return;
    if (!/^[A-Za-z_][A-Za-z0-9_.-]{0,99}$/.test(id)) {
      say(t("an id starts with a letter and holds letters, digits, _ . - only"), "error");
    } else if (registry.get(id)) {
      say(`${id}: ${t("this id is taken")}`, "error");
    } else {
      modeling.updateProperties(element, { id });
    }
    render(element);
  }

  function renderParameters() {
    const [root, process] = processElement();
    if (!process) return;
    const holder = holderOf(process);
    const nameZh = (holder?.properties || []).find((p) => p.name === "nameZh");
    panel.append(field(t("Process name in Chinese"), input(nameZh?.value || "", (v) => setProperty(root, process,
      "nameZh", v.trim()))));
    for (const property of (holder?.properties || []).filter((p) => p.name !== "nameZh")) {
      const number = property.value !== "" && !Number.isNaN(Number(property.value));
      panel.append(field(property.name, input(property.value, (v) => {
        const cleaned = number ? v.replace(/[,，\s]/g, "") : v;
        if (number && Number.isNaN(Number(cleaned))) { say(`${property.name}: ${t("must be a number")}`, "error"); return; }
        modeling.updateModdleProperties(root, property, { value: cleaned });
      }, number ? { inputmode: "decimal" } : {}), number ? t("a number") : t("text")));
    }
    const name = input("", () => {}, { placeholder: t("new parameter name"), pattern: "[A-Za-z_][A-Za-z0-9_]*" });
    const value = input("", () => {}, { placeholder: t("value") });
    const add = document.createElement("button");
    add.type = "button";
    add.textContent = t("Add parameter");
    add.addEventListener("click", () => {
      if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name.value.trim())) { say(t("a parameter name is letters, digits and _"), "error"); return; }
      setProperty(root, process, name.value.trim(), value.value.trim().replace(/^(-?\d{1,3}([,，]\d{3})+)$/, (m) => m.replace(/[,，]/g, "")));
      render(null);
    });
    panel.append(name, value, add);
  }

  let pending = 0;
  async function checkCondition(text, output, where) {
    const mine = ++pending;
    await new Promise((resolve) => setTimeout(resolve, 250));
    if (mine !== pending) return;
    const answer = await call("POST", config.urls.condition, JSON.stringify({ condition: text, ...where }),
      "application/json");
    if (mine !== pending || !answer) return;
    output.className = answer.severity || "ok";
    output.textContent = answer.message || "✓ " + t("the engine can run this condition");
  }

  // -- lint problems on the elements they concern ---------------------------------------------------------
  function showProblems(validation) {
    overlays.remove({ type: "lint" });
    const problems = [...validation.errors, ...validation.warnings];
    for (const problem of problems) {
      if (!problem.element_id || !registry.get(problem.element_id)) continue;
      const badge = document.createElement("span");
      badge.className = "lint-badge " + (problem.severity === "error" ? "error" : "warning");
      badge.textContent = problem.severity === "error" ? "!" : "?";
      badge.title = problem.message;
      overlays.add(problem.element_id, "lint", { position: { top: -10, right: 10 }, html: badge });
    }
    const list = document.getElementById("modeler-problems");
    list.textContent = "";
    for (const problem of problems) {
      const item = document.createElement("li");
      item.className = problem.severity === "error" ? "error" : "";
      item.textContent = `${problem.element_id || ""} ${problem.message}`;
      if (problem.element_id && registry.get(problem.element_id)) {
        item.tabIndex = 0;
        item.addEventListener("click", () => modeler.get("selection").select(registry.get(problem.element_id)));
      }
      list.append(item);
    }
    say(validation.errors.length ? `${validation.errors.length} ${t("problems to fix before deploying")}`
      : "✓ " + t("No problems"), validation.errors.length ? "error" : "ok");
  }

  // -- talking to the server ------------------------------------------------------------------------------
  async function call(method, url, body, type, headers = {}) {
    const response = await fetch(url, { method, body, credentials: "same-origin", headers: {
      "Content-Type": type, Accept: "application/json", "X-CSRF-Token": config.csrf, ...headers } });
    const answer = await response.json().catch(() => null);
    if (!response.ok) {
      const error = answer?.error;
      say(`${response.status}: ${error?.message || t("the server refused the change")}`
        + (error?.details || []).map((d) => ` · ${d.element_id || d.field || ""} ${d.message || ""}`).join(""), "error");
      return null;
    }
    return answer;
  }

  async function save() {
    const { xml } = await modeler.saveXML({ format: true });
    say(t("Saving…"));
    const answer = await call("PUT", config.urls.bpmn, xml, "application/xml", { "If-Match": String(revision) });
    if (!answer) return;
    revision = answer.draft.revision;
    dirty = false;
    document.querySelectorAll("input[name=revision]").forEach((i) => { i.value = revision; });
    document.getElementById("modeler-revision").textContent = revision;
    showProblems(answer.validation);
    say(`${t("Saved")} (${t("Revision")} ${revision}) · ` + status.textContent, status.className.split(" ")[1]);
    await refreshSections();
  }

  // After a save, the page's validation, diff, outline and simulation form show what was saved, without a reload.
  async function refreshSections() {
    const response = await fetch(window.location.href, { credentials: "same-origin" });
    if (!response.ok) return;
    const page = new DOMParser().parseFromString(await response.text(), "text/html");
    for (const id of ["validation", "diff", "outline", "simulate"]) {
      const fresh = page.getElementById(id), here = document.getElementById(id);
      if (fresh && here) here.replaceWith(fresh);
    }
    hookSimulation();
  }

  // -- the simulation: answers from each step's form, the path drawn on the diagram in place ------------------
  let marked = [];
  function hookSimulation() {
    const form = document.querySelector("#simulate form");
    if (!form) return;
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      const response = await fetch(form.action + "?format=json", { method: "POST", body: new FormData(form),
        credentials: "same-origin", headers: { Accept: "application/json", "X-CSRF-Token": config.csrf } });
      const result = await response.json().catch(() => null);
      if (!response.ok || !result) {
        say(`${response.status}: ${result?.error?.message || t("the server refused the change")}`, "error");
        return;
      }
      showSimulation(result);
    });
  }

  function showSimulation(result) {
    const canvas = modeler.get("canvas");
    for (const [id, marker] of marked) if (registry.get(id)) canvas.removeMarker(id, marker);
    marked = [];
    const mark = (id, marker) => { if (registry.get(id)) { canvas.addMarker(id, marker); marked.push([id, marker]); } };
    result.path.forEach((step) => mark(step.element_id, "sim-path"));
    result.waiting_at.forEach((id) => mark(id, "sim-waiting"));
    let box = document.getElementById("simulation-result");
    if (!box) {
      box = document.createElement("div");
      box.id = "simulation-result";
      document.getElementById("simulate").append(box);
    }
    box.textContent = "";
    const line = (text, className) => {
      const p = document.createElement("p");
      p.textContent = text;
      if (className) p.className = className;
      box.append(p);
    };
    line(`${t("Status")}: ${t(result.status)}` + (result.waiting_at.length ? ` · ${t("Waits at")}: ${result.waiting_at.join(", ")}` : ""));
    if (result.asked?.length) line(`${t("Asks for a decision at")}: ${result.asked.join(", ")}`, "notice");
    if (result.incident) line(`${result.incident.element_id || ""}: ${result.incident.message}`, "error");
    if (result.invalid_answer) {
      line(`${result.invalid_answer.element_id}: ` + result.invalid_answer.fields.map((f) => `${f.field} ${f.message}`)
        .join("; "), "error");
    }
    const heading = document.createElement("h3");
    heading.textContent = t("Path taken");
    const path = document.createElement("ol");
    path.className = "path";
    for (const step of result.path) {
      const task = result.tasks.find((x) => x.element_id === step.element_id);
      const item = document.createElement("li");
      item.textContent = (step.name || step.element_id) + (task ? ` — ${task.assignee || task.candidate_group || ""}` : "");
      path.append(item);
    }
    box.append(heading, path);
  }
  hookSimulation();

  document.getElementById("modeler-save").addEventListener("click", save);
  document.addEventListener("keydown", (event) => {
    if ((event.ctrlKey || event.metaKey) && event.key === "s") { event.preventDefault(); save(); }
  });
  window.addEventListener("beforeunload", (event) => { if (dirty) event.preventDefault(); });
  modeler.on("commandStack.changed", () => { dirty = true; say(t("Unsaved changes")); if (selected !== undefined) render(selected); });
  modeler.on("selection.changed", ({ newSelection }) => render(newSelection[0] || null));

  (async () => {
    const response = await fetch(config.urls.bpmn, { credentials: "same-origin" });
    box.classList.add("ready");  // the canvas takes its size before the diagram is fitted into it
    await modeler.importXML(await response.text());
    modeler.get("canvas").zoom("fit-viewport");
    showProblems(config.validation);
    render(null);
    dirty = false;
  })().catch((error) => say(String(error), "error"));
})();
