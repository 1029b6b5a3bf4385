//! The run-time matcher of the uap rules: each rule's regex was compiled by `build.rs` into a
//! small program, which a bounded backtracker runs here. Nothing is parsed or compiled at run
//! time, and the whole matcher is a handful of functions: on a fresh page the browser compiles
//! little code before the first user agent is derived (a regex engine's parser and compiler were
//! most of that cold cost).
//!
//! Semantics are the regex crate's on ASCII text: leftmost-first matches (the first start
//! position that matches; among its matches the one a backtracking search finds first), capture
//! groups as the regex crate reports them, Unicode classes equal to their ASCII part.
//! A unit test in `ua` checks every rule against the regex crate, and `tests/conformance.rs` the
//! derivation against plain uaparser. Non-ASCII characters step as one unit, in a class only when every non-ASCII
//! character is (`.`, `[^;]`), and are not word characters (ASCII classes, as regex-lite has).
//!
//! # Program format
//!
//! The first byte is the number of capture slots (two per group, group 0 included, whose slots
//! the matcher sets itself); then instructions, jump targets being little-endian `i16` offsets
//! from the jump's own opcode:
//!
//! | bytes | instruction |
//! |---|---|
//! | `0x20..=0x7e` | that byte, literally |
//! | `0x80 \| l` | the ASCII letter `l` (lowercase) in either case (`(?i)`) |
//! | `MATCH` | the match is complete |
//! | `BYTE b` | the byte `b` |
//! | `CLASS c` | one character of class `c` ([`tables::CLASSES`](super::ua)) |
//! | `SPLIT t` | try the next instruction, then `t` |
//! | `SPLIT_JUMP t` | try `t`, then the next instruction |
//! | `JUMP t` | go on at `t` |
//! | `SAVE s`; `0x10 \| s` for `s` < 16 | record the position in slot `s` |
//! | `START`, `END`, `WORD`, `NOT_WORD` | `^`, `$`, `\b`, `\B` |
//! | `ALTS n` (`len` text)×n | alternatives of plain text (literal bytes and `0x80 \| l` letters), tried in order |
//! | `REPEAT c min max`, `REPEAT_LAZY c min max` | `c{min,max}` greedy / lazy, max 255 = unbounded |
//! | `REPEAT_WIDE c min max`, `REPEAT_LAZY_WIDE c min max` | the same with `u16` bounds, max `0xffff` = unbounded |
//!
//! The search is bounded: each (instruction, position) pair is explored at most once, as is each
//! position of an unbounded greedy repetition's loop, so the work is about the program's length
//! times the text's. So is the memory (a bit per pair): beyond [`MAX_STATES`] the matcher
//! declines ([`TooLong`]) rather than allocate without bound for a hostile multi-megabyte "user
//! agent"; real ones stay far below (the largest program times a 1 KB user agent is 2.7 M).

use super::rule_opcodes::*;

/// An unset capture slot.
const UNSET: u32 = u32::MAX;

/// The most (instruction, position) states a search may track: 1 MiB of bits.
pub(crate) const MAX_STATES: usize = 8 << 20;

/// The text is too long for this program (more than [`MAX_STATES`] states).
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct TooLong;

/// A character class: ASCII bitmap (low 64, high 64 characters), and whether every non-ASCII
/// character is in it.
pub(crate) type Class = (u64, u64, bool);

/// The capture groups of a match of a rule program.
pub(crate) struct Captures<'t> {
    text: &'t str,
    slots: Vec<u32>,
}

impl<'t> Captures<'t> {
    /// The text of group `i`, if it took part in the match.
    pub fn get(&self, i: usize) -> Option<&'t str> {
        let (&start, &end) = (self.slots.get(2 * i)?, self.slots.get(2 * i + 1)?);
        if start == UNSET || end == UNSET {
            return None;
        }
        self.text.get(start as usize..end as usize)
    }

    /// Appends `replacement` to `out` with group references expanded, as the regex crate's
    /// `Captures::expand` does: `$name` takes the longest run of `[0-9A-Za-z_]`, `${name}` what
    /// is between the braces, `$$` is a `$`; a numeric name is a group index, anything else (no
    /// group here has a name) expands to nothing, as does a group that did not take part.
    pub fn expand(&self, mut replacement: &str, out: &mut String) {
        while let Some(at) = replacement.find('$') {
            out.push_str(&replacement[..at]);
            let rest = &replacement[at + 1..];
            if let Some(after) = rest.strip_prefix('$') {
                out.push('$');
                replacement = after;
                continue;
            }
            let (name, after) = match rest.strip_prefix('{').and_then(|r| r.split_once('}')) {
                Some((name, after)) => (name, after),
                None => {
                    let end = rest
                        .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
                        .unwrap_or(rest.len());
                    rest.split_at(end)
                }
            };
            if name.is_empty() {
                out.push('$');
                replacement = rest;
                continue;
            }
            if let Some(group) = name.parse::<usize>().ok().and_then(|i| self.get(i)) {
                out.push_str(group);
            }
            replacement = after;
        }
        out.push_str(replacement);
    }
}

