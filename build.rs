//! Build script: turns the vendored uap-core rules (`uap/regexes.yaml`) into compact Rust tables
//! for `src/context/ua.rs`, so the wasm cold path parses no YAML and compiles no regex it does not
//! need.
//!
//! For every rule it writes:
//! - the rule itself as a one-entry JSON object (fed to the `uaparser` crate at run time, only for
//!   rules that are candidates for a user agent);
//! - its necessary literal factors in conjunctive normal form: a list of clauses, each a set of
//!   alternative literals, such that any text the rule's regex matches contains at least one
//!   literal of every clause. Literals are normalised like the run-time scan text (ASCII
//!   lowercase; the two non-ASCII characters that case-fold to ASCII letters, KELVIN SIGN and
//!   LONG S, mapped to `k` and `s`), so the prefilter is sound for every input.
//!
//! Anchors are literals too: the run-time scan text is framed as `\0` + text + `\x01`, so `^`
//! is the literal `\0` and `$` the literal `\x01` (a NUL or U+0001 inside a user agent can only
//! add candidates, never hide one).
//!
//! The extractor sees exactly the pattern `uaparser` compiles: the `\!`, `\ ` and `\/` escapes
//! removed and `(?flag)` prepended when a device rule has a `regex_flag`.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::path::PathBuf;

use regex_syntax::hir::{Class, Hir, HirKind, Look, Repetition};
use serde::Deserialize;

/// At most this many strings in an enumerated set (class members, concatenation products).
const MAX_SET: usize = 32;
/// At most this many strings in an alternation of literals (e.g. a list of model prefixes).
const MAX_WIDE: usize = 256;
/// Hash buckets of the two-byte literal index (a power of two).
const BUCKETS: usize = 2048;

#[derive(Deserialize)]
struct RegexFile {
    user_agent_parsers: Vec<Entry>,
    os_parsers: Vec<Entry>,
    device_parsers: Vec<Entry>,
}

/// A rule with whichever fields it has, kept in file order for the JSON re-serialisation.
#[derive(Deserialize)]
struct Entry(BTreeMap<String, Option<String>>);

type Set = BTreeSet<String>;

/// Separates a rule's replacement fields (`Rule::replacements`).
const FIELD_SEP: char = '\u{1f}';
/// Stands for an absent replacement field.
const ABSENT: &str = "\u{1e}";

/// One rule's generated row: its JSON, the pattern uaparser compiles, its literal CNF and its
/// replacement fields (in the order `Rule::replacements` documents).
type Rule = (String, String, Vec<Set>, Vec<Option<String>>);

/// What a regex fragment says about the texts it matches.
struct Info {
    /// The fragment matches exactly one of these (normalised) strings, when few.
    exact: Option<Set>,
    /// Necessary clauses: every match contains a literal of each clause.
    cnf: Vec<Set>,
}

fn norm_char(c: char) -> char {
    match c {
        '\u{212A}' => 'k',
        '\u{17F}' => 's',
        c => c.to_ascii_lowercase(),
    }
}

fn single(s: &str) -> Set {
    std::iter::once(s.to_string()).collect()
}

/// The concatenation products of `a` and `b`, when small: at most `MAX_SET` strings, or up to
/// `MAX_WIDE` when one side is a single string (a literal prefix or suffix of a long list).
fn cross(a: &Set, b: &Set) -> Option<Set> {
    let n = a.len() * b.len();
    if n > MAX_WIDE || (n > MAX_SET && a.len() > 1 && b.len() > 1) {
        return None;
    }
    Some(
        a.iter()
            .flat_map(|x| b.iter().map(move |y| format!("{x}{y}")))
            .collect(),
    )
}

/// A clause is useful only when none of its alternatives is empty.
fn push_clause(cnf: &mut Vec<Set>, set: &Set) {
    if !set.is_empty() && !set.contains("") {
        cnf.push(set.clone());
    }
}

/// The clause of `info` whose shortest literal is longest (the most selective one).
fn best_clause(info: &Info) -> Option<Set> {
    let mut all = info.cnf.clone();
    if let Some(e) = &info.exact {
        push_clause(&mut all, e);
    }
    all.into_iter()
        .max_by_key(|c| c.iter().map(|s| s.len()).min().unwrap_or(0))
}

