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

  const ownText = (el) => norm(Array.from(el.childNodes)
    .filter((c) => c.nodeType === 3).map((c) => c.nodeValue).join(" "), maxName);

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
      return norm(el.getAttribute("placeholder") || el.title || nearbyLabel(el) || attrName(el), maxName);
    }
    if (tag === "IMG") return norm(el.getAttribute("alt") || el.title || "", maxName);
    if (tag === "FIELDSET") {
      const legend = el.querySelector(":scope > legend");
      return legend ? textOf(legend) : "";
    }
    if (tag === "IFRAME") return norm(el.title || el.name || "", maxName);
    if (role === "clickable" && el.querySelector("li, tr") && ownText(el)) return ownText(el); // a tree node
    if (LEAF.has(role)) return textOf(el) || norm(el.title || "", maxName) || iconName(el);
    return norm(el.title || "", maxName);
  }

  function iconName(el) { // a control without text: its image's alt, else its class ("trash")
    const img = el.querySelector("img[alt], svg[aria-label]");
    if (img) return norm(img.getAttribute("alt") || img.getAttribute("aria-label"), maxName);
    const words = (typeof el.className === "string" ? el.className : "").split(/\s+/)
      .filter((w) => /^[a-z][a-z-]{2,}$/i.test(w) && !/^(fa|icon|btn|ui|js|is|has)(-|$)/i.test(w));
    return words.length ? words[words.length - 1].replace(/-/g, " ") : "";
  }

  function nearbyLabel(el) { // a short text just before an unlabelled field ("Username")
    let prev = el.previousSibling;
    while (prev && prev.nodeType === 3 && !prev.nodeValue.trim()) prev = prev.previousSibling;
    if (!prev) return "";
    if (prev.nodeType === 1 && prev.querySelector("input, select, textarea, button")) return "";
    const t = norm(prev.textContent, maxName).replace(/[:*]\s*$/, "");
    return t.length <= 40 ? t : "";
  }

  function attrName(el) { // the field's name or id attribute, in words ("first_name" → "first name")
    const raw = el.getAttribute("name") || el.id || "";
    return /[a-z]{3}/i.test(raw) && raw.length <= 30 ? raw.replace(/[_\-]+/g, " ").replace(/([a-z])([A-Z])/g, "$1 $2").trim() : "";
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

  const CHECKABLE = new Set(["checkbox", "radio", "switch", "menuitemcheckbox", "menuitemradio"]);

  function statesOf(el, role) {
    const s = [];
    const aria = (n) => el.getAttribute(n);
    if (role === "heading") {
      const level = /^H(\d)$/.exec(el.tagName);
      s.push("level" + (level ? level[1] : aria("aria-level") || "2"));
    }
    if (el.checked === true || aria("aria-checked") === "true") s.push("checked");
    else if (CHECKABLE.has(role)) s.push("unchecked"); // said, so "tick it" reads as not done
    if (el.disabled === true || aria("aria-disabled") === "true") s.push("disabled");
    if (aria("aria-expanded") === "true") s.push("expanded");
    else if (aria("aria-expanded") === "false") s.push("collapsed");
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

  function wordsOf(el, kids) { // inline texts: innerText, or the parts spaced ("$9.99 $12.99")
    const inner = norm(el.innerText, maxText), joined = joinText(kids);
    const bare = (t) => t.replace(/\s+/g, "");
    if (!inner) return joined;
    // a price run into another ("$9.99$12.99", a sale price beside the old one)
    return bare(inner) === bare(joined) ? inner.replace(/(\d)([$€£¥])/g, "$1 $2") : inner;
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
    // An icon inside one (a trash can on a row) is a control of its own.
    const icon = !el.children.length && !el.textContent.trim();
    if (!role && pointer && (!parentPointer || icon) && !el.isContentEditable) role = "clickable";
    // A list item or row that shows a pointer of its own (a tree's nodes) is a control too.
    if (pointer && (role === "listitem" || role === "row") && (!parentPointer || ownText(el))) role = "clickable";
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
    const fold = foldable(el);
    if (fold && !unfolded.has(S.ids.get(el)) && kids.length) return [folded(el, fold, kids)];
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
    if (kids.length > 1 && allText(kids)) return [node(el, "text", wordsOf(el, kids))];
    if (kids.length > 1 && (ITEM_TAGS.has(el.tagName) || repeated(el))) return [node(el, null, "", { kids })];
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

  function activeElement() {
    let active = document.activeElement;
    while (active && active.shadowRoot && active.shadowRoot.activeElement) active = active.shadowRoot.activeElement;
    return active && active !== document.body ? active : null;
  }

  // --- the page made for acting ---------------------------------------------------------
  // Ids go only on elements one can act on; other text stays as lines without ids. The text
  // of a row, list item or repeated card travels on its controls' lines; footers and asides
  // fold into one line that more(id) opens; long lists show their first items.

  const ACTIONABLE = new Set(["clickable", "button", "link", "textbox", "searchbox", "checkbox",
    "radio", "combobox", "listbox", "option", "slider", "spinbutton", "switch", "menuitem",
    "menuitemcheckbox", "menuitemradio", "tab", "treeitem"]);
  const ITEM_TAGS = new Set(["TR", "LI", "ARTICLE", "DT", "DD"]);
  const LISTS = new Set(["list", "table", "grid", "tree", "menu", "listbox"]);
  const LIST_SHOWN = opts.listShown || 20;
  const ITEM_CONTROLS = 4;
  const CONTEXT_CHARS = 110;
  const unfolded = new Set(opts.unfolded || []);

  const canAct = (n) => ACTIONABLE.has(n.role) && !n.states.includes("disabled");
  const isElement = (n) => n.key && n.key.nodeType === 1;

  function repeated(el) { // one of several siblings alike in tag and class: a card
    const parent = el.parentElement;
    if (!parent || isOuter(el)) return false;
    if (typeof el.className !== "string" || !el.className.trim()) return false; // plain <div>s
    let alike = 0;
    for (const c of parent.children) {
      if (c.tagName === el.tagName && c.className === el.className && ++alike > 1) return true;
    }
    return false;
  }

  function controlsIn(n, out) { // the actionable nodes under ``n`` (not inside each other)
    for (const k of n.kids) {
      if (canAct(k)) out.push(k);
      else controlsIn(k, out);
    }
    return out;
  }

  function wordsIn(n, out) { // the text under ``n`` that is not inside a control
    for (const k of n.kids) {
      if (canAct(k)) continue;
      if (k.role === "heading" || !k.kids.length) { if (k.name) out.push(k.name); continue; }
      wordsIn(k, out);
    }
    return out;
  }

  function holdsItems(n) { // items inside: ``n`` is a list of them, not one
    return n.kids.some((k) => !canAct(k) && ((k.role === null || k.role === "row" || k.role === "listitem") &&
      controlsIn(k, []).length > 0 || holdsItems(k)));
  }

  function asItem(n) { // a row, list item or repeated card: its controls and its words
    if (!isElement(n) || !n.kids.length || ACTIONABLE.has(n.role)) return null;
    const el = n.key;
    const item = n.role === "row" || n.role === "listitem" || ITEM_TAGS.has(el.tagName) ||
      (n.role === null && repeated(el));
    if (!item || holdsItems(n)) return null;
    const controls = controlsIn(n, []);
    if (controls.length > ITEM_CONTROLS) return null;
    const words = wordsIn(n, []);
    if (!words.length || words.join(" · ").length > 400) return null;
    return { controls, words };
  }

  function foldable(el) { // a footer or aside of the page (not one of an article in it)
    const role = (el.getAttribute("role") || "").trim();
    if (el.tagName !== "FOOTER" && el.tagName !== "ASIDE" && role !== "contentinfo" && role !== "complementary") return null;
    const outer = !el.parentElement ||
      !el.parentElement.closest("article, section, main, dialog, [role=dialog], footer, aside, " +
        "[role=contentinfo], [role=complementary]");
    if (!outer) return null;
    return el.tagName === "FOOTER" || role === "contentinfo" ? "footer" : "aside";
  }

  function folded(el, what, kids) { // one line standing for a footer or an aside
    const tally = { controls: 0 };
    const countIn = (ns) => { for (const k of ns) { if (canAct(k)) tally.controls++; countIn(k.kids); } };
    countIn(kids);
    const words = norm(wordsIn({ kids }, []).join(" · "), 60);
    const name = `${what}: ${tally.controls} controls${words ? ": " + words : ""}`;
    return node(el, "folded", name, { fold: true });
  }

  const lines = [];
  const line = (n, extra) => lines.push(Object.assign({ n, context: "", options: [] }, extra || {}));

  function emitControl(n, context) {
    const options = n.key.tagName === "SELECT" ? n.kids.map((o) => o.name) : [];
    line(n, { act: true, context: norm(context, CONTEXT_CHARS), options });
    // a control's own controls (a custom listbox's options, a menu's items)
    if (!options.length) for (const k of controlsIn(n, [])) emitControl(k, "");
  }

  function emitItem(item) {
    const { controls, words } = item;
    if (!controls.length) {
      line(node(null, "text", norm(words.join(" · "), maxText)));
      return;
    }
    controls.forEach((c, i) => {
      const others = i > 0 && controls[0].name ? [controls[0].name] : [];
      emitControl(c, [...others, ...words.filter((w) => w !== c.name)].join(" · "));
    });
  }

  function emit(nodes) {
    for (const n of nodes) {
      if (n.fold) { line(n, { act: true }); continue; }
      if (canAct(n)) { emitControl(n, ""); continue; }
      const item = asItem(n);
      if (item) { emitItem(item); continue; }
      if (n.role === "heading") {
        const inner = controlsIn(n, []);
        if (inner.length) inner.forEach((c) => emitControl(c, ""));
        else if (n.name) line(n);
        continue;
      }
      if (!n.kids.length || ACTIONABLE.has(n.role)) { if (/[\p{L}\p{N}]/u.test(n.name)) line(n); continue; }
      if (n.name && n.role && !FOLD.has(n.role) && n.key !== modal) line(n); // a named group or form
      const kids = n.kids;
      if (LISTS.has(n.role) && isElement(n) && !unfolded.has(S.ids.get(n.key))) {
        const items = kids.filter((k) => canAct(k) || asItem(k));
        if (items.length > LIST_SHOWN + 5) {
          const hidden = new Set(items.slice(LIST_SHOWN));
          emit(kids.filter((k) => !hidden.has(k)));
          line(node(n.key, "folded", `${hidden.size} more items of this list`), { act: true });
          continue;
        }
      }
      emit(kids);
    }
  }

  const modal = findModal();
  const roots = visit(modal || document.body || document.documentElement, false);
  emit(roots);

  // Ids: an element keeps its id while it stays in the document; a new document's element
  // takes the id its role, name and row had before (``opts.known``), else the next one.
  for (const [id, n] of S.byId) if (!n.isConnected) S.byId.delete(id);
  S.listed = new Set();
  const known = opts.known || {};
  let next = Math.max(opts.next || 1, S.next);
  const assigned = {};
  const taken = new Set();
  const elements = [];
  const marks = [];
  const seen = new Map();
  for (const l of lines) {
    const it = l.n;
    let id = "";
    if (l.act) {
      let sig = `${it.role}|${it.name}|${l.context.slice(0, 40)}`;
      const k = (seen.get(sig) || 0) + 1;
      seen.set(sig, k);
      if (k > 1) sig += `#${k}`;
      id = S.ids.get(it.key);
      if (id === undefined || taken.has(id)) {
        id = known[sig];
        if (id === undefined || taken.has(id) || (S.byId.has(id) && S.byId.get(id) !== it.key)) id = String(next++);
        S.ids.set(it.key, id);
      }
      taken.add(id);
      assigned[sig] = id;
      S.byId.set(id, it.key);
      S.listed.add(id);
      if (opts.marks && it.key.nodeType === 1) {
        const r = it.key.getBoundingClientRect();
        if (r.width > 0 && r.height > 0 && r.bottom > 0 && r.right > 0 &&
            r.top < innerHeight && r.left < innerWidth) {
          marks.push([id, r.left, r.top, r.width, r.height]);
        }
      }
    }
    const states = it.states.slice();
    if (it.key && it.key === activeElement() && l.act) states.push("focused");
    elements.push([id, it.role, it.name, it.value, 0, states, it.risk, l.context, l.options]);
  }
  S.next = next;

  // One string crosses the wire much faster than Playwright's per-value serialization.
  return JSON.stringify({
    url: location.href, title: document.title, elements, marks, assigned, next,
    modal: modal ? describe(modal) : null,
  });
}
