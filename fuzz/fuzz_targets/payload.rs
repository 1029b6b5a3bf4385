//! Arbitrary bytes → JSON → `Event::from_value` and `build_event`.
//!
//! The first byte picks the event name `build_event` is asked for (one of `EventName::ALL`, or
//! an arbitrary string when it is out of range); the rest is the JSON document.
//!
//! Checks: no panic on any input; an accepted event serialises to a wire payload that reads back
//! as the same event, with `"event"` first and equal to its name, and serialising is stable
//! (`to_value ∘ from_value ∘ to_value = to_value`); a rejected input has an error.
#![no_main]

use evolvy_widget::model::{build_event, Event, EventName};
use libfuzzer_sys::fuzz_target;
use serde_json::Value;

fn round_trip(event: &Event) {
    let wire = event.to_value();
    let first = wire
        .as_object()
        .and_then(|m| m.keys().next())
        .map(String::as_str);
    assert_eq!(first, Some("event"));
    assert_eq!(wire["event"], Value::from(event.name().as_str()));
    let back = Event::from_value(wire.clone())
        .unwrap_or_else(|e| panic!("accepted event does not read back: {e}\n{wire}"));
    assert_eq!(&back, event, "round trip changed the event\n{wire}");
    assert_eq!(back.to_value(), wire, "serialisation is not stable");
    // Through text, too (what a receiver parses).
    let text = serde_json::to_string(&wire).expect("serialisable");
    let reparsed: Value = serde_json::from_str(&text).expect("own output parses");
    assert_eq!(Event::from_value(reparsed).ok().as_ref(), Some(event));
}

fuzz_target!(|data: &[u8]| {
    let Some((&pick, rest)) = data.split_first() else {
        return;
    };
    let Ok(value) = serde_json::from_slice::<Value>(rest) else {
        return;
    };
    if let Ok(event) = Event::from_value(value.clone()) {
        round_trip(&event);
    }
    let name = match EventName::ALL.get(pick as usize % 16) {
        Some(n) => n.as_str().to_string(),
        None => value
            .get("event")
            .and_then(Value::as_str)
            .unwrap_or("no_such_event")
            .to_string(),
    };
    if let Ok(event) = build_event(&name, value) {
        assert_eq!(event.name().as_str(), name);
        round_trip(&event);
    }
});