fn info(hir: &Hir) -> Info {
    match hir.kind() {
        // The scan text is framed: START_MARK + text + END_MARK, so anchors become literals.
        HirKind::Look(Look::Start) => Info {
            exact: Some(single("\u{0}")),
            cnf: vec![],
        },
        HirKind::Look(Look::End) => Info {
            exact: Some(single("\u{1}")),
            cnf: vec![],
        },
        HirKind::Empty | HirKind::Look(_) => Info {
            exact: Some(single("")),
            cnf: vec![],
        },
        HirKind::Literal(lit) => match std::str::from_utf8(&lit.0) {
            Ok(s) => Info {
                exact: Some(single(&s.chars().map(norm_char).collect::<String>())),
                cnf: vec![],
            },
            Err(_) => Info {
                exact: None,
                cnf: vec![],
            },
        },
        HirKind::Class(Class::Unicode(cls)) => {
            let count: u32 = cls
                .ranges()
                .iter()
                .map(|r| r.end() as u32 - r.start() as u32 + 1)
                .sum();
            if count as usize > MAX_SET {
                return Info {
                    exact: None,
                    cnf: vec![],
                };
            }
            let set = cls
                .ranges()
                .iter()
                .flat_map(|r| (r.start()..=r.end()).map(|c| norm_char(c).to_string()))
                .collect();
            Info {
                exact: Some(set),
                cnf: vec![],
            }
        }
        HirKind::Class(Class::Bytes(cls)) => {
            let count: usize = cls
                .ranges()
                .iter()
                .map(|r| r.end() as usize - r.start() as usize + 1)
                .sum();
            if count > MAX_SET || cls.ranges().iter().any(|r| r.end() >= 0x80) {
                return Info {
                    exact: None,
                    cnf: vec![],
                };
            }
            let set = cls
                .ranges()
                .iter()
                .flat_map(|r| (r.start()..=r.end()).map(|b| norm_char(b as char).to_string()))
                .collect();
            Info {
                exact: Some(set),
                cnf: vec![],
            }
        }
        HirKind::Capture(cap) => info(&cap.sub),
        HirKind::Repetition(rep) => {
            let sub = info(&rep.sub);
            if rep.min == 1 && rep.max == Some(1) {
                return sub;
            }
            // A short bounded repetition of a small exact set (`x?`, ` {0,2}`, `[0-9]{2}`) is
            // itself a small exact set: every count, enumerated.
            if let (Some(e), Some(max)) = (&sub.exact, rep.max) {
                if max <= 4 {
                    let mut all = Set::new();
                    let mut power = single("");
                    let mut fits = true;
                    for n in 0..=max {
                        if n >= rep.min {
                            all.extend(power.iter().cloned());
                        }
                        if n < max {
                            match cross(&power, e) {
                                Some(p) => power = p,
                                None => {
                                    fits = false;
                                    break;
                                }
                            }
                        }
                    }
                    if fits && all.len() <= MAX_SET {
                        let mut cnf = if rep.min == 0 { vec![] } else { sub.cnf };
                        push_clause(&mut cnf, &all);
                        return Info {
                            exact: Some(all),
                            cnf,
                        };
                    }
                }
            }
            if rep.min == 0 {
                return Info {
                    exact: None,
                    cnf: vec![],
                };
            }
            let mut cnf = sub.cnf;
            if let Some(e) = &sub.exact {
                push_clause(&mut cnf, e);
            }
            Info { exact: None, cnf }
        }
        HirKind::Concat(subs) => {
            let mut cnf = Vec::new();
            let mut run = Some(single(""));
            let mut all_exact = true;
            for sub in subs {
                let si = info(sub);
                cnf.extend(si.cnf);
                match si.exact {
                    Some(e) => {
                        let current = run.take().unwrap_or_else(|| single(""));
                        run = match cross(&current, &e) {
                            Some(p) => Some(p),
                            None => {
                                push_clause(&mut cnf, &current);
                                all_exact = false;
                                Some(e)
                            }
                        };
                    }
                    None => {
                        if let Some(current) = run.take() {
                            push_clause(&mut cnf, &current);
                        }
                        all_exact = false;
                        run = Some(single(""));
                    }
                }
            }
            if let Some(current) = &run {
                push_clause(&mut cnf, current);
            }
            Info {
                exact: if all_exact { run } else { None },
                cnf,
            }
        }
        HirKind::Alternation(subs) => {
            let infos: Vec<Info> = subs.iter().map(info).collect();
            if infos.iter().all(|i| i.exact.is_some()) {
                let union: Set = infos
                    .iter()
                    .flat_map(|i| i.exact.clone().unwrap_or_default())
                    .collect();
                if union.len() <= MAX_WIDE {
                    let mut cnf = Vec::new();
                    push_clause(&mut cnf, &union);
                    return Info {
                        exact: Some(union),
                        cnf,
                    };
                }
            }
            let mut union = Set::new();
            for i in &infos {
                match best_clause(i) {
                    Some(c) => union.extend(c),
                    None => {
                        return Info {
                            exact: None,
                            cnf: vec![],
                        }
                    }
                }
            }
            let mut cnf = Vec::new();
            push_clause(&mut cnf, &union);
            Info { exact: None, cnf }
        }
    }
}

