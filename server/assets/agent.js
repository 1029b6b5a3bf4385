// Evolvy agent console. Talks to the agent API with the token the page was served with, stays
// live through /api/v1/stream/events. Everything from the API is written with textContent only.
"use strict";

const TOKEN = document.querySelector('meta[name="evolvy-agent-token"]').content;
const API = "/api/v1/accounts/1";
const $ = (id) => document.getElementById(id);

const state = {
  agents: [],
  conversations: [],
  selected: null, // conversation id
  editing: null, // {id, draft}
  visitorTyping: new Map(), // conversation id → timeout
  dirty: new Set(), // ids of action fields changed by the agent and not saved yet
};

// ---------------------------------------------------------------------------------------------
// Helpers

function el(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined && text !== null) node.textContent = String(text);
  return node;
}

async function api(method, path, body) {
  const init = { method, headers: { api_access_token: TOKEN } };
  if (body !== undefined) {
    init.headers["Content-Type"] = "application/json";
    init.body = JSON.stringify(body);
  }
  const r = await fetch(API + path, init);
  const data = await r.json().catch(() => null);
  if (!r.ok) {
    const msg = data && data.error ? data.error : r.status + " " + r.statusText;
    throw new Error(data && data.path ? data.path + ": " + msg : msg);
  }
  return data;
}

function when(unixSeconds) {
  if (!unixSeconds) return "";
  return new Date(unixSeconds * 1000).toLocaleString(undefined, { hour12: false });
}

function setStatus(text, cls) {
  $("status").textContent = text;
  $("status").className = "status " + (cls || "");
}

function showError(id, e) {
  $(id).textContent = e ? e.message || String(e) : "";
}

/** Sets a form control's value unless the agent is editing it or has unsaved changes in it. */
function setValue(input, value) {
  if (document.activeElement !== input && !state.dirty.has(input.id)) input.value = value;
}

function current() {
  return state.conversations.find((c) => c.id === state.selected) || null;
}

function me() {
  return Number($("me").value) || undefined;
}

// ---------------------------------------------------------------------------------------------
// Loading and live updates

async function load() {
  const data = await api("GET", "/conversations");
  state.conversations = data.data.payload;
  render();
}

let reloadTimer = null;
function scheduleReload() {
  clearTimeout(reloadTimer);
  reloadTimer = setTimeout(() => load().catch((e) => setStatus("could not load: " + e.message, "down")), 150);
}

function conversationOf(name, payload) {
  if (name.startsWith("message_") || name.startsWith("conversation_typing")) return payload.conversation && payload.conversation.id;
  if (name.startsWith("conversation_")) return payload.id;
  return null;
}

function onEvent(ev) {
  const payload = ev.payload || {};
  const convId = conversationOf(ev.name, payload);
  if (ev.name.startsWith("conversation_typing")) {
    // Only the visitor's typing is shown here (agents see their own composer).
    if (payload.user && payload.user.type === "contact" && convId) {
      clearTimeout(state.visitorTyping.get(convId));
      state.visitorTyping.delete(convId);
      if (ev.name === "conversation_typing_on") {
        // Forget a typing indicator that was never switched off.
        state.visitorTyping.set(convId, setTimeout(() => { state.visitorTyping.delete(convId); render(); }, 30000));
      }
      render();
    }
    return;
  }
  if (ev.name === "message_created" && payload.message_type === "incoming" && convId) {
    clearTimeout(state.visitorTyping.get(convId));
    state.visitorTyping.delete(convId);
  }
  scheduleReload();
}

function connect() {
  const source = new EventSource("/api/v1/stream/events");
  source.addEventListener("ready", () => setStatus("live", "live"));
  source.addEventListener("event", (m) => onEvent(JSON.parse(m.data).data));
  source.addEventListener("lagged", scheduleReload);
  source.onopen = () => { setStatus("live", "live"); scheduleReload(); };
  source.onerror = () => setStatus("reconnecting…", "down");
}

// ---------------------------------------------------------------------------------------------
// Rendering

function lastMessage(c) {
  const msgs = c.messages || [];
  for (let i = msgs.length - 1; i >= 0; i--) {
    if (msgs[i].content) return msgs[i];
  }
  return null;
}