/// A pending step of the search.
enum Frame {
    /// Run from instruction `.0` at position `.1`.
    Step(usize, usize),
    /// Put `.1` back into slot `.0` (undoing a `SAVE` on the way back).
    Restore(usize, u32),
}

/// Whether the byte `b` is the text unit `unit`: a printable ASCII byte, or `0x80 | letter`
/// for that letter in either case.
#[inline(always)]
fn unit_matches(unit: u8, b: Option<&u8>) -> bool {
    match b {
        Some(&b) if unit >= 0x80 => b.to_ascii_lowercase() == unit & 0x7f,
        Some(&b) => b == unit,
        None => false,
    }
}

fn is_word_byte(b: Option<&u8>) -> bool {
    b.is_some_and(|&b| b.is_ascii_alphanumeric() || b == b'_')
}

/// The length of the character at `pos`, if it is in `class`.
#[inline(always)]
fn class_step(class: Class, text: &[u8], pos: usize) -> Option<usize> {
    let &b = text.get(pos)?;
    if b < 0x80 {
        let word = if b < 64 { class.0 } else { class.1 };
        (word >> (b % 64) & 1 == 1).then_some(1)
    } else if class.2 {
        // The rest of a UTF-8 sequence: its continuation bytes.
        let more = text
            .get(pos + 1..)
            .map_or(0, |r| r.iter().take_while(|&&c| c & 0xc0 == 0x80).count());
        Some(1 + more.min(3))
    } else {
        None
    }
}

/// Marks state `bit` (instruction × position) visited; `false` if it already was (or is out of
/// range).
#[inline(always)]
fn mark(visited: &mut [u64], bit: usize) -> bool {
    match visited.get_mut(bit / 64) {
        Some(w) if *w >> (bit % 64) & 1 == 0 => {
            *w |= 1 << (bit % 64);
            true
        }
        _ => false,
    }
}

/// The little-endian `u16` at `at` (a repetition bound).
fn bound(program: &[u8], at: usize) -> usize {
    usize::from(u16::from_le_bytes([
        program.get(at).copied().unwrap_or(0),
        program.get(at + 1).copied().unwrap_or(0),
    ]))
}

/// The target of the jump-like instruction at `pc` (its operand is relative to `pc`); past the
/// end of any program when it would be negative.
fn target(program: &[u8], pc: usize) -> usize {
    let relative = i16::from_le_bytes([
        program.get(pc + 1).copied().unwrap_or(0),
        program.get(pc + 2).copied().unwrap_or(0),
    ]);
    pc.checked_add_signed(isize::from(relative))
        .unwrap_or(usize::MAX)
}