/// What `uaparser` does to a pattern before compiling it.
fn clean_escapes(pattern: &str) -> String {
    let mut out = String::with_capacity(pattern.len());
    let mut chars = pattern.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '\\' {
            if let Some(&n) = chars.peek() {
                if n == '!' || n == ' ' || n == '/' {
                    out.push(n);
                    chars.next();
                    continue;
                }
            }
            // Keep the escape and the escaped character together, so `\\!` stays as it is.
            out.push(c);
            if let Some(n) = chars.next() {
                out.push(n);
            }
            continue;
        }
        out.push(c);
    }
    out
}

/// The CNF of one rule, minimised: duplicate clauses and clauses implied by a stronger one
/// (a superset of another clause) are dropped.
/// The pattern uaparser compiles for a rule: escapes cleaned, `(?flag)` prepended.
fn rule_pattern(entry: &Entry) -> String {
    let regex = entry.0.get("regex").cloned().flatten().unwrap_or_default();
    let flag = entry
        .0
        .get("regex_flag")
        .cloned()
        .flatten()
        .unwrap_or_default();
    let pattern = if flag.is_empty() {
        regex
    } else {
        format!("(?{flag}){regex}")
    };
    clean_escapes(&pattern)
}

fn rule_cnf(entry: &Entry, what: &str, index: usize) -> Vec<Set> {
    let pattern = rule_pattern(entry);
    let hir = regex_syntax::ParserBuilder::new()
        .utf8(false)
        .build()
        .parse(&pattern)
        .unwrap_or_else(|e| panic!("{what} rule {index} does not parse: {e}"));
    let i = info(&hir);
    let mut cnf = i.cnf;
    if let Some(e) = &i.exact {
        push_clause(&mut cnf, e);
    }
    let mut uniq: Vec<Set> = cnf
        .into_iter()
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    uniq.sort_by_key(|c| c.len());
    let mut kept: Vec<Set> = Vec::new();
    for c in uniq {
        if !kept.iter().any(|k| k.is_subset(&c)) {
            kept.push(c);
        }
    }
    kept
}

fn bucket(b0: u8, b1: u8) -> usize {
    (b0 as usize * 131 + b1 as usize) & (BUCKETS - 1)
}

/// Appends `v` as an unsigned LEB128 varint.
fn leb128(out: &mut Vec<u8>, mut v: u32) {
    loop {
        let b = (v & 0x7f) as u8;
        v >>= 7;
        if v == 0 {
            out.push(b);
            return;
        }
        out.push(b | 0x80);
    }
}