function renderList() {
  const list = $("conversations");
  list.replaceChildren();
  for (const c of state.conversations) {
    const li = el("li");
    const b = el("button", "conv" + (c.id === state.selected ? " selected" : ""));
    b.type = "button";
    b.setAttribute("aria-current", c.id === state.selected ? "true" : "false");
    const top = el("span", "line");
    const contact = (c.meta && c.meta.sender) || {};
    top.append(el("span", "name", contact.name || "Visitor"), el("span", "tag " + c.status, c.status));
    if (c.priority) top.append(el("span", "tag prio " + c.priority, c.priority));
    const last = lastMessage(c);
    const snippet = state.visitorTyping.has(c.id) ? "typing…" : last ? last.content : "";
    b.append(top, el("span", "snippet", snippet), el("span", "meta", "#" + c.id + " · " + when(c.last_activity_at)));
    b.addEventListener("click", () => select(c.id));
    li.append(b);
    list.append(li);
  }
  $("count").textContent = String(state.conversations.length);
  $("list-empty").hidden = state.conversations.length > 0;
}

function senderName(m) {
  if (!m.sender) return "";
  return m.sender.available_name || m.sender.name || (m.sender.type === "contact" ? "Visitor" : "Agent");
}

function renderItems(m, box) {
  const attrs = m.content_attributes || {};
  const items = attrs.items || [];
  const answer = attrs.submitted_values;
  if (m.content_type === "input_select") {
    const ul = el("ul", "options");
    const chosen = Array.isArray(answer) ? answer.map((a) => a.value) : [];
    for (const it of items) {
      ul.append(el("li", chosen.includes(it.value) ? "chosen" : "", it.title + " (" + it.value + ")"));
    }
    box.append(ul);
  } else if (m.content_type === "cards") {
    for (const it of items) {
      const card = el("div", "card");
      if (it.media_url) {
        const img = el("img");
        img.alt = "";
        img.src = it.media_url;
        img.loading = "lazy";
        card.append(img);
      }
      card.append(el("strong", "", it.title), el("p", "", it.description || ""));
      for (const a of it.actions || []) {
        card.append(el("span", "action-chip", a.type === "link" ? a.text + " → " + a.uri : a.text + " ⟲ " + a.payload));
      }
      box.append(card);
    }
  } else if (m.content_type === "form") {
    const dl = el("dl", "form-fields");
    const values = Array.isArray(answer) ? answer : [];
    for (const f of items) {
      const v = values.find((x) => x.name === f.name);
      dl.append(el("dt", "", (f.label || f.name) + (f.required ? " *" : "") + " [" + f.type + "]"),
        el("dd", v ? "answered" : "", v ? v.value : "—"));
    }
    box.append(dl);
  } else if (m.content_type === "input_csat") {
    const r = answer && answer.csat_survey_response;
    box.append(el("p", r ? "answered" : "muted", r
      ? "Rated " + r.rating + "/5" + (r.feedback_message ? ": " + r.feedback_message : "")
      : "Waiting for a rating"));
  }
  if (answer && m.content_type === "input_select") {
    box.append(el("p", "answered", "Answered: " + answer.map((a) => a.title || a.value).join(", ")));
  }
}

function renderMessage(m) {
  const mine = m.message_type === 1;
  const li = el("li", "msg " + (mine ? "out" : "in") + (m.private ? " private" : ""));
  const head = el("div", "msg-head");
  head.append(el("span", "who", senderName(m) + (m.private ? " · private note" : "")),
    el("span", "meta", when(m.created_at) + (m.content_type !== "text" ? " · " + m.content_type : "")));
  li.append(head);
  if (state.editing && state.editing.id === m.id) {
    const ta = el("textarea", "edit");
    ta.value = state.editing.draft;
    ta.rows = 3;
    ta.addEventListener("input", () => { state.editing.draft = ta.value; });
    const save = el("button", "", "Save");
    save.type = "button";
    save.addEventListener("click", () => saveEdit(m.id));
    const cancel = el("button", "secondary", "Cancel");
    cancel.type = "button";
    cancel.addEventListener("click", () => { state.editing = null; render(); });
    li.append(ta, save, cancel);
    setTimeout(() => ta.focus(), 0);
  } else {
    li.append(el("p", "body", m.content || ""));
  }
  renderItems(m, li);
  if (m.sender && m.sender.type === "user" && !(state.editing && state.editing.id === m.id)) {
    const edit = el("button", "link", "Edit");
    edit.type = "button";
    edit.addEventListener("click", () => { state.editing = { id: m.id, draft: m.content || "" }; render(); });
    li.append(edit);
  }
  return li;
}

