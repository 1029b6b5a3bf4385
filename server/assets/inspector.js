// Evolvy event inspector. Everything from payloads is written with textContent, never as HTML.
"use strict";

const MAX_ITEMS = 500;
const eventsList = document.getElementById("events");
const deliveriesList = document.getElementById("deliveries");
const statusEl = document.getElementById("status");
const eventCount = document.getElementById("event-count");
const deliveryCount = document.getElementById("delivery-count");
const eventIds = new Set();
const deliveryNodes = new Map();

function el(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = String(text);
  return node;
}

function time(ms) {
  return new Date(ms).toLocaleTimeString(undefined, { hour12: false }) + "." + String(ms % 1000).padStart(3, "0");
}

function trim(list) {
  while (list.children.length > MAX_ITEMS) list.lastElementChild.remove();
}

function renderEvent(ev, fresh) {
  if (eventIds.has(ev.id)) return;
  eventIds.add(ev.id);
  const li = el("li", fresh ? "fresh" : "");
  li.dataset.id = String(ev.id);
  const details = el("details");
  const summary = el("summary");
  summary.append(el("span", "name", ev.name), el("span", "tag " + ev.source, ev.source),
    el("span", "meta", "#" + ev.id + " · " + time(ev.received_at) + " · " + ev.uid));
  const pre = el("pre");
  // Filled on first open: big payloads cost nothing until looked at.
  details.addEventListener("toggle", () => {
    if (details.open && !pre.textContent) pre.textContent = JSON.stringify(ev.payload, null, 2);
  });
  details.append(summary, pre);
  li.append(details);
  // Newest first: insert before the first older item.
  const before = Array.from(eventsList.children).find((c) => Number(c.dataset.id) < ev.id);
  eventsList.insertBefore(li, before || null);
  trim(eventsList);
  eventCount.textContent = String(eventIds.size);
}

function renderDelivery(d, fresh) {
  const old = deliveryNodes.get(d.id);
  const li = el("li", fresh ? "fresh" : "");
  const details = el("details");
  if (old) details.open = old.querySelector("details").open;
  const summary = el("summary");
  summary.append(el("span", "name", d.event), el("span", "tag " + d.status, d.status),
    el("span", "meta", d.url + " · attempts " + d.attempts + (d.last_status ? " · HTTP " + d.last_status : "")));
  const attempts = el("ol", "attempts");
  for (const a of d.attempt_log || []) {
    attempts.append(el("li", "", "#" + a.attempt + " " + time(a.at) + " · " +
      (a.status_code ? "HTTP " + a.status_code : "no response") + " · " + a.duration_ms + " ms" +
      (a.error ? " · " + a.error : "")));
  }
  const pre = el("pre", "", "delivery " + d.id + "\nevent #" + d.event_id);
  details.append(summary, attempts, pre);
  li.append(details);
  if (old) {
    old.replaceWith(li);
  } else {
    deliveriesList.prepend(li);
    trim(deliveriesList);
  }
  deliveryNodes.set(d.id, li);
  deliveryCount.textContent = String(deliveryNodes.size);
}

function setStatus(text, cls) {
  statusEl.textContent = text;
  statusEl.className = "status " + (cls || "");
}

async function load() {
  const [events, deliveries] = await Promise.all([
    fetch("/api/v1/events?limit=200").then((r) => r.json()),
    fetch("/api/v1/deliveries?limit=200").then((r) => r.json()),
  ]);
  for (const ev of events.slice().reverse()) renderEvent(ev, false);
  for (const d of deliveries.slice().reverse()) renderDelivery(d, false);
}

function connect() {
  const source = new EventSource("/api/v1/stream/events");
  source.addEventListener("ready", () => setStatus("live", "live"));
  source.addEventListener("event", (m) => renderEvent(JSON.parse(m.data).data, true));
  source.addEventListener("delivery", (m) => renderDelivery(JSON.parse(m.data).data, true));
  source.addEventListener("lagged", () => load().catch(() => {}));
  source.onopen = () => setStatus("live", "live");
  source.onerror = () => setStatus("reconnecting…", "down");
}

load().catch((e) => setStatus("could not load: " + e.message, "down")).finally(connect);