fn main() {
    println!("cargo:rerun-if-changed=uap/regexes.yaml");
    println!("cargo:rerun-if-changed=build.rs");
    let exact = std::env::var_os("CARGO_FEATURE_UAPARSER_UNICODE").is_some();
    let yaml = std::fs::read_to_string("uap/regexes.yaml").expect("uap/regexes.yaml is readable");
    let file: RegexFile =
        serde_yaml::from_str(&yaml).expect("uap/regexes.yaml is a uap-core rule file");

    let categories = [
        ("UA_RULES", "user_agent", &file.user_agent_parsers),
        ("OS_RULES", "os", &file.os_parsers),
        ("DEVICE_RULES", "device", &file.device_parsers),
    ];

    // All rules' CNFs, with their literals interned.
    let mut per_category: Vec<Vec<Rule>> = Vec::new();
    let mut literals = Set::new();
    for (_, what, entries) in &categories {
        let mut rules = Vec::new();
        for (index, entry) in entries.iter().enumerate() {
            let cnf = rule_cnf(entry, what, index);
            for c in &cnf {
                literals.extend(c.iter().cloned());
            }
            let present: BTreeMap<&String, &String> = entry
                .0
                .iter()
                .filter_map(|(k, v)| v.as_ref().map(|v| (k, v)))
                .collect();
            let fields: &[&str] = match *what {
                "user_agent" => &[
                    "family_replacement",
                    "v1_replacement",
                    "v2_replacement",
                    "v3_replacement",
                ],
                "os" => &[
                    "os_replacement",
                    "os_v1_replacement",
                    "os_v2_replacement",
                    "os_v3_replacement",
                ],
                _ => &[
                    "device_replacement",
                    "brand_replacement",
                    "model_replacement",
                ],
            };
            let replacements: Vec<Option<String>> = fields
                .iter()
                .map(|f| entry.0.get(*f).cloned().flatten())
                .collect();
            rules.push((
                serde_json::to_string(&present).expect("a rule serialises"),
                rule_pattern(entry),
                cnf,
                replacements,
            ));
        }
        per_category.push(rules);
    }

    // Literal order: single bytes first, then by bucket of the first two bytes.
    let mut ordered: Vec<&String> = literals.iter().collect();
    ordered.sort_by_key(|l| {
        let b = l.as_bytes();
        if b.len() < 2 {
            (0, 0, b.first().copied().unwrap_or(0) as usize)
        } else {
            (1, bucket(b[0], b[1]), 0)
        }
    });
    let ids: BTreeMap<&String, usize> = ordered.iter().enumerate().map(|(i, l)| (*l, i)).collect();
    assert!(
        ordered.len() < u16::MAX as usize,
        "too many literals for u16 ids"
    );

    let mut out = String::new();
    writeln!(
        out,
        "// Generated by build.rs from uap/regexes.yaml; do not edit."
    )
    .unwrap();
    let hash = {
        // FNV-1a of the rule file: a cheap, stable version key for result caches.
        let mut h: u64 = 0xcbf29ce484222325;
        for b in yaml.as_bytes() {
            h ^= *b as u64;
            h = h.wrapping_mul(0x100000001b3);
        }
        h
    };
    writeln!(out, "/// FNV-1a hash of the embedded `regexes.yaml`.\npub const RULES_HASH: u64 = {hash:#018x};").unwrap();
    writeln!(
        out,
        "/// A short stable key of the embedded rules, for caches of derived results.\npub const RULES_VERSION: &str = \"uap-core/{hash:016x}\";"
    )
    .unwrap();
    writeln!(
        out,
        "/// [`RULES_VERSION`] and the crate's version: the key of stored derivations.\npub const DERIVATION_VERSION: &str = \"uap-core/{hash:016x}+{}\";",
        std::env::var("CARGO_PKG_VERSION").expect("cargo sets CARGO_PKG_VERSION")
    )
    .unwrap();
    writeln!(out, "pub(crate) const BUCKET_COUNT: usize = {BUCKETS};").unwrap();
    // All literals in one blob, each as long as its `LITERAL_LEN` entry (no per-literal slices
    // or offsets: pointers and offsets compress far worse than short lengths in the wasm).
    assert!(
        ordered.len() < usize::from(u16::MAX),
        "literal ids fit in u16"
    );
    let mut blob = Vec::new();
    let mut lens = Vec::new();
    for l in &ordered {
        blob.extend_from_slice(l.as_bytes());
        lens.push(u8::try_from(l.len()).expect("a literal is at most 255 bytes"));
    }
    writeln!(out, "pub(crate) static LITERAL_BYTES: &[u8] = &{blob:?};").unwrap();
    writeln!(
        out,
        "pub(crate) static LITERAL_LEN: [u8; {}] = {lens:?};",
        lens.len()
    )
    .unwrap();
    // Single-byte literal of each byte value, u16::MAX when none.
    let mut singles = vec![u16::MAX; 256];
    let mut starts = vec![0u16; BUCKETS + 1];
    let mut counts = vec![0u16; BUCKETS];
    let mut first_multi = ordered.len();
    for (i, l) in ordered.iter().enumerate() {
        let b = l.as_bytes();
        if b.len() == 1 {
            singles[b[0] as usize] = i as u16;
        } else {
            first_multi = first_multi.min(i);
            counts[bucket(b[0], b[1])] += 1;
        }
    }
    let mut acc = first_multi as u16;
    for (k, c) in counts.iter().enumerate() {
        starts[k] = acc;
        acc += c;
    }
    starts[BUCKETS] = acc;
    writeln!(
        out,
        "pub(crate) static SINGLE_BYTE: [u16; 256] = {singles:?};"
    )
    .unwrap();
    writeln!(
        out,
        "pub(crate) static BUCKET_START: [u16; {}] = {starts:?};",
        BUCKETS + 1
    )
    .unwrap();
    // Per category: the patterns concatenated, with each one's length; the replacement
    // records likewise; every rule's clauses in one varint table (see below); and with
    // `uaparser-unicode` the rules' JSON, concatenated with lengths. Lengths, not offsets or
    // per-rule slices: they compress best, and the run-time walk over the rules sums them.
    let mut classes: BTreeMap<ClassBits, u8> = BTreeMap::new();
    for ((name, what, _), rules) in categories.iter().zip(&per_category) {
        let mut programs: Vec<u8> = Vec::new();
        let mut program_len: Vec<u16> = Vec::new();
        for (index, (_, pattern, _, _)) in rules.iter().enumerate() {
            let hir = regex_syntax::Parser::new()
                .parse(pattern)
                .unwrap_or_else(|e| panic!("{what} rule {index} does not parse: {e}"));
            let program = Program::compile(&hir, &mut classes)
                .unwrap_or_else(|e| panic!("{what} rule {index} does not compile: {e}"));
            programs.extend_from_slice(&program);
            program_len.push(u16::try_from(program.len()).expect("a program is under 64 KiB"));
        }
        writeln!(
            out,
            "pub(crate) static {name}_PROGRAMS: &[u8] = &{programs:?};"
        )
        .unwrap();
        writeln!(
            out,
            "pub(crate) static {name}_PROGRAM_LEN: &[u16] = &{program_len:?};"
        )
        .unwrap();
        let mut patterns = String::new();
        let mut pattern_len: Vec<u16> = Vec::new();
        let mut records = String::new();
        let mut record_len: Vec<u16> = Vec::new();
        let mut jsons = String::new();
        let mut json_len: Vec<u16> = Vec::new();
        // Per clause its sorted literal ids as LEB128 deltas (the first id + 1), then 0; a rule
        // ends with one more 0 (an empty clause). A third the size of plain u16 ids compressed.
        let mut flat: Vec<u8> = Vec::new();
        let len16 = |s: &str| u16::try_from(s.len()).expect("a rule field is under 64 KiB");
        for (json, pattern, cnf, replacements) in rules {
            patterns.push_str(pattern);
            pattern_len.push(len16(pattern));
            jsons.push_str(json);
            json_len.push(len16(json));
            for c in cnf {
                let mut sorted: Vec<u32> = c
                    .iter()
                    .map(|l| u32::from(u16::try_from(ids[l]).expect("literal ids fit in u16")))
                    .collect();
                sorted.sort_unstable();
                sorted.dedup();
                assert!(!sorted.is_empty(), "an empty clause");
                let mut prev: Option<u32> = None;
                for id in sorted {
                    leb128(&mut flat, prev.map_or(id + 1, |p| id - p));
                    prev = Some(id);
                }
                flat.push(0);
            }
            flat.push(0);
            // Replacement fields joined by FIELD_SEP, an absent one written as ABSENT.
            let fields: Vec<&str> = replacements
                .iter()
                .map(|r| {
                    let r = r.as_deref().unwrap_or(ABSENT);
                    assert!(
                        r == ABSENT || !r.contains([FIELD_SEP, ABSENT.chars().next().unwrap()]),
                        "a replacement contains a separator"
                    );
                    r
                })
                .collect();
            let record = fields.join(&FIELD_SEP.to_string());
            records.push_str(&record);
            record_len.push(len16(&record));
        }
        writeln!(
            out,
            "pub(crate) const {name}_COUNT: usize = {};",
            rules.len()
        )
        .unwrap();
        writeln!(
            out,
            "pub(crate) static {name}_PATTERNS: &str = {patterns:?};"
        )
        .unwrap();
        writeln!(
            out,
            "pub(crate) static {name}_PATTERN_LEN: &[u16] = &{pattern_len:?};"
        )
        .unwrap();
        writeln!(
            out,
            "pub(crate) static {name}_REPLACEMENTS: &str = {records:?};"
        )
        .unwrap();
        writeln!(
            out,
            "pub(crate) static {name}_REPLACEMENT_LEN: &[u16] = &{record_len:?};"
        )
        .unwrap();
        writeln!(out, "pub(crate) static {name}_CNF: &[u8] = &{flat:?};").unwrap();
        // The rules' JSON only feeds one-rule uaparser parsers (feature `uaparser-unicode`).
        if exact {
            writeln!(out, "pub(crate) static {name}_JSON: &str = {jsons:?};").unwrap();
            writeln!(
                out,
                "pub(crate) static {name}_JSON_LEN: &[u16] = &{json_len:?};"
            )
            .unwrap();
        }
    }
    // The character classes the programs use, by id: ASCII bitmap (low, high 64 bits) and
    // whether every non-ASCII character is in the class.
    let mut by_id: Vec<(&ClassBits, &u8)> = classes.iter().collect();
    by_id.sort_by_key(|(_, id)| **id);
    let rows: Vec<String> = by_id
        .iter()
        .map(|(c, _)| {
            format!(
                "({}, {}, {})",
                c.bits as u64,
                (c.bits >> 64) as u64,
                c.non_ascii
            )
        })
        .collect();
    writeln!(
        out,
        "pub(crate) static CLASSES: &[(u64, u64, bool)] = &[{}];",
        rows.join(", ")
    )
    .unwrap();
    let path =
        PathBuf::from(std::env::var("OUT_DIR").expect("OUT_DIR is set")).join("uap_tables.rs");
    std::fs::write(path, out).expect("OUT_DIR is writable");
}