function renderThread(c) {
  const thread = $("thread");
  const atBottom = thread.scrollHeight - thread.scrollTop - thread.clientHeight < 40;
  thread.replaceChildren(...(c ? c.messages.map(renderMessage) : []));
  if (atBottom) thread.scrollTop = thread.scrollHeight;
  $("thread-title").textContent = c ? "#" + c.id + " · " + ((c.meta.sender && c.meta.sender.name) || "Visitor") : "Select a conversation";
  $("composer").hidden = !c;
  $("visitor-typing").hidden = !(c && state.visitorTyping.has(c.id));
}

function fact(dl, label, value) {
  if (value === undefined || value === null || value === "") return;
  dl.append(el("dt", "", label), el("dd", "", value));
}

function renderDetails(c) {
  $("details").hidden = !c;
  if (!c) return;
  const a = c.additional_attributes || {};
  const info = c.last_event_info || {};
  const b = a.browser || info.browser || {};
  const contact = c.meta.sender || {};
  const dl = $("context");
  dl.replaceChildren();
  fact(dl, "Name", contact.name);
  fact(dl, "Email", contact.email);
  fact(dl, "Phone", contact.phone_number);
  fact(dl, "Browser", [b.browser_name, b.browser_version].filter(Boolean).join(" "));
  fact(dl, "OS", [b.platform_name, b.platform_version].filter(Boolean).join(" "));
  fact(dl, "Device", b.device_name);
  fact(dl, "Referer", a.referer || info.referer);
  fact(dl, "Browser language", a.browser_language || info.browser_language);
  fact(dl, "Widget language", info.widget_language);
  fact(dl, "Initiated at", (a.initiated_at && a.initiated_at.timestamp) || (info.initiated_at && info.initiated_at.timestamp));
  fact(dl, "Conversation started", when(c.created_at));
  if (info.browser && a.browser && info.browser.platform_version !== a.browser.platform_version) {
    fact(dl, "OS (Client Hints)", [info.browser.platform_name, info.browser.platform_version].filter(Boolean).join(" "));
  }

  const assignee = $("assignee");
  if (document.activeElement !== assignee) {
    assignee.replaceChildren(el("option", "", "Unassigned"));
    assignee.firstChild.value = "";
    for (const u of state.agents) {
      const o = el("option", "", u.name);
      o.value = String(u.id);
      assignee.append(o);
    }
    assignee.value = c.meta.assignee ? String(c.meta.assignee.id) : "";
  }
  setValue($("status-select"), c.status);
  $("snooze-label").hidden = $("status-select").value !== "snoozed";
  setValue($("priority"), c.priority || "");
  setValue($("labels"), (c.labels || []).join(", "));
  setValue($("custom-attributes"), JSON.stringify(c.custom_attributes || {}, null, 2));
}

function render() {
  renderList();
  const c = current();
  renderThread(c);
  renderDetails(c);
}

function select(id) {
  if (state.selected !== id) {
    typingOff();
    state.editing = null;
    state.dirty.clear();
    showError("details-error", null);
    showError("composer-error", null);
  }
  state.selected = id;
  const c = current();
  // Show the new conversation's own values in the action controls.
  if (c) {
    $("labels").value = (c.labels || []).join(", ");
    $("custom-attributes").value = JSON.stringify(c.custom_attributes || {}, null, 2);
  }
  render();
  $("thread").scrollTop = $("thread").scrollHeight;
}

// ---------------------------------------------------------------------------------------------
// Actions

const path = (suffix) => "/conversations/" + state.selected + suffix;

async function act(fn, ...fields) {
  showError("details-error", null);
  try {
    await fn();
    for (const f of fields) state.dirty.delete(f);
    scheduleReload();
  } catch (e) {
    showError("details-error", e);
    scheduleReload();
  }
}

async function saveEdit(id) {
  const draft = state.editing ? state.editing.draft : "";
  try {
    await api("PATCH", path("/messages/" + id), { content: draft });
    state.editing = null;
    scheduleReload();
  } catch (e) {
    showError("composer-error", e);
  }
}

// ---------------------------------------------------------------------------------------------
// Editors of interactive messages (built with DOM calls; read back into content_attributes.items)

function input(label, value, placeholder, type) {
  const wrap = el("label", "field");
  wrap.append(el("span", "", label));
  const i = el("input");
  i.type = type || "text";
  if (type === "checkbox") i.checked = !!value; else i.value = value || "";
  if (placeholder) i.placeholder = placeholder;
  wrap.append(i);
  return [wrap, i];
}