/// Runs `program` over `text`: the leftmost-first match's capture groups, if any; `Err` when
/// the search would track more than [`MAX_STATES`] states.
///
/// A malformed program (never produced by `build.rs`) yields no match rather than a panic.
pub(crate) fn captures<'t>(
    program: &[u8],
    classes: &[Class],
    text: &'t str,
) -> Result<Option<Captures<'t>>, TooLong> {
    let bytes = text.as_bytes();
    let width = bytes.len() + 1;
    let states = program
        .len()
        .checked_mul(width)
        .filter(|&n| n <= MAX_STATES);
    let Some(states) = states else {
        return Err(TooLong);
    };
    let Some(&slot_count) = program.first() else {
        return Ok(None);
    };
    let mut visited = vec![0u64; states.div_ceil(64)];
    let mut slots = vec![UNSET; usize::from(slot_count)];
    let mut stack: Vec<Frame> = Vec::new();
    // The ends of an ALTS instruction's matching alternatives.
    let mut ends: Vec<usize> = Vec::new();
    let class = |id: Option<&u8>| id.and_then(|&c| classes.get(usize::from(c)).copied());
    for start in 0..=bytes.len() {
        if bytes.get(start).is_some_and(|&b| b & 0xc0 == 0x80) {
            continue; // not a character boundary
        }
        let match_start = start;
        stack.push(Frame::Step(1, start));
        while let Some(frame) = stack.pop() {
            let (mut pc, mut pos) = match frame {
                Frame::Restore(slot, old) => {
                    if let Some(s) = slots.get_mut(slot) {
                        *s = old;
                    }
                    continue;
                }
                Frame::Step(pc, pos) => (pc, pos),
            };
            loop {
                if pc >= program.len() {
                    break;
                }
                if !mark(&mut visited, pc * width + pos) {
                    break;
                }
                let op = program[pc];
                match op {
                    0x80..=0xff => {
                        if !unit_matches(op, bytes.get(pos)) {
                            break;
                        }
                        pc += 1;
                        pos += 1;
                    }
                    OP_ALTS => {
                        let count = program.get(pc + 1).copied().unwrap_or(0);
                        let mut at = pc + 2;
                        ends.clear();
                        for _ in 0..count {
                            let len = usize::from(program.get(at).copied().unwrap_or(0));
                            let units = program.get(at + 1..at + 1 + len).unwrap_or_default();
                            let text = bytes.get(pos..pos + len).unwrap_or_default();
                            if text.len() == len
                                && units
                                    .iter()
                                    .zip(text)
                                    .all(|(&u, t)| unit_matches(u, Some(t)))
                            {
                                ends.push(pos + len);
                            }
                            at += 1 + len;
                        }
                        // The first matching alternative now, the others (pushed last first)
                        // in order after it.
                        let Some((&first, rest)) = ends.split_first() else {
                            break;
                        };
                        stack.extend(rest.iter().rev().map(|&e| Frame::Step(at, e)));
                        pc = at;
                        pos = first;
                    }
                    0x20..=0x7e | OP_BYTE => {
                        let (want, len) = if op == OP_BYTE {
                            (program.get(pc + 1).copied(), 2)
                        } else {
                            (Some(op), 1)
                        };
                        if bytes.get(pos).copied() != want {
                            break;
                        }
                        pc += len;
                        pos += 1;
                    }
                    OP_CLASS => {
                        match class(program.get(pc + 1)).and_then(|c| class_step(c, bytes, pos)) {
                            Some(n) => {
                                pc += 2;
                                pos += n;
                            }
                            None => break,
                        }
                    }
                    OP_SPLIT => {
                        stack.push(Frame::Step(target(program, pc), pos));
                        pc += 3;
                    }
                    OP_SPLIT_JUMP => {
                        stack.push(Frame::Step(pc + 3, pos));
                        pc = target(program, pc);
                    }
                    OP_JUMP => pc = target(program, pc),
                    OP_SAVE | OP_SAVE_SHORT..=0x1f => {
                        let (slot, len) = if op == OP_SAVE {
                            (program.get(pc + 1).copied().unwrap_or(u8::MAX), 2)
                        } else {
                            (op & 0x0f, 1)
                        };
                        let slot = usize::from(slot);
                        let Some(s) = slots.get_mut(slot) else { break };
                        stack.push(Frame::Restore(slot, *s));
                        *s = pos as u32;
                        pc += len;
                    }
                    OP_START | OP_END | OP_WORD | OP_NOT_WORD => {
                        let holds = match op {
                            OP_START => pos == 0,
                            OP_END => pos == bytes.len(),
                            _ => {
                                let before = pos.checked_sub(1).and_then(|p| bytes.get(p));
                                let boundary = is_word_byte(before) != is_word_byte(bytes.get(pos));
                                boundary == (op == OP_WORD)
                            }
                        };
                        if !holds {
                            break;
                        }
                        pc += 1;
                    }
                    OP_MATCH => {
                        if let [start, end, ..] = &mut slots[..] {
                            (*start, *end) = (match_start as u32, pos as u32);
                        }
                        return Ok(Some(Captures { text, slots }));
                    }
                    OP_REPEAT | OP_REPEAT_LAZY | OP_REPEAT_WIDE | OP_REPEAT_LAZY_WIDE => {
                        let Some(c) = class(program.get(pc + 1)) else {
                            break;
                        };
                        let greedy = op == OP_REPEAT || op == OP_REPEAT_WIDE;
                        let byte = |at: usize| usize::from(program.get(at).copied().unwrap_or(0));
                        let (min, max, next) = if op >= OP_REPEAT_WIDE {
                            let max = bound(program, pc + 4);
                            let max = if max == usize::from(UNBOUNDED_WIDE) {
                                usize::MAX
                            } else {
                                max
                            };
                            (bound(program, pc + 2), max, pc + 6)
                        } else {
                            let max = byte(pc + 3);
                            let max = if max == usize::from(UNBOUNDED) {
                                usize::MAX
                            } else {
                                max
                            };
                            (byte(pc + 2), max, pc + 4)
                        };
                        // Take characters while allowed; every end from `min` on continues.
                        let (mut end, mut count) = (pos, 0);
                        while count < min {
                            match class_step(c, bytes, end) {
                                Some(n) => end += n,
                                None => break,
                            }
                            count += 1;
                        }
                        if count < min {
                            break;
                        }
                        // `c{min,}` (or `c{min,max}` where fewer than `max` characters are
                        // left) is the loop `c*` after `min` characters: one state per position
                        // (the operand's offset `pc + 1` stands for the loop), each position's
                        // exit pushed as the alternative to taking one more character. A
                        // position reached again from a later start is cut, as for any state,
                        // so the whole search stays linear.
                        if greedy && max - count >= bytes.len() - end {
                            let mut cut = false;
                            loop {
                                if !mark(&mut visited, (pc + 1) * width + end) {
                                    cut = true;
                                    break;
                                }
                                let Some(n) = class_step(c, bytes, end) else {
                                    break;
                                };
                                stack.push(Frame::Step(next, end));
                                end += n;
                            }
                            if cut {
                                break;
                            }
                            pc = next;
                            pos = end;
                            continue;
                        }
                        let shortest = end;
                        let pushed = stack.len();
                        // Every longer end: pushed shortest first, so they pop longest first.
                        while count < max {
                            let Some(n) = class_step(c, bytes, end) else {
                                break;
                            };
                            if greedy {
                                stack.push(Frame::Step(next, end));
                            }
                            end += n;
                            count += 1;
                            if !greedy {
                                stack.push(Frame::Step(next, end));
                            }
                        }
                        pc = next;
                        if greedy {
                            // Greedy: the longest now, then shorter ones.
                            pos = end;
                        } else {
                            // Lazy: the shortest now, then longer ones (popped shortest first).
                            stack[pushed..].reverse();
                            pos = shortest;
                        }
                    }
                    _ => break,
                }
            }
        }
    }
    Ok(None)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `expand` follows the regex crate's replacement syntax.
    #[test]
    fn expand_like_the_regex_crate() {
        let re = regex::Regex::new(r"(\w+)/(\d+)(x)?").unwrap();
        let text = "Foo/12";
        let want = re.captures(text).unwrap();
        let got = Captures {
            text,
            slots: vec![0, 6, 0, 3, 4, 6, UNSET, UNSET],
        };
        for replacement in [
            "$1", "$1 $2", "${1}x", "$1x", "$$1", "$", "a$", "$3|", "${9}", "${1", "$_", "v$2.0",
        ] {
            let mut want_out = String::new();
            want.expand(replacement, &mut want_out);
            let mut got_out = String::new();
            got.expand(replacement, &mut got_out);
            assert_eq!(got_out, want_out, "{replacement}");
        }
    }

    /// Greedy and lazy repetitions, alternation order and anchors, with hand-made programs.
    #[test]
    fn leftmost_first_priorities() {
        // 2 slots; REPEAT (class 0 = any) min 1 max unbounded, '/', MATCH.
        let any: Class = (u64::MAX, u64::MAX, true);
        let greedy = [2, OP_REPEAT, 0, 1, UNBOUNDED, b'/', OP_MATCH];
        let c = captures(&greedy, &[any], "a/b/c").unwrap().unwrap();
        assert_eq!(c.get(0), Some("a/b/"));
        let mut lazy = greedy;
        lazy[1] = OP_REPEAT_LAZY;
        let c = captures(&lazy, &[any], "a/b/c").unwrap().unwrap();
        assert_eq!(c.get(0), Some("a/"));
        // ^(?:b|ab) on "ab": the first alternative fails at 0, the second matches.
        // (Jump operands are relative to the jump.)
        let alt = [
            2, OP_START, OP_SPLIT, 7, 0, b'b', OP_JUMP, 5, 0, b'a', b'b', OP_MATCH,
        ];
        let c = captures(&alt, &[], "ab").unwrap().unwrap();
        assert_eq!(c.get(0), Some("ab"));
        assert!(captures(&alt, &[], "xab").unwrap().is_none());
        // A truncated program never panics.
        assert!(captures(&alt[..6], &[], "ab").unwrap().is_none());
        assert!(captures(&[], &[], "ab").unwrap().is_none());
        // Past the state budget the matcher declines instead of allocating.
        let long = "a".repeat(MAX_STATES / alt.len() + 1);
        assert_eq!(captures(&alt, &[], &long).err(), Some(TooLong));
        assert!(captures(&alt, &[], &long[..MAX_STATES / alt.len() - 1]).is_ok());
    }
}