// ---------------------------------------------------------------------------------------------
// Rule programs: each rule's regex compiled here, once, into a compact program that
// `src/context/rule_program.rs` runs with a bounded backtracker (no regex parsed or compiled at
// run time). The format is documented there; the opcodes are that module's own.

#[path = "src/context/rule_opcodes.rs"]
mod rule_opcodes;
use rule_opcodes::*;

/// A character class as the run-time matcher sees it: which ASCII characters are in it, and
/// whether every non-ASCII character is (`.`, `[^;]`). On ASCII text (the only text these
/// programs decide for with `uaparser-unicode`) this equals the Unicode class.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
struct ClassBits {
    bits: u128,
    non_ascii: bool,
}

impl ClassBits {
    fn of(class: &Class) -> Result<ClassBits, String> {
        let Class::Unicode(class) = class else {
            return Err("a byte class".into());
        };
        let mut bits = 0u128;
        // The first non-ASCII scalar value not yet known to be in the class.
        let mut next = 0x80u32;
        for r in class.ranges() {
            let (start, end) = (u32::from(r.start()), u32::from(r.end()));
            for b in start..=end.min(0x7f) {
                bits |= 1 << b;
            }
            let start = if start == 0xe000 && next == 0xd800 {
                next
            } else {
                start
            };
            if end >= 0x80 && start <= next {
                next = next.max(end + 1);
            }
        }
        Ok(ClassBits {
            bits,
            non_ascii: next > 0x10ffff,
        })
    }
}