function choice(label, options, value) {
  const wrap = el("label", "field");
  wrap.append(el("span", "", label));
  const s = el("select");
  for (const o of options) {
    const opt = el("option", "", o);
    opt.value = o;
    s.append(opt);
  }
  s.value = value;
  wrap.append(s);
  return [wrap, s];
}

function removeButton(node, text) {
  const b = el("button", "link", text || "Remove");
  b.type = "button";
  b.addEventListener("click", () => node.remove());
  return b;
}

function addAction(list, a) {
  const li = el("li", "action-row");
  const [typeWrap, type] = choice("Button", ["link", "postback"], a.type || "link");
  const [textWrap, text] = input("Text", a.text, "See the plan");
  const [valueWrap, value] = input(type.value === "link" ? "URL" : "Payload", a.uri || a.payload, "https://…");
  type.addEventListener("change", () => {
    valueWrap.firstChild.textContent = type.value === "link" ? "URL" : "Payload";
    value.placeholder = type.value === "link" ? "https://…" : "PLAN_PRO";
  });
  li.append(typeWrap, textWrap, valueWrap, removeButton(li));
  li.read = () => {
    const out = { type: type.value, text: text.value.trim() };
    if (type.value === "link") out.uri = value.value.trim(); else out.payload = value.value.trim();
    return out;
  };
  list.append(li);
}

function addCard(card) {
  card = card || {};
  const li = el("li", "editor-item");
  const [t, title] = input("Title", card.title, "Pro plan");
  const [d, description] = input("Description", card.description, "Everything, for teams");
  const [m, media] = input("Image URL", card.media_url, "https://… (optional)");
  const actions = el("ol", "actions");
  for (const a of card.actions || []) addAction(actions, a);
  const add = el("button", "link", "Add button");
  add.type = "button";
  add.addEventListener("click", () => addAction(actions, {}));
  li.append(t, d, m, actions, add, removeButton(li, "Remove card"));
  li.read = () => {
    const out = { title: title.value.trim(), description: description.value.trim() };
    if (media.value.trim()) out.media_url = media.value.trim();
    const acts = Array.from(actions.children).map((x) => x.read());
    if (acts.length) out.actions = acts;
    return out;
  };
  $("cards").append(li);
}

function addField(f) {
  f = f || {};
  const li = el("li", "editor-item");
  const [ty, type] = choice("Type", ["text", "text_area", "email", "select"], f.type || "text");
  const [n, name] = input("Name", f.name, "email");
  const [l, label] = input("Label", f.label, "Your email");
  const [p, placeholder] = input("Placeholder", f.placeholder, "");
  const [r, required] = input("Required", f.required, "", "checkbox");
  const [o, options] = input("Options (Label = value, comma separated)",
    (f.options || []).map((x) => x.label + " = " + x.value).join(", "), "Free = free, Pro = pro");
  const sync = () => { o.hidden = type.value !== "select"; };
  type.addEventListener("change", sync);
  sync();
  li.append(ty, n, l, p, r, o, removeButton(li, "Remove field"));
  li.read = () => {
    const out = { type: type.value, name: name.value.trim(), label: label.value.trim() };
    if (placeholder.value.trim()) out.placeholder = placeholder.value.trim();
    if (required.checked) out.required = true;
    if (type.value === "select") {
      out.options = options.value.split(",").map((x) => x.trim()).filter(Boolean).map((x) => {
        const i = x.indexOf("=");
        return i < 0 ? { label: x, value: x.toLowerCase() } : { label: x.slice(0, i).trim(), value: x.slice(i + 1).trim() };
      });
    }
    return out;
  };
  $("form-fields").append(li);
}

function resetEditors() {
  $("cards").replaceChildren();
  addCard({ title: "Pro plan", description: "Everything, for teams",
    actions: [{ type: "link", text: "See the plan", uri: "https://example.com/pro" }, { type: "postback", text: "I want it", payload: "PLAN_PRO" }] });
  $("form-fields").replaceChildren();
  addField({ type: "text", name: "name", label: "Your name", required: true });
  addField({ type: "email", name: "email", label: "Email", placeholder: "you@example.com", required: true });
  addField({ type: "select", name: "plan", label: "Plan", options: [{ label: "Free", value: "free" }, { label: "Pro", value: "pro" }] });
}

function onTypeChange() {
  const t = $("content-type").value;
  $("extra-select").hidden = t !== "input_select";
  $("extra-cards").hidden = t !== "cards";
  $("extra-form").hidden = t !== "form";
}

