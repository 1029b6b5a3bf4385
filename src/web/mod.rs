//! Browser glue (wasm32 only): collecting context, storage, transport, page lifecycle.

pub mod collect;
pub mod emitter;
pub mod events;
pub mod lifecycle;
pub mod storage;
pub mod transport;