/// The ASCII letter a class stands for in a case-insensitive pattern, if it is one (`[Kk]`, or
/// `(?i)k`'s `[Kk\u{212A}]` on ASCII text).
fn folded_letter(class: &ClassBits) -> Option<u8> {
    (b'a'..=b'z').find(|&l| !class.non_ascii && class.bits == (1 << l | 1 << (l - 32)))
}

/// `hir` as text units when it is plain text: printable ASCII bytes as themselves,
/// case-insensitive letters as `0x80 | letter`.
fn text_units(hir: &Hir) -> Option<Vec<u8>> {
    match hir.kind() {
        HirKind::Empty => Some(Vec::new()),
        HirKind::Literal(lit) => lit
            .0
            .iter()
            .map(|&b| (0x20..0x7f).contains(&b).then_some(b))
            .collect(),
        HirKind::Class(c) => Some(vec![0x80 | folded_letter(&ClassBits::of(c).ok()?)?]),
        HirKind::Concat(hirs) => hirs
            .iter()
            .map(text_units)
            .collect::<Option<Vec<_>>>()
            .map(|v| v.concat()),
        _ => None,
    }
}

/// One rule's program under construction.
struct Program<'a> {
    code: Vec<u8>,
    classes: &'a mut BTreeMap<ClassBits, u8>,
}

