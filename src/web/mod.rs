//! Browser glue (wasm32 only): collecting context, storage, transport, page lifecycle.

pub mod collect;
pub mod events;
