// The controls on the page that the latest observation lost: every visible, enabled control
// (a link, button, field, summary, editable, ARIA widget or [onclick] element) such that
// neither it, nor a listed element inside it, nor a listed label/link/button around it
// (or the label/link/button it shares with a listed element) has an id. Not expected:
// controls whose nearest listed ancestor is a folded line's element (a footer, an aside,
// a list's items past the fold) and, while a modal is open, those outside it. ``null``
// when a modal is open that this script cannot find (an overlay).
// Called with [ids of the folded lines, whether the observation says a modal is open].
([folded, modalOpen]) => {
  const S = window.__forethought_state__;
  if (!S || !S.listed) return ["(no __forethought_state__.listed on the page)"];
  const ROLES = ["button", "link", "checkbox", "radio", "tab", "menuitem", "option", "switch",
    "combobox", "textbox", "searchbox"];
  const CONTROL = "a[href], button, input:not([type=hidden]), select, textarea, summary, " +
    "[contenteditable]:not([contenteditable=false]), [onclick], " +
    ROLES.map((r) => `[role=${r}]`).join(", ");
  const UNIT = "a[href], button, label, summary, [role=button], [role=link]";
  const parentOf = (n) => n.parentElement || (n.parentNode && n.parentNode.host) || null;
  const within = (n, root) => {
    for (let x = n; x; x = parentOf(x)) if (x === root) return true;
    return false;
  };

  const listed = new Set();
  for (const id of S.listed) {
    const n = S.byId.get(id);
    if (n && n.nodeType === 1) listed.add(n);
  }
  const foldedEls = new Set(folded.map((id) => S.byId.get(id)).filter(Boolean));
  const holdsListed = new Set(); // every ancestor of a listed element
  for (const n of listed) {
    for (let a = parentOf(n); a && !holdsListed.has(a); a = parentOf(a)) holdsListed.add(a);
  }

  let root = null;
  if (modalOpen) {
    const open = [...document.querySelectorAll("dialog[open]")].filter((d) => d.matches(":modal"));
    for (const d of document.querySelectorAll("[aria-modal=true]")) {
      if (d.checkVisibility()) open.push(d);
    }
    if (!open.length) return null;
    root = open[open.length - 1];
  }

  const all = [];
  const collect = (scope) => {
    for (const el of scope.querySelectorAll("*")) {
      all.push(el);
      if (el.shadowRoot) collect(el.shadowRoot);
    }
  };
  collect(document);
  const visible = (el) => {
    if (el.closest("[inert], [aria-hidden=true]")) return false;
    if (!el.checkVisibility({ opacityProperty: true, visibilityProperty: true })) return false;
    const r = el.getBoundingClientRect();
    return r.width > 1 && r.height > 1 && r.right + scrollX >= 0 && r.bottom + scrollY >= 0;
  };

  const lost = [];
  for (const el of all) {
    if (!el.matches(CONTROL) || listed.has(el) || holdsListed.has(el)) continue;
    if (el.matches(":disabled") || el.getAttribute("aria-disabled") === "true") continue;
    if (el.tagName !== "SELECT" && el.closest("select")) continue; // options: on its line
    if (el.parentElement && el.parentElement.isContentEditable) continue; // inside an editor
    if (root && !within(el, root)) continue;
    if (!visible(el)) continue;
    const above = []; // its listed ancestors, nearest first
    for (let a = parentOf(el); a; a = parentOf(a)) if (listed.has(a)) above.push(a);
    if (above.length && foldedEls.has(above[0])) continue; // folded away, on purpose
    if (above.some((a) => a.matches(UNIT))) continue; // inside a listed label/link/button
    const unit = parentOf(el) && parentOf(el).closest(UNIT);
    if (unit && holdsListed.has(unit)) continue; // in a label/link/button with a listed one
    lost.push(el.outerHTML.slice(0, 120));
  }
  return lost;
}