impl<'a> Program<'a> {
    /// The program of `hir`: the number of capture slots, the body, `MATCH` (group 0's slots are
    /// set by the matcher).
    fn compile(hir: &Hir, classes: &'a mut BTreeMap<ClassBits, u8>) -> Result<Vec<u8>, String> {
        let groups = hir.properties().explicit_captures_len() + 1;
        let slots = u8::try_from(2 * groups).map_err(|_| "too many groups")?;
        let mut p = Program {
            code: vec![slots],
            classes,
        };
        p.emit(hir)?;
        p.code.push(OP_MATCH);
        u16::try_from(p.code.len()).map_err(|_| "a program over 64 KiB")?;
        Ok(p.code)
    }

    fn class(&mut self, c: ClassBits) -> Result<u8, String> {
        let next = self.classes.len();
        match self.classes.get(&c) {
            Some(&id) => Ok(id),
            None => {
                let id = u8::try_from(next).map_err(|_| "over 256 distinct classes")?;
                self.classes.insert(c, id);
                Ok(id)
            }
        }
    }

    fn save(&mut self, slot: u8) {
        if slot < 16 {
            self.code.push(OP_SAVE_SHORT | slot);
        } else {
            self.code.extend([OP_SAVE, slot]);
        }
    }

    /// Emits a jump-like instruction with a placeholder target; returns where to patch.
    fn jump(&mut self, op: u8) -> usize {
        self.code.extend([op, 0, 0]);
        self.code.len() - 2
    }

    /// Sets the target of the jump-like instruction whose operand is at `at`: stored relative
    /// to the instruction (small numbers, which compress far better than absolute offsets).
    fn patch(&mut self, at: usize, target: usize) -> Result<(), String> {
        let relative = target as i64 - (at as i64 - 1);
        let t = i16::try_from(relative).map_err(|_| "a jump over 32 KiB")?;
        self.code[at..at + 2].copy_from_slice(&t.to_le_bytes());
        Ok(())
    }

    fn emit(&mut self, hir: &Hir) -> Result<(), String> {
        match hir.kind() {
            HirKind::Empty => {}
            HirKind::Literal(lit) => {
                for &b in lit.0.iter() {
                    if (0x20..0x7f).contains(&b) {
                        self.code.push(b);
                    } else {
                        self.code.extend([OP_BYTE, b]);
                    }
                }
            }
            HirKind::Class(c) => {
                let class = ClassBits::of(c)?;
                match folded_letter(&class) {
                    // `(?i)` letters, the bulk of case-insensitive rules: one byte.
                    Some(l) => self.code.push(0x80 | l),
                    _ => {
                        let id = self.class(class)?;
                        self.code.extend([OP_CLASS, id]);
                    }
                }
            }
            HirKind::Look(look) => self.code.push(match look {
                Look::Start => OP_START,
                Look::End => OP_END,
                Look::WordUnicode | Look::WordAscii => OP_WORD,
                Look::WordUnicodeNegate | Look::WordAsciiNegate => OP_NOT_WORD,
                other => return Err(format!("unsupported assertion {other:?}")),
            }),
            HirKind::Repetition(r) => self.repetition(r)?,
            HirKind::Capture(c) => {
                let slot = u8::try_from(2 * c.index).map_err(|_| "too many groups")?;
                self.save(slot);
                self.emit(&c.sub)?;
                self.save(slot + 1);
            }
            HirKind::Concat(hirs) => {
                for h in hirs {
                    self.emit(h)?;
                }
            }
            HirKind::Alternation(alts) => {
                // Runs of consecutive alternatives that are plain text (e.g. a list of model
                // names) become one ALTS instruction each, every alternative prefixed by its
                // length; the runs and any other alternatives are joined by splits, in order.
                let mut choices: Vec<Result<Vec<Vec<u8>>, &Hir>> = Vec::new();
                for alt in alts {
                    match text_units(alt).filter(|u| u.len() < 256) {
                        Some(units) => match choices.last_mut() {
                            Some(Ok(run)) if run.len() < 255 => run.push(units),
                            _ => choices.push(Ok(vec![units])),
                        },
                        None => choices.push(Err(alt)),
                    }
                }
                let mut to_end = Vec::new();
                let last = choices.len() - 1;
                for (i, choice) in choices.into_iter().enumerate() {
                    let split = (i < last).then(|| self.jump(OP_SPLIT));
                    match choice {
                        Ok(run) => {
                            self.code.extend([OP_ALTS, run.len() as u8]);
                            for units in run {
                                self.code.push(units.len() as u8);
                                self.code.extend(units);
                            }
                        }
                        Err(alt) => self.emit(alt)?,
                    }
                    if let Some(split) = split {
                        to_end.push(self.jump(OP_JUMP));
                        self.patch(split, self.code.len())?;
                    }
                }
                for at in to_end {
                    self.patch(at, self.code.len())?;
                }
            }
        }
        Ok(())
    }

