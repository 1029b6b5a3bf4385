//! Browser glue (wasm32 only): collecting context, storage, transport, page lifecycle.

pub mod collect;
pub mod events;
pub mod emitter;
pub mod lifecycle;
pub mod storage;
pub mod transport;