function selectItems() {
  return $("select-items").value.split("\n").map((l) => l.trim()).filter(Boolean).map((line) => {
    const i = line.indexOf("=");
    const title = (i < 0 ? line : line.slice(0, i)).trim();
    const value = (i < 0 ? line.toLowerCase().replace(/\s+/g, "_") : line.slice(i + 1)).trim();
    return { title, value };
  });
}

async function send(e) {
  e.preventDefault();
  showError("composer-error", null);
  const type = $("content-type").value;
  const body = { content: $("content").value, content_type: type, private: $("private").checked, sender_id: me() };
  try {
    if (type === "input_select") body.content_attributes = { items: selectItems() };
    if (type === "cards") body.content_attributes = { items: Array.from($("cards").children).map((x) => x.read()) };
    if (type === "form") body.content_attributes = { items: Array.from($("form-fields").children).map((x) => x.read()) };
    $("send").disabled = true;
    await api("POST", path("/messages"), body);
    $("content").value = "";
    typingOff();
    scheduleReload();
  } catch (err) {
    showError("composer-error", err);
  } finally {
    $("send").disabled = false;
  }
}

// Typing: "on" when the agent starts, "off" after 3 s without a keystroke, on send and on switching
// conversations. At most one request per change (never one per keystroke).
let typing = null; // {conversation, timer}
function typingOn() {
  if ($("private").checked || !state.selected) return;
  if (typing && typing.conversation !== state.selected) typingOff();
  if (!typing) {
    typing = { conversation: state.selected, timer: null };
    api("POST", "/conversations/" + state.selected + "/toggle_typing_status", { typing_status: "on", sender_id: me() }).catch(() => {});
  }
  clearTimeout(typing.timer);
  typing.timer = setTimeout(typingOff, 3000);
}
function typingOff() {
  if (!typing) return;
  clearTimeout(typing.timer);
  const id = typing.conversation;
  typing = null;
  api("POST", "/conversations/" + id + "/toggle_typing_status", { typing_status: "off", sender_id: me() }).catch(() => {});
}

function wire() {
  $("composer").addEventListener("submit", send);
  $("content").addEventListener("input", typingOn);
  $("content").addEventListener("keydown", (e) => {
    if (e.key === "Enter" && !e.shiftKey && !e.isComposing) {
      e.preventDefault();
      $("composer").requestSubmit();
    }
  });
  $("content-type").addEventListener("change", onTypeChange);
  $("add-card").addEventListener("click", () => addCard());
  $("add-field").addEventListener("click", () => addField());
  $("assignee").addEventListener("change", () => act(() => api("POST", path("/assignments"),
    { assignee_id: $("assignee").value ? Number($("assignee").value) : null })));
  $("status-select").addEventListener("change", () => {
    state.dirty.add("status-select");
    $("snooze-label").hidden = $("status-select").value !== "snoozed";
  });
  for (const id of ["labels", "custom-attributes"]) $(id).addEventListener("input", () => state.dirty.add(id));
  $("apply-status").addEventListener("click", () => act(() => {
    const body = { status: $("status-select").value };
    if (body.status === "snoozed" && $("snooze-until").value) {
      body.snoozed_until = Math.floor(new Date($("snooze-until").value).getTime() / 1000);
    }
    return api("POST", path("/toggle_status"), body);
  }, "status-select"));
  $("priority").addEventListener("change", () => act(() => api("POST", path("/toggle_priority"),
    { priority: $("priority").value || null })));
  $("save-labels").addEventListener("click", () => act(() => api("POST", path("/labels"),
    { labels: $("labels").value.split(",").map((s) => s.trim()).filter(Boolean) }), "labels"));
  $("save-attributes").addEventListener("click", () => act(() => {
    let attrs;
    try { attrs = JSON.parse($("custom-attributes").value || "{}"); } catch (err) {
      throw new Error("custom_attributes: not valid JSON (" + err.message + ")");
    }
    return api("POST", path("/custom_attributes"), { custom_attributes: attrs });
  }, "custom-attributes"));
  window.addEventListener("pagehide", typingOff);
}

async function start() {
  wire();
  resetEditors();
  onTypeChange();
  try {
    state.agents = await api("GET", "/agents");
    for (const u of state.agents) {
      const o = el("option", "", u.name);
      o.value = String(u.id);
      $("me").append(o);
    }
    await load();
  } catch (e) {
    setStatus("could not load: " + e.message, "down");
  }
  connect();
}

start();