    /// `sub{min,max}`: one REPEAT instruction when `sub` is a single character (the common
    /// `[^;]+`, `.{0,200}`); otherwise copies of `sub` joined by splits.
    fn repetition(&mut self, r: &Repetition) -> Result<(), String> {
        let single = match r.sub.kind() {
            HirKind::Class(c) => Some(ClassBits::of(c)?),
            HirKind::Literal(l) if l.0.len() == 1 && l.0[0] < 0x80 => Some(ClassBits {
                bits: 1 << l.0[0],
                non_ascii: false,
            }),
            _ => None,
        };
        let min = u16::try_from(r.min).ok().filter(|&m| m < UNBOUNDED_WIDE);
        let max = match r.max {
            None => Some(UNBOUNDED_WIDE),
            Some(m) => u16::try_from(m).ok().filter(|&m| m < UNBOUNDED_WIDE),
        };
        if let (Some(class), Some(min), Some(max)) = (single, min, max) {
            let id = self.class(class)?;
            // Bounds in a byte each (255 = unbounded) when they fit, else in a u16 each.
            let narrow = |b: u16| {
                if b == UNBOUNDED_WIDE {
                    Some(UNBOUNDED)
                } else {
                    u8::try_from(b).ok().filter(|&b| b < UNBOUNDED)
                }
            };
            match (narrow(min), narrow(max)) {
                (Some(min), Some(max)) => {
                    let op = if r.greedy { OP_REPEAT } else { OP_REPEAT_LAZY };
                    self.code.extend([op, id, min, max]);
                }
                _ => {
                    let op = if r.greedy {
                        OP_REPEAT_WIDE
                    } else {
                        OP_REPEAT_LAZY_WIDE
                    };
                    self.code.extend([op, id]);
                    self.code.extend(min.to_le_bytes());
                    self.code.extend(max.to_le_bytes());
                }
            }
            return Ok(());
        }
        // Greedy prefers entering `sub` (again), lazy prefers going on: a split forward past
        // `sub` tries the next instruction first when greedy, a split back to `sub` its target.
        let (forward, backward) = if r.greedy {
            (OP_SPLIT, OP_SPLIT_JUMP)
        } else {
            (OP_SPLIT_JUMP, OP_SPLIT)
        };
        match r.max {
            None if r.min > 0 => {
                for _ in 1..r.min {
                    self.emit(&r.sub)?;
                }
                let top = self.code.len();
                self.emit(&r.sub)?;
                // Back to `top` (greedy: first) or on.
                let back = self.jump(backward);
                self.patch(back, top)?;
            }
            None => {
                let top = self.code.len();
                let split = self.jump(forward);
                self.emit(&r.sub)?;
                let back = self.jump(OP_JUMP);
                self.patch(back, top)?;
                self.patch(split, self.code.len())?;
            }
            Some(max) => {
                for _ in 0..r.min {
                    self.emit(&r.sub)?;
                }
                let mut splits = Vec::new();
                for _ in r.min..max {
                    splits.push(self.jump(forward));
                    self.emit(&r.sub)?;
                }
                for at in splits {
                    self.patch(at, self.code.len())?;
                }
            }
        }
        Ok(())
    }
}
