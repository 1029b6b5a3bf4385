// Must type-check: the inputs buildEvent accepts and the payloads it returns, as documented.
import { buildEvent, EvolvyEmitter, type AnyEventPayload, type EventInputs } from "evolvy-widget";

// Updates are built from two states; changed_attributes is computed.
const updated = buildEvent("conversation_updated", {
  previous: { id: 5, inbox_id: 3, status: "open" },
  current: { id: 5, inbox_id: 3, status: "resolved", labels: ["vip"] },
});
const change: { current_value: unknown; previous_value: unknown } | undefined = updated.changed_attributes[0]?.["status"];
void change;

// contact_updated takes either form.
buildEvent("contact_updated", { id: 1, email: "a@b.c", changed_attributes: [] });
buildEvent("contact_updated", { previous: { id: 1 }, current: { id: 1, email: "a@b.c" } });

// message_type is the name at the top level and the integer inside objects; senders are tagged.
const message = buildEvent("message_created", {
  id: 10,
  content: "Olá",
  message_type: "incoming",
  created_at: "2026-11-25 15:24:12 UTC",
  sender: { type: "contact", id: 42 },
  account: { id: 1 },
  inbox: { id: 3 },
  conversation: {
    id: 5,
    inbox_id: 3,
    messages: [{ id: 10, message_type: 0, created_at: 1795620252, content_type: "input_select",
      content_attributes: { items: [{ title: "Yes", value: "yes" }], x_custom: 1 } }],
  },
});
const code: 0 | 1 | 2 | 3 | undefined = message.conversation.messages[0]?.message_type;
void code;

// A webhook receiver narrows any payload by `event`.
export function describe(p: AnyEventPayload): string {
  switch (p.event) {
    case "message_created":
    case "message_updated":
      return `${p.message_type}: ${p.content ?? ""}`;
    case "conversation_status_changed":
      return p.status;
    case "contact_created":
      return p.email ?? p.name;
    default:
      return p.event;
  }
}

// The emitter takes the same typed inputs.
export function emitTyped(em: EvolvyEmitter, input: EventInputs["conversation_created"]): string[] {
  em.on("failed", (d) => console.warn(d.target, d.message));
  return em.emit("conversation_created", input);
}
