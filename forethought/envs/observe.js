// Forethought's page reader: one pass over the DOM that returns a compact accessibility
// tree with stable ids. Ids live in a WeakMap on the window (the DOM is never modified),
// so an element keeps its id for as long as it stays in the document.
//
// When a modal is open (a modal <dialog>, a visible aria-modal element, or an overlay that
// covers the viewport and catches the clicks), only the topmost modal's subtree is listed.
// With ``opts.target`` (an element) it reads no tree: it says instead whether an action on
// that element would reach it, or what covers it.
(opts) => {
  const KEY = "__forethought_state__";
  let S = window[KEY];
  if (!S) {
    S = { ids: new WeakMap(), byId: new Map(), next: 1 };
    Object.defineProperty(window, KEY, { value: S, enumerable: false });
  }
  const irreversible = new RegExp(opts.irreversible, "i");
  const stateChanging = new RegExp(opts.stateChanging, "i");
  const maxName = opts.maxName || 120;
  const maxText = opts.maxText || 300;

  const SKIP = new Set(["SCRIPT", "STYLE", "NOSCRIPT", "TEMPLATE", "HEAD", "META", "LINK",
    "BR", "HR", "CANVAS", "PATH", "AUDIO", "SOURCE", "TRACK", "WBR", "OBJECT", "EMBED"]);
  const LEAF = new Set(["clickable", "button", "link", "heading", "textbox", "searchbox", "checkbox", "radio",
    "combobox", "listbox", "img", "option", "slider", "spinbutton", "switch", "menuitem",
    "menuitemcheckbox", "menuitemradio", "tab", "progressbar", "treeitem", "iframe"]);
  const CONTAINER = new Set(["list", "listitem", "table", "row", "cell", "columnheader",
    "rowheader", "gridcell", "grid", "form", "dialog", "alertdialog", "navigation", "main",
    "group", "menu", "menubar", "tablist", "tabpanel", "radiogroup", "alert", "status",
    "search", "tree", "region"]);
  const FOLD = new Set(["listitem", "cell", "columnheader", "rowheader", "gridcell", "alert",
    "status", "group", "tabpanel"]);
  const ACTIVATABLE = new Set(["clickable", "button", "link", "menuitem", "tab", "option", "switch"]);
  const RISK_RANK = { safe: 0, state_changing: 1, irreversible: 2 };
  const INPUT_ROLES = { button: "button", submit: "button", reset: "button", image: "button",
    checkbox: "checkbox", radio: "radio", range: "slider", number: "spinbutton",
    search: "searchbox", file: "button", color: "button" };
  const TAG_ROLES = { BUTTON: "button", SUMMARY: "button", TEXTAREA: "textbox", OPTION: "option",
    UL: "list", OL: "list", MENU: "list", LI: "listitem", TABLE: "table", TR: "row", TD: "cell",
    TH: "columnheader", FORM: "form", DIALOG: "dialog", NAV: "navigation", MAIN: "main",
    FIELDSET: "group", PROGRESS: "progressbar", IFRAME: "iframe", SEARCH: "search",
    H1: "heading", H2: "heading", H3: "heading", H4: "heading", H5: "heading", H6: "heading" };

  const norm = (t, max) => {
    t = (t || "").replace(/\s+/g, " ").trim();
    return t.length > max ? t.slice(0, max - 1) + "…" : t;
  };

  function roleOf(el) {
    const explicit = (el.getAttribute("role") || "").trim().split(/\s+/)[0];
    if (explicit === "presentation" || explicit === "none") return null;
    if (explicit && (LEAF.has(explicit) || CONTAINER.has(explicit))) return explicit;
    const tag = el.tagName;
    if (tag === "A") return el.hasAttribute("href") ? "link" : null;
    if (tag === "INPUT") {
      const type = (el.getAttribute("type") || "text").toLowerCase();
      if (type === "hidden") return "hidden";
      return INPUT_ROLES[type] || "textbox";
    }
    if (tag === "SELECT") return el.multiple || el.size > 1 ? "listbox" : "combobox";
    if (tag === "IMG") return (el.getAttribute("alt") || el.getAttribute("title")) ? "img" : "hidden";
    if (el.isContentEditable && (!el.parentElement || !el.parentElement.isContentEditable)) return "textbox";
    return TAG_ROLES[tag] || null;
  }

  function textOf(node) {
    return norm(node.textContent, maxName);
  }

  function nameOf(el, role) {
    const by = el.getAttribute("aria-labelledby");
    if (by) {
      const t = by.split(/\s+/).map((id) => document.getElementById(id))
        .filter(Boolean).map((n) => n.textContent).join(" ");
      if (norm(t, maxName)) return norm(t, maxName);
    }
    const aria = el.getAttribute("aria-label");
    if (aria && aria.trim()) return norm(aria, maxName);
    const tag = el.tagName;
    if (tag === "INPUT" || tag === "SELECT" || tag === "TEXTAREA") {
      const type = (el.getAttribute("type") || "").toLowerCase();
      if (tag === "INPUT" && ["submit", "button", "reset"].includes(type)) {
        return norm(el.value || (type === "submit" ? "Submit" : type === "reset" ? "Reset" : ""), maxName);
      }
      if (tag === "INPUT" && type === "image") return norm(el.alt || el.title || "Submit", maxName);
      if (el.labels && el.labels.length) {
        const t = Array.from(el.labels).map((l) => l.textContent).join(" ");
        if (norm(t, maxName)) return norm(t, maxName);
      }
      return norm(el.getAttribute("placeholder") || el.title || "", maxName);
    }
    if (tag === "IMG") return norm(el.getAttribute("alt") || el.title || "", maxName);
    if (tag === "FIELDSET") {
      const legend = el.querySelector(":scope > legend");
      return legend ? textOf(legend) : "";
    }
    if (tag === "IFRAME") return norm(el.title || el.name || "", maxName);
    if (LEAF.has(role)) return textOf(el) || norm(el.title || "", maxName);
    return norm(el.title || "", maxName);
  }

  function valueOf(el, role) {
    const tag = el.tagName;
    if (tag === "SELECT") {
      const picked = Array.from(el.selectedOptions || []).map((o) => norm(o.textContent, maxName));
      return picked.join(", ");
    }
    if (tag === "INPUT" || tag === "TEXTAREA") {
      if (["checkbox", "radio", "button", "submit", "reset", "image", "file"].includes(el.type)) return null;
      if (el.type === "password") return el.value ? "•".repeat(Math.min(el.value.length, 8)) : "";
      return norm(el.value, maxText);
    }
    if (role === "textbox" && el.isContentEditable) return norm(el.textContent, maxText);
    if (role === "slider" || role === "spinbutton" || role === "progressbar") {
      return el.getAttribute("aria-valuenow") || (el.value !== undefined ? String(el.value) : null);
    }
    return null;
  }

  function statesOf(el, role) {
    const s = [];
    const aria = (n) => el.getAttribute(n);
    if (role === "heading") {
      const level = /^H(\d)$/.exec(el.tagName);
      s.push("level" + (level ? level[1] : aria("aria-level") || "2"));
    }
    if (el.checked === true || aria("aria-checked") === "true") s.push("checked");
    if (el.disabled === true || aria("aria-disabled") === "true") s.push("disabled");
    if (aria("aria-expanded") === "true") s.push("expanded");
    if (el.selected === true || aria("aria-selected") === "true") s.push("selected");
    if (el.required === true || aria("aria-required") === "true") s.push("required");
    if (el.readOnly === true && (el.tagName === "INPUT" || el.tagName === "TEXTAREA")) s.push("readonly");
    return s;
  }

  function maxRisk(a, b) {
    if (!a) return b;
    if (!b) return a;
    return RISK_RANK[a] >= RISK_RANK[b] ? a : b;
  }

  function nameRisk(role, name) {
    if (!ACTIVATABLE.has(role) || !name) return null;
    if (irreversible.test(name)) return role === "link" ? "state_changing" : "irreversible";
    if (stateChanging.test(name)) return role === "link" ? null : "state_changing";
    return null;
  }

  function submitterRisk(form) {
    // What submitting ``form`` risks: state_changing for POST, worse if its submit says so.
    if (!form) return null;
    const explicit = form.getAttribute("data-risk");
    if (explicit) return explicit;
    const method = (form.getAttribute("method") || "get").toLowerCase();
    if (method !== "post" && method !== "dialog" && !form.hasAttribute("data-post")) return null;
    let risk = "state_changing";
    const sub = form.querySelector("button:not([type]), button[type=submit], input[type=submit], input[type=image]");
    if (sub) {
      const r = sub.getAttribute("data-risk");
      risk = r || maxRisk(risk, nameRisk("button", nameOf(sub, "button")));
    }
    return risk;
  }

  // Form fields: Enter in any of them submits the form (implicit submission, or the
  // page's own key handler), so each carries its form's submit risk. A click on a field
  // is safe all the same: the grammar's ``assign_risk`` keeps this risk for Enter.
  const NOT_FIELDS = new Set(["hidden", "submit", "image", "button", "reset", "file", "color"]);
  function isField(el) {
    if (el.tagName === "SELECT" || el.tagName === "TEXTAREA") return true;
    return el.tagName === "INPUT" && !NOT_FIELDS.has((el.getAttribute("type") || "text").toLowerCase());
  }

  function riskOf(el, role, name) {
    const own = el.getAttribute("data-risk");
    if (own) return own;
    if (ACTIVATABLE.has(role)) {
      const holder = el.parentElement && el.parentElement.closest("[data-risk]:not(form)");
      if (holder) return holder.getAttribute("data-risk");
    }
    if (el.form && isField(el)) return submitterRisk(el.form);
    const tag = el.tagName;
    const type = (el.getAttribute("type") || "").toLowerCase();
    const isSubmit = (tag === "BUTTON" && (type === "" || type === "submit")) ||
      (tag === "INPUT" && (type === "submit" || type === "image"));
    if (isSubmit && el.form) {
      const method = (el.getAttribute("formmethod") || el.form.getAttribute("method") || "get").toLowerCase();
      const formRisk = el.form.getAttribute("data-risk") ||
        (method === "post" ? "state_changing" : null);
      return maxRisk(formRisk, nameRisk(role, name));
    }
    return nameRisk(role, name);
  }

  function hidden(el, style) {
    if (el.hidden || el.getAttribute("aria-hidden") === "true") return true;
    if (style.display === "none") return true;
    if (style.visibility === "hidden" || style.visibility === "collapse") return true;
    if (style.display === "contents") return false;
    const rects = el.getClientRects();
    if (rects.length === 0) return true;
    const r = el.getBoundingClientRect();
    if (r.right + window.scrollX < 0 || r.bottom + window.scrollY < 0) return true;
    if (r.width <= 1 && r.height <= 1 && (style.overflow === "hidden" || !el.firstElementChild)) return true;
    if (style.opacity === "0" && !el.firstElementChild && !roleOf(el)) return true;
    return false;
  }

  function node(key, role, name, extra) {
    return Object.assign({ key, role, name, value: null, states: [], risk: null, kids: [] }, extra || {});
  }

  function childNodesOf(el) {
    const out = [];
    if (el.shadowRoot) out.push(...el.shadowRoot.childNodes);
    if (el.tagName === "SLOT") out.push(...el.assignedNodes());
    out.push(...el.childNodes);
    return out;
  }

  function visitChildren(el, pointer) {
    const out = [];
    for (const child of childNodesOf(el)) out.push(...visit(child, pointer));
    return out;
  }

  const allText = (kids) => kids.length > 0 && kids.every((k) => k.role === "text");
  const joinText = (kids) => norm(kids.map((k) => k.name).join(" "), maxText);

  function visit(n, parentPointer) {
    if (n.nodeType === 3) {
      const t = norm(n.nodeValue, maxText);
      return t ? [node(n, "text", t)] : [];
    }
    if (n.nodeType !== 1 || SKIP.has(n.tagName.toUpperCase())) return [];
    const el = n;
    if (el.tagName === "svg" || el.tagName === "SVG") {
      const label = el.getAttribute("aria-label");
      return label ? [node(el, "img", norm(label, maxName))] : [];
    }
    const style = getComputedStyle(el);
    if (hidden(el, style)) return [];
    const pointer = style.cursor === "pointer";
    let role = roleOf(el);
    if (role === "hidden") return [];
    // Script-only controls (a <span> with a click handler) usually show a pointer cursor.
    if (!role && pointer && !parentPointer && !el.isContentEditable) role = "clickable";
    if (role && LEAF.has(role)) {
      const name = nameOf(el, role);
      const item = node(el, role, name, {
        value: valueOf(el, role), states: statesOf(el, role), risk: riskOf(el, role, name),
      });
      if (el.tagName === "SELECT") {
        for (const opt of el.options) {
          item.kids.push(node(opt, "option", norm(opt.textContent, maxName),
            { states: opt.selected ? ["selected"] : [] }));
        }
      } else if (role !== "iframe" && role !== "img" && el.firstElementChild) {
        item.kids = visitChildren(el, pointer).filter((k) => k.role !== "text");
      }
      return [item];
    }
    const kids = visitChildren(el, pointer);
    if (role && CONTAINER.has(role)) {
      let name = nameOf(el, role);
      const extra = { states: statesOf(el, role), risk: role === "form" ? null : el.getAttribute("data-risk") };
      if (FOLD.has(role) && allText(kids)) {
        if (!name) name = joinText(kids);
        return [node(el, role, name, extra)];
      }
      if (kids.length === 0 && !name) return [];
      return [node(el, role, name, Object.assign(extra, { kids }))];
    }
    if (el.tagName === "LABEL" && el.control && el.control.getClientRects().length > 0) {
      return kids.filter((k) => k.role !== "text"); // the text already names its control
    }
    if (kids.length > 1 && allText(kids)) return [node(el, "text", norm(el.innerText, maxText) || joinText(kids))];
    return kids;
  }

  // --- modals and what covers what ------------------------------------------------------

  const parentOf = (n) => n.parentElement || (n.parentNode && n.parentNode.host) || null;
  function within(n, root) { // ``n`` is ``root`` or inside it, across shadow roots
    for (let x = n; x; x = parentOf(x)) if (x === root) return true;
    return false;
  }
  function hitAt(x, y) { // the element a click at (x, y) reaches, inside open shadow roots too
    let hit = document.elementFromPoint(x, y);
    while (hit && hit.shadowRoot) {
      const inner = hit.shadowRoot.elementFromPoint(x, y);
      if (!inner || inner === hit) break;
      hit = inner;
    }
    return hit;
  }
  function centre(r) { // the centre of the part of rect ``r`` inside the viewport, if any
    const left = Math.max(r.left, 0), right = Math.min(r.right, innerWidth);
    const top = Math.max(r.top, 0), bottom = Math.min(r.bottom, innerHeight);
    return right - left >= 1 && bottom - top >= 1 ? [(left + right) / 2, (top + bottom) / 2] : null;
  }
  function viewArea(r) {
    const w = Math.min(r.right, innerWidth) - Math.max(r.left, 0);
    const h = Math.min(r.bottom, innerHeight) - Math.max(r.top, 0);
    return w > 0 && h > 0 ? w * h : 0;
  }
  const isOuter = (el) => el === document.body || el === document.documentElement;
  const positioned = (el) => ["fixed", "absolute", "sticky"].includes(getComputedStyle(el).position);
  function layer(el) {
    // Positioned against the viewport or the document (not inside a positioned block of the
    // page, like a hero image's caption): what an overlay is.
    const position = getComputedStyle(el).position;
    if (position === "fixed") return true;
    if (position !== "absolute" && position !== "sticky") return false;
    const anchor = el.offsetParent;
    return !anchor || isOuter(anchor) || getComputedStyle(anchor).position === "fixed";
  }
  const covers = (el) => viewArea(el.getBoundingClientRect()) >= 0.75 * innerWidth * innerHeight;
  function shown(el) {
    if (el.closest("[inert], [aria-hidden=true]")) return false;
    if (el.checkVisibility && !el.checkVisibility({ visibilityProperty: true })) return false;
    return viewArea(el.getBoundingClientRect()) > 0;
  }
  function isContent(el) { // would the page's tree list something for ``el`` itself
    const role = roleOf(el);
    if (role && LEAF.has(role)) return true;
    for (const c of el.childNodes) if (c.nodeType === 3 && c.nodeValue.trim()) return true;
    return false;
  }
  function hidesContent(cover, points) { // some text or control of the page lies under ``cover``
    for (const [x, y] of points) {
      for (const el of document.elementsFromPoint(x, y)) {
        if (!within(el, cover) && !within(cover, el) && isContent(el)) return true;
      }
    }
    return false;
  }

  function topmost(candidates) {
    // The candidate a click at its own centre reaches; an inner one before its container.
    let best = null;
    for (const c of candidates) {
      const p = centre(c.getBoundingClientRect());
      const hit = p && hitAt(p[0], p[1]);
      if (hit && within(hit, c) && (!best || !within(best, c))) best = c;
    }
    return best || candidates[candidates.length - 1];
  }

  function overlay() {
    // An element that catches clicks all over the viewport, above the page's content.
    const points = [];
    for (const fy of [0.15, 0.5, 0.85]) for (const fx of [0.1, 0.5, 0.9]) points.push([fx * innerWidth, fy * innerHeight]);
    const hits = points.map(([x, y]) => hitAt(x, y));
    if (hits.some((h) => !h)) return null;
    const big = (el) => layer(el) && covers(el);
    // One layer holds every hit (a full-viewport wrapper around its box): the outermost
    // such layer that has page content under it (an app shell has none).
    const holders = [];
    for (let el = hits[4]; el && !isOuter(el); el = parentOf(el)) {
      if (big(el) && hits.every((h) => within(h, el))) holders.push(el);
    }
    const empty = (el) => !(el.innerText || "").trim();
    for (const el of holders.reverse()) if (!empty(el) && hidesContent(el, points)) return el;
    // An empty backdrop under most points, with the box drawn over it elsewhere.
    const tally = new Map();
    for (const h of hits) tally.set(h, (tally.get(h) || 0) + 1);
    for (const [backdrop, n] of tally) {
      if (n < 5 || isOuter(backdrop) || !big(backdrop) || !empty(backdrop)) continue;
      if (!hidesContent(backdrop, points)) continue;
      const outside = [hits[4], ...hits].filter((h) => !within(h, backdrop));
      for (const h of outside) {
        let box = null;
        for (let el = h; el && !isOuter(el) && !within(backdrop, el); el = parentOf(el)) {
          if (positioned(el)) box = el;
        }
        if (box) return box;
      }
      const siblings = backdrop.parentElement ? Array.from(backdrop.parentElement.children) : [];
      for (const el of siblings.reverse()) {
        if (el === backdrop || !positioned(el) || !shown(el)) continue;
        const p = centre(el.getBoundingClientRect());
        if (p && within(hitAt(p[0], p[1]), el)) return el;
      }
      return backdrop;
    }
    return null;
  }

  function findModal() {
    // The topmost open modal: a modal <dialog>, a shown aria-modal element, or an overlay.
    const candidates = [];
    for (const d of document.querySelectorAll("dialog[open]")) {
      let modal = false;
      try { modal = d.matches(":modal"); } catch (e) { modal = false; }
      if (modal) candidates.push(d);
    }
    for (const el of document.querySelectorAll("[aria-modal=true]")) {
      if (!candidates.includes(el) && shown(el)) candidates.push(el);
    }
    return candidates.length ? topmost(candidates) : overlay();
  }

  function describe(el) { // role, name and listed id of a modal or of what covers a target
    let role = roleOf(el);
    if (role !== "dialog" && role !== "alertdialog") { // an overlay around a dialog: the dialog
      const inner = el.querySelector("dialog[open], [role=dialog], [role=alertdialog]");
      if (inner && shown(inner)) return describe(inner);
    }
    if (!role || role === "hidden" || role === "clickable") {
      role = el.getAttribute("aria-modal") === "true" ? "dialog" : positioned(el) ? "overlay" : el.tagName.toLowerCase();
    }
    let name = nameOf(el, role);
    if (!name) {
      const heading = el.querySelector("h1, h2, h3, h4, h5, h6, [role=heading]");
      name = heading ? norm(heading.textContent, maxName) : norm(el.innerText, 60);
    }
    const id = S.ids.get(el);
    return { role, name, id: id !== undefined && S.listed && S.listed.has(id) ? id : null };
  }

  function probe(target, kind) {
    // Would ``kind`` on ``target`` reach it? {} if so (or if Playwright should judge),
    // {label: true} if through its label, {hidden: true}, or {cover: what covers it}.
    let el = target && target.nodeType !== 1 ? target.parentElement : target;
    if (!el || !el.isConnected || getComputedStyle(el).display === "contents") return {};
    const list = el.tagName === "SELECT" ? null : el.closest("select");
    if (list) el = list; // an option: only its list's place on the page is checked
    const pointer = !list && (kind === "click" || kind === "hover");
    if (pointer || kind === "fill") {
      const gone = el.getClientRects().length === 0 ||
        (el.checkVisibility && !el.checkVisibility({ visibilityProperty: true }));
      if (gone) return { hidden: true };
    }
    const modal = findModal();
    if (modal && !within(el, modal)) return { cover: describe(modal) };
    if (!pointer) return {};
    // Where a click lands: the centre of the element's first box in view (a link that wraps
    // has a box per line, and the middle of their bounding box may be another element).
    const point = () => {
      for (const r of el.getClientRects()) { const p = centre(r); if (p) return p; }
      return null;
    };
    let hit = null;
    for (let round = 0; round < 2; round++) {
      let p = point();
      if (!p || round === 1) { // out of view, or under a sticky bar: centre it and look again
        el.scrollIntoView({ block: "center", inline: "center", behavior: "instant" });
        p = point();
      }
      if (!p) return {};
      hit = hitAt(p[0], p[1]);
      if (!hit || within(hit, el) || within(el, hit)) return {};
      const label = hit.closest("label");
      // A styled box in its own label over a control: a click there reaches the control.
      if (label && (label.control === el || within(el, label))) return { label: true };
      if (el.labels && Array.from(el.labels).some((l) => within(hit, l))) return { label: true };
    }
    let cover = hit;
    if (modal && within(hit, modal)) cover = modal;
    else {
      for (let x = hit; x && !isOuter(x) && !within(el, x); x = parentOf(x)) if (positioned(x)) cover = x;
    }
    return { cover: describe(cover) };
  }

  if (opts.target) return JSON.stringify(probe(opts.target, opts.kind));

  const modal = findModal();
  const roots = visit(modal || document.body || document.documentElement, false);
  // Ids resolve while their node stays in the document, listed now or not (an id read
  // before a modal opened still names its element, so an action on it can say what covers
  // it); ``S.listed`` holds this observation's ids.
  for (const [id, n] of S.byId) if (!n.isConnected) S.byId.delete(id);
  S.listed = new Set();
  const elements = [];
  const marks = [];
  function flatten(items, depth) {
    for (const it of items) {
      let id = S.ids.get(it.key);
      if (id === undefined) {
        id = String(S.next++);
        S.ids.set(it.key, id);
      }
      S.byId.set(id, it.key);
      S.listed.add(id);
      elements.push([id, it.role, it.name, it.value, depth, it.states, it.risk]);
      if (opts.marks && it.role !== "text" && it.key.nodeType === 1) {
        const r = it.key.getBoundingClientRect();
        if (r.width > 0 && r.height > 0 && r.bottom > 0 && r.right > 0 &&
            r.top < innerHeight && r.left < innerWidth) {
          marks.push([id, r.left, r.top, r.width, r.height]);
        }
      }
      flatten(it.kids, depth + 1);
    }
  }
  flatten(roots, 0);

  let active = document.activeElement;
  while (active && active.shadowRoot && active.shadowRoot.activeElement) active = active.shadowRoot.activeElement;
  const fid = active && active !== document.body ? S.ids.get(active) : undefined;
  const focused = fid !== undefined && S.listed.has(fid) && S.byId.get(fid) === active ? fid : null;
  // One string crosses the wire much faster than Playwright's per-value serialization.
  return JSON.stringify({
    url: location.href, title: document.title, elements, focused, marks,
    modal: modal ? describe(modal) : null,
  });
}
