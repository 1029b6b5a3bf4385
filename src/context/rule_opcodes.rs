//! The opcodes of the uap rule programs, shared by `build.rs`, which writes the programs, and
//! [`rule_program`](super::rule_program), which runs them (the format is documented there).
//! `build.rs` includes this very file (`#[path]`), so the two cannot disagree.

pub const OP_MATCH: u8 = 0x00;
pub const OP_BYTE: u8 = 0x01;
pub const OP_CLASS: u8 = 0x02;
pub const OP_SPLIT: u8 = 0x03;
pub const OP_SPLIT_JUMP: u8 = 0x04;
pub const OP_JUMP: u8 = 0x05;
pub const OP_SAVE: u8 = 0x06;
pub const OP_START: u8 = 0x07;
pub const OP_END: u8 = 0x08;
pub const OP_WORD: u8 = 0x09;
pub const OP_NOT_WORD: u8 = 0x0a;
pub const OP_REPEAT: u8 = 0x0b;
pub const OP_REPEAT_LAZY: u8 = 0x0c;
pub const OP_REPEAT_WIDE: u8 = 0x0d;
pub const OP_REPEAT_LAZY_WIDE: u8 = 0x0e;
pub const OP_ALTS: u8 = 0x0f;
/// `SAVE s` in one byte, `OP_SAVE_SHORT | s`, for slots under 16.
pub const OP_SAVE_SHORT: u8 = 0x10;
/// A `REPEAT`/`REPEAT_LAZY` maximum meaning "unbounded".
pub const UNBOUNDED: u8 = 0xff;
/// A `REPEAT_WIDE`/`REPEAT_LAZY_WIDE` maximum meaning "unbounded".
pub const UNBOUNDED_WIDE: u16 = 0xffff;
