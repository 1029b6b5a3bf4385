// Must NOT type-check: each line marked `// expect TSnnnn` has to produce exactly that error
// (run.mjs runs tsc over this file alone and compares the errors with the markers).
import { buildEvent, type EventPayloads } from "evolvy-widget";

const event_info = { initiated_at: { timestamp: "Wed Nov 25 2026 12:00:00 GMT-0300" }, referer: "https://shop.example/" };
const ok = { id: 7, contact: { id: 42 }, inbox: { id: 3 }, account: { id: 1 }, event_info };

buildEvent("webwidget_triggered", { ...ok, contact: { id: "42" } }); // expect TS2322 (an id is a number)
buildEvent("webwidget_triggered", { ...ok, contact: { id: 42, type: "user" } }); // expect TS2322 (a contact's type is "contact")
buildEvent("webwidget_triggered", { id: 7, contact: { id: 42 }, inbox: { id: 3 }, account: { id: 1 } }); // expect TS2345 (event_info is required)
buildEvent("conversation_created", { id: 1, inbox_id: 1, can_replay: false }); // expect TS2561 (the seed's typo is not a field)
buildEvent("conversation_created", { id: 1, inbox_id: 1, status: "closed" }); // expect TS2322 (not a status)
buildEvent("conversation_status_changed", { id: 1, inbox_id: 1 }); // expect TS2353 (updates take {previous, current})
buildEvent("webwidget_opened", ok); // expect TS2345 (not an event name)

declare const created: EventPayloads["message_created"];
const n: number = created.message_type; // expect TS2322 (top-level message_type is the name)
created.conversation.acount_id; // expect TS2551 (the seed's typo)
