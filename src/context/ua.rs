//! User-Agent parsing over the uap-core rules with `uaparser`'s semantics, made cheap cold.
//!
//! Plain `uaparser` compiles all ~1,270 rule regexes up front with the regex crate (900 ms and
//! ~190 MB of wasm memory in Chromium); even one regex-crate regex costs tens of milliseconds
//! cold in a browser, mostly V8 compiling the regex crate's code on first use. Here:
//!
//! 1. `build.rs` extracts, for every rule, the literals any match must contain (a conjunction of
//!    alternative sets), compiles its regex into a small program for [`rule_program`]'s
//!    backtracker, and stores both with the rule's replacement fields in static tables.
//! 2. At run time the normalised user agent (ASCII lowercase, see [`normalise`]) is scanned once
//!    for all literals; the rules whose every clause has a literal present are the candidates,
//!    kept in the file's order.
//! 3. On ASCII text (all real user agents) each candidate's program runs, in order, and its
//!    captures are turned into a result by uaparser 0.6.4's own result rules (replacements,
//!    `$n` expansion, empty captures; the private `lite` module). No regex is parsed or compiled
//!    at run time: the cold cost is the few functions of the matcher. The first candidate that
//!    yields a result wins — uaparser's first-match semantics, including rules that match but
//!    yield nothing (an empty family capture).
//! 4. Any other text goes through `uaparser` itself: a one-rule `UserAgentParser` (the rule plus
//!    an always-matching sentinel) per candidate, Unicode on as in plain uaparser.
//!
//! The result equals `UserAgentParser::from_bytes(regexes.yaml)?.parse(ua)` for every input:
//! `tests/conformance.rs` proves it on all uap-core fixtures and a large generated list, a unit
//! test checks every rule's program against the regex crate, and the fuzz target
//! `derive_browser` compares the two. Results are kept per user-agent string in a small bounded
//! cache.

use std::borrow::Cow;
use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Mutex, OnceLock};

use uaparser::{Client, Device, Parser, UserAgent, UserAgentParser, OS};

use super::rule_program::{self, Captures};

/// One uap-core rule: views into the tables build.rs generated (see [`RuleWalk`]).
#[derive(Clone, Copy)]
pub(crate) struct Rule {
    /// The rule as a JSON object, fields as in `regexes.yaml` (for one-rule uaparser parsers).
    #[cfg(feature = "uaparser-unicode")]
    pub json: &'static str,
    /// The pattern uaparser compiles for it (escapes cleaned, `(?flag)` prepended).
    #[cfg(test)]
    pub pattern: &'static str,
    /// The pattern compiled by build.rs for [`rule_program`](super::rule_program).
    pub program: &'static [u8],
    /// The rule's replacement fields joined by [`FIELD_SEP`], [`ABSENT`] for a missing one:
    /// `family_replacement`, `v1_replacement`, `v2_replacement`, `v3_replacement` (user agent);
    /// `os_replacement`, `os_v1_replacement`…`os_v3_replacement` (OS); `device_replacement`,
    /// `brand_replacement`, `model_replacement` (device).
    pub replacements: &'static str,
}

/// Separates [`Rule::replacements`] fields.
const FIELD_SEP: char = '\u{1f}';
/// An absent replacement field.
const ABSENT: &str = "\u{1e}";

impl Rule {
    /// Replacement field `i` (see [`Rule::replacements`]).
    fn replacement(&self, i: usize) -> Option<&'static str> {
        self.replacements
            .split(FIELD_SEP)
            .nth(i)
            .filter(|&f| f != ABSENT)
    }
}

mod tables {
    // The rule patterns are read by tests only.
    #![allow(clippy::all, clippy::pedantic, missing_docs, dead_code)]
    include!(concat!(env!("OUT_DIR"), "/uap_tables.rs"));
}

use tables::{BUCKET_COUNT, BUCKET_START, LITERAL_BYTES, LITERAL_LEN, SINGLE_BYTE};

/// Where each literal ends in `LITERAL_BYTES` (the running sum of `LITERAL_LEN`), computed once:
/// the tables store lengths, which compress far better in the wasm than offsets.
fn literal_ends() -> &'static [u32] {
    static ENDS: OnceLock<Vec<u32>> = OnceLock::new();
    ENDS.get_or_init(|| {
        let mut end = 0u32;
        LITERAL_LEN
            .iter()
            .map(|&len| {
                end += u32::from(len);
                end
            })
            .collect()
    })
}

/// A category's tables as build.rs wrote them: every field concatenated with per-rule lengths,
/// and the clauses as a LEB128 stream (per clause its sorted literal ids as deltas, the first
/// id + 1, then a 0; one more 0 ends a rule).
struct Table {
    count: usize,
    #[cfg(test)]
    patterns: &'static str,
    #[cfg(test)]
    pattern_len: &'static [u16],
    programs: &'static [u8],
    program_len: &'static [u16],
    replacements: &'static str,
    replacement_len: &'static [u16],
    cnf: &'static [u8],
    #[cfg(feature = "uaparser-unicode")]
    json: &'static str,
    #[cfg(feature = "uaparser-unicode")]
    json_len: &'static [u16],
}

macro_rules! table {
    ($count:ident, $patterns:ident, $pattern_len:ident, $programs:ident, $program_len:ident,
     $replacements:ident, $replacement_len:ident, $cnf:ident, $json:ident, $json_len:ident) => {
        Table {
            count: tables::$count,
            #[cfg(test)]
            patterns: tables::$patterns,
            #[cfg(test)]
            pattern_len: tables::$pattern_len,
            programs: tables::$programs,
            program_len: tables::$program_len,
            replacements: tables::$replacements,
            replacement_len: tables::$replacement_len,
            cnf: tables::$cnf,
            #[cfg(feature = "uaparser-unicode")]
            json: tables::$json,
            #[cfg(feature = "uaparser-unicode")]
            json_len: tables::$json_len,
        }
    };
}

static UA_TABLE: Table = table!(
    UA_RULES_COUNT,
    UA_RULES_PATTERNS,
    UA_RULES_PATTERN_LEN,
    UA_RULES_PROGRAMS,
    UA_RULES_PROGRAM_LEN,
    UA_RULES_REPLACEMENTS,
    UA_RULES_REPLACEMENT_LEN,
    UA_RULES_CNF,
    UA_RULES_JSON,
    UA_RULES_JSON_LEN
);
static OS_TABLE: Table = table!(
    OS_RULES_COUNT,
    OS_RULES_PATTERNS,
    OS_RULES_PATTERN_LEN,
    OS_RULES_PROGRAMS,
    OS_RULES_PROGRAM_LEN,
    OS_RULES_REPLACEMENTS,
    OS_RULES_REPLACEMENT_LEN,
    OS_RULES_CNF,
    OS_RULES_JSON,
    OS_RULES_JSON_LEN
);
static DEVICE_TABLE: Table = table!(
    DEVICE_RULES_COUNT,
    DEVICE_RULES_PATTERNS,
    DEVICE_RULES_PATTERN_LEN,
    DEVICE_RULES_PROGRAMS,
    DEVICE_RULES_PROGRAM_LEN,
    DEVICE_RULES_REPLACEMENTS,
    DEVICE_RULES_REPLACEMENT_LEN,
    DEVICE_RULES_CNF,
    DEVICE_RULES_JSON,
    DEVICE_RULES_JSON_LEN
);

/// Walks a category's rules in the file's order, straight over the tables (nothing unpacked or
/// allocated): with `found`, only the candidates (a literal of every clause present); without,
/// every rule. Yields each rule's index and fields.
struct RuleWalk<'a> {
    table: &'static Table,
    found: Option<&'a [u64]>,
    rule: usize,
    cnf_at: usize,
    #[cfg(test)]
    pattern_at: usize,
    program_at: usize,
    replacement_at: usize,
    #[cfg(feature = "uaparser-unicode")]
    json_at: usize,
}

impl<'a> RuleWalk<'a> {
    fn new(table: &'static Table, found: Option<&'a [u64]>) -> Self {
        RuleWalk {
            table,
            found,
            rule: 0,
            cnf_at: 0,
            #[cfg(test)]
            pattern_at: 0,
            program_at: 0,
            replacement_at: 0,
            #[cfg(feature = "uaparser-unicode")]
            json_at: 0,
        }
    }

    /// The next LEB128 number of the clause stream (0 at its end).
    fn varint(&mut self) -> u32 {
        let cnf = self.table.cnf;
        let mut v = 0u32;
        let mut shift = 0;
        while let Some(&b) = cnf.get(self.cnf_at) {
            self.cnf_at += 1;
            if shift < 32 {
                v |= u32::from(b & 0x7f) << shift;
            }
            shift += 7;
            if b & 0x80 == 0 {
                break;
            }
        }
        v
    }

    /// Reads the current rule's clauses: whether each has a literal in `found`.
    fn clauses_hold(&mut self, found: &[u64]) -> bool {
        let mut holds = true;
        let mut in_clause = false;
        let mut hit = false;
        let mut id = 0u32;
        while self.cnf_at < self.table.cnf.len() {
            match self.varint() {
                0 if in_clause => {
                    holds &= hit;
                    in_clause = false;
                    hit = false;
                }
                0 => break,
                delta => {
                    id = if in_clause {
                        id.saturating_add(delta)
                    } else {
                        delta - 1
                    };
                    in_clause = true;
                    if holds && !hit {
                        let word = found.get(id as usize / 64).copied().unwrap_or(0);
                        hit = word & (1 << (id % 64)) != 0;
                    }
                }
            }
        }
        holds
    }
}

impl Iterator for RuleWalk<'_> {
    type Item = (usize, Rule);

    fn next(&mut self) -> Option<(usize, Rule)> {
        let t = self.table;
        while self.rule < t.count {
            let index = self.rule;
            self.rule += 1;
            let holds = match self.found {
                Some(found) => self.clauses_hold(found),
                None => {
                    self.clauses_hold(&[]);
                    true
                }
            };
            let len = |lens: &[u16]| usize::from(lens.get(index).copied().unwrap_or(0));
            #[cfg(test)]
            let pattern_at = self.pattern_at;
            #[cfg(test)]
            {
                self.pattern_at += len(t.pattern_len);
            }
            let (program_at, replacement_at) = (self.program_at, self.replacement_at);
            self.program_at += len(t.program_len);
            self.replacement_at += len(t.replacement_len);
            #[cfg(feature = "uaparser-unicode")]
            let json_at = self.json_at;
            #[cfg(feature = "uaparser-unicode")]
            {
                self.json_at += len(t.json_len);
            }
            // Only a candidate's fields are sliced (a `str` slice checks char boundaries).
            if holds {
                let rule = Rule {
                    #[cfg(feature = "uaparser-unicode")]
                    json: t.json.get(json_at..self.json_at).unwrap_or_default(),
                    #[cfg(test)]
                    pattern: t
                        .patterns
                        .get(pattern_at..self.pattern_at)
                        .unwrap_or_default(),
                    program: t
                        .programs
                        .get(program_at..self.program_at)
                        .unwrap_or_default(),
                    replacements: t
                        .replacements
                        .get(replacement_at..self.replacement_at)
                        .unwrap_or_default(),
                };
                return Some((index, rule));
            }
        }
        None
    }
}

pub use tables::{DERIVATION_VERSION, RULES_HASH, RULES_VERSION};

/// The embedded uap-core `regexes.yaml` the tables were generated from (for reference parsers
/// in tests and benchmarks; the derivation itself never parses it).
pub const REGEXES_YAML: &[u8] = include_bytes!("../../uap/regexes.yaml");

/// The family of the sentinel rule, never produced by a real rule.
const SENTINEL: &str = "~evolvy-sentinel~";

/// Results kept in the per-string cache before it is cleared.
const RESULT_CACHE_CAPACITY: usize = 64;

#[derive(Clone, Copy, PartialEq, Eq)]
enum Category {
    UserAgent,
    Os,
    Device,
}

impl Category {
    fn table(self) -> &'static Table {
        match self {
            Category::UserAgent => &UA_TABLE,
            Category::Os => &OS_TABLE,
            Category::Device => &DEVICE_TABLE,
        }
    }

    /// The category's candidate rules for the literals `found`, in the file's order.
    fn candidates(self, found: &[u64]) -> RuleWalk<'_> {
        RuleWalk::new(self.table(), Some(found))
    }

    /// Every rule of the category, in the file's order.
    #[cfg(test)]
    fn rules(self) -> RuleWalk<'static> {
        RuleWalk::new(self.table(), None)
    }

    /// A rule file with `rule` followed by an always-matching sentinel rule.
    #[cfg(feature = "uaparser-unicode")]
    fn document(self, rule: &str) -> String {
        match self {
            Category::UserAgent => format!(
                r#"{{"user_agent_parsers":[{rule},{{"regex":"","family_replacement":"{SENTINEL}"}}],"os_parsers":[],"device_parsers":[]}}"#
            ),
            Category::Os => format!(
                r#"{{"user_agent_parsers":[],"os_parsers":[{rule},{{"regex":"","os_replacement":"{SENTINEL}"}}],"device_parsers":[]}}"#
            ),
            Category::Device => format!(
                r#"{{"user_agent_parsers":[],"os_parsers":[],"device_parsers":[{rule},{{"regex":"","device_replacement":"{SENTINEL}"}}]}}"#
            ),
        }
    }
}

static PARSERS_BUILT: AtomicUsize = AtomicUsize::new(0);
static RESULT_HITS: AtomicUsize = AtomicUsize::new(0);
static RESULT_MISSES: AtomicUsize = AtomicUsize::new(0);

/// A uaparser parser of `rule` followed by an always-matching sentinel rule, Unicode on
/// as in plain uaparser (not kept, like [`lite_regex`]).
#[cfg(feature = "uaparser-unicode")]
fn rule_parser(category: Category, rule: &Rule) -> Option<UserAgentParser> {
    PARSERS_BUILT.fetch_add(1, Ordering::Relaxed);
    let doc = category.document(rule.json);
    UserAgentParser::try_from(serde_json::from_str(&doc).ok()?).ok()
}

/// The text the literal scan runs over: `\0` + the user agent + `\x01` (the markers stand for
/// the `^` and `$` anchors), with ASCII letters lowercased and the two non-ASCII characters that
/// case-fold to ASCII letters in Unicode regexes (KELVIN SIGN, LONG S) mapped to `k` and `s`,
/// exactly as build.rs normalises the literals.
pub fn normalise(user_agent: &str) -> Vec<u8> {
    let mut out = Vec::with_capacity(user_agent.len() + 2);
    out.push(0);
    if user_agent.is_ascii() {
        out.extend(user_agent.bytes().map(|b| b.to_ascii_lowercase()));
    } else {
        let mut buf = [0u8; 4];
        for c in user_agent.chars() {
            let c = match c {
                '\u{212A}' => 'k',
                '\u{17F}' => 's',
                c => c.to_ascii_lowercase(),
            };
            out.extend_from_slice(c.encode_utf8(&mut buf).as_bytes());
        }
    }
    out.push(1);
    out
}

#[inline(always)]
fn bucket(b0: u8, b1: u8) -> usize {
    (b0 as usize * 131 + b1 as usize) & (BUCKET_COUNT - 1)
}

/// Which literals occur in `text`, as a bitset over literal ids.
fn scan(text: &[u8]) -> Vec<u64> {
    let ends = literal_ends();
    let mut found = vec![0u64; ends.len().div_ceil(64)];
    for (i, &b0) in text.iter().enumerate() {
        let id = SINGLE_BYTE[b0 as usize];
        if id != u16::MAX {
            found[id as usize / 64] |= 1 << (id % 64);
        }
        let Some(&b1) = text.get(i + 1) else { break };
        let k = bucket(b0, b1);
        let (first, last) = (BUCKET_START[k], BUCKET_START[k + 1]);
        if first == last {
            continue;
        }
        // A bucket's literals lie next to each other in LITERAL_BYTES.
        let rest = &text[i..];
        let first_len = usize::from(LITERAL_LEN[usize::from(first)]);
        let mut at = ends[usize::from(first)] as usize - first_len;
        for id in first..last {
            let len = usize::from(LITERAL_LEN[usize::from(id)]);
            if rest
                .get(..len)
                .is_some_and(|r| Some(r) == LITERAL_BYTES.get(at..at + len))
            {
                found[usize::from(id) / 64] |= 1 << (id % 64);
            }
            at += len;
        }
    }
    found
}

/// How many candidate rules the prefilter leaves for `user_agent`: (user agent, OS, device).
pub fn candidate_counts(user_agent: &str) -> (usize, usize, usize) {
    let found = scan(&normalise(user_agent));
    (
        Category::UserAgent.candidates(&found).count(),
        Category::Os.candidates(&found).count(),
        Category::Device.candidates(&found).count(),
    )
}

fn owned(s: Cow<'_, str>) -> Cow<'static, str> {
    Cow::Owned(s.into_owned())
}

fn owned_opt(s: Option<Cow<'_, str>>) -> Option<Cow<'static, str>> {
    s.map(owned)
}

fn parse_uncached(user_agent: &str) -> Client<'static> {
    let found = scan(&normalise(user_agent));
    let ua = first_result(
        Category::UserAgent,
        &found,
        user_agent,
        lite::user_agent,
        |p| {
            let r = p.parse_user_agent(user_agent);
            (r.family != SENTINEL).then(|| UserAgent {
                family: owned(r.family),
                major: owned_opt(r.major),
                minor: owned_opt(r.minor),
                patch: owned_opt(r.patch),
            })
        },
    )
    .unwrap_or_default();
    let os = first_result(Category::Os, &found, user_agent, lite::os, |p| {
        let r = p.parse_os(user_agent);
        (r.family != SENTINEL).then(|| OS {
            family: owned(r.family),
            major: owned_opt(r.major),
            minor: owned_opt(r.minor),
            patch: owned_opt(r.patch),
            patch_minor: owned_opt(r.patch_minor),
        })
    })
    .unwrap_or_default();
    let device = first_result(Category::Device, &found, user_agent, lite::device, |p| {
        let r = p.parse_device(user_agent);
        (r.family != SENTINEL).then(|| Device {
            family: owned(r.family),
            brand: owned_opt(r.brand),
            model: owned_opt(r.model),
        })
    })
    .unwrap_or_default();
    Client {
        device,
        os,
        user_agent: ua,
    }
}

/// uaparser's first-match loop over the candidate rules of `category`, in file order.
///
/// Each candidate's program runs ([`rule_program`]) and its captures are turned into a result
/// by uaparser's result rules ([`lite`]). With the `uaparser-unicode` feature (default),
/// non-ASCII text goes through one-rule uaparser parsers instead (`parse`), so even there the
/// answer is plain uaparser's; without it, the programs' ASCII-only `\d`, `\w`, `\s`, `\b` and
/// `(?i)` apply to non-ASCII text too, and the regex crate is left out of the binary.
fn first_result<T>(
    category: Category,
    found: &[u64],
    user_agent: &str,
    apply: fn(&Rule, &Captures<'_>) -> Option<T>,
    parse: impl Fn(&UserAgentParser) -> Option<T>,
) -> Option<T> {
    // uaparser itself on one rule: for non-ASCII text, and for a rule whose program declines a
    // user agent of many kilobytes (only ever hostile input). Without uaparser's regexes (the
    // widget's build, which derives only the browser's own user agent) such a rule is passed over.
    let by_uaparser = |rule: &Rule| -> Option<T> {
        #[cfg(feature = "uaparser-unicode")]
        return rule_parser(category, rule).and_then(|p| parse(&p));
        #[cfg(not(feature = "uaparser-unicode"))]
        {
            let _ = (rule, &parse);
            None
        }
    };
    #[cfg(feature = "uaparser-unicode")]
    if !user_agent.is_ascii() {
        return category
            .candidates(found)
            .find_map(|(_, rule)| by_uaparser(&rule));
    }
    category.candidates(found).find_map(|(_, rule)| {
        match rule_program::captures(rule.program, tables::CLASSES, user_agent) {
            Ok(captures) => captures.and_then(|c| apply(&rule, &c)),
            Err(rule_program::TooLong) => by_uaparser(&rule),
        }
    })
}

/// uaparser 0.6.4's result rules (`parser/{user_agent,os,device}.rs`), over rule-program captures.
mod lite {
    use std::borrow::Cow;

    use uaparser::{Device, UserAgent, OS};

    use super::{Captures, Rule};

    /// Capture `i`, unless missing or empty.
    fn group(c: &Captures<'_>, i: usize) -> Option<Cow<'static, str>> {
        c.get(i)
            .filter(|s| !s.is_empty())
            .map(|s| Cow::Owned(s.to_owned()))
    }

    /// A replacement: `$n` expanded and the result trimmed when it has a `$`, else verbatim.
    fn replace(replacement: &'static str, c: &Captures<'_>) -> Cow<'static, str> {
        if replacement.contains('$') {
            let mut out = String::new();
            c.expand(replacement, &mut out);
            Cow::Owned(out.trim().to_owned())
        } else {
            Cow::Borrowed(replacement)
        }
    }

    fn non_empty(s: Cow<'static, str>) -> Option<Cow<'static, str>> {
        (!s.is_empty()).then_some(s)
    }

    fn field(rule: &Rule, i: usize) -> Option<&'static str> {
        rule.replacement(i)
    }

    /// A user-agent rule's result; `None` when it yields no family (the next rule is tried).
    pub(super) fn user_agent(rule: &Rule, c: &Captures<'_>) -> Option<UserAgent<'static>> {
        let family = match field(rule, 0) {
            Some(r) => replace(r, c),
            None => group(c, 1)?,
        };
        // Version replacements are taken verbatim, without expansion.
        let version = |i: usize| {
            field(rule, i)
                .map(Cow::Borrowed)
                .or_else(|| group(c, i + 1))
        };
        Some(UserAgent {
            family,
            major: version(1),
            minor: version(2),
            patch: version(3),
        })
    }

    /// An OS rule's result; `None` when it yields no family.
    pub(super) fn os(rule: &Rule, c: &Captures<'_>) -> Option<OS<'static>> {
        let family = match field(rule, 0) {
            Some(r) => replace(r, c),
            None => group(c, 1)?,
        };
        let version = |i: usize| match field(rule, i) {
            Some(r) => non_empty(replace(r, c)),
            None => group(c, i + 1),
        };
        Some(OS {
            family,
            major: version(1),
            minor: version(2),
            patch: version(3),
            patch_minor: group(c, 5),
        })
    }

    /// A device rule's result; `None` when it yields no family.
    pub(super) fn device(rule: &Rule, c: &Captures<'_>) -> Option<Device<'static>> {
        let family = match field(rule, 0) {
            Some(r) => replace(r, c),
            None => group(c, 1)?,
        };
        let brand = field(rule, 1).map(|r| replace(r, c)).and_then(non_empty);
        let model = match field(rule, 2) {
            Some(r) => non_empty(replace(r, c)),
            None => group(c, 1),
        };
        Some(Device {
            family,
            brand,
            model,
        })
    }
}

fn result_cache() -> &'static Mutex<HashMap<String, Client<'static>>> {
    static CACHE: OnceLock<Mutex<HashMap<String, Client<'static>>>> = OnceLock::new();
    CACHE.get_or_init(|| Mutex::new(HashMap::new()))
}

/// Parses `user_agent` with uaparser over the uap-core rules: the same answer as
/// `UserAgentParser::from_bytes(REGEXES_YAML)?.parse(user_agent)`, at a fraction of the cost.
pub fn parse(user_agent: &str) -> Client<'static> {
    if let Ok(cache) = result_cache().lock() {
        if let Some(hit) = cache.get(user_agent) {
            RESULT_HITS.fetch_add(1, Ordering::Relaxed);
            return hit.clone();
        }
    }
    RESULT_MISSES.fetch_add(1, Ordering::Relaxed);
    let client = parse_uncached(user_agent);
    if let Ok(mut cache) = result_cache().lock() {
        if cache.len() >= RESULT_CACHE_CAPACITY {
            cache.clear();
        }
        cache.insert(user_agent.to_owned(), client.clone());
    }
    client
}

/// Derives a few common user agents (Chrome on Windows, Safari on iPhone, Chrome on Android) so
/// the code and the rules most visitors need are compiled before the first real derive. Meant for
/// an idle moment after the widget loads; the per-string result cache is left empty.
pub fn warm_up() {
    const COMMON: [&str; 3] = [
        "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36",
        "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1",
        "Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Mobile Safari/537.36",
    ];
    for user_agent in COMMON {
        std::hint::black_box(parse_uncached(user_agent));
    }
}

/// Counters of the parser's caches, for benchmarks and diagnostics.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
pub struct CacheStats {
    /// One-rule uaparser parsers built so far (non-ASCII user agents, and rules whose program
    /// declines a user agent of many kilobytes).
    pub parsers_built: usize,
    /// `parse` calls answered from the per-string result cache.
    pub result_hits: usize,
    /// `parse` calls that ran the rules.
    pub result_misses: usize,
    /// Results currently in the per-string cache.
    pub results_cached: usize,
}

/// The current cache counters.
pub fn cache_stats() -> CacheStats {
    CacheStats {
        parsers_built: PARSERS_BUILT.load(Ordering::Relaxed),
        result_hits: RESULT_HITS.load(Ordering::Relaxed),
        result_misses: RESULT_MISSES.load(Ordering::Relaxed),
        results_cached: result_cache().lock().map(|c| c.len()).unwrap_or(0),
    }
}

/// Empties the per-string result cache (compiled rule parsers stay), so benchmarks can measure
/// the rule path on strings already seen.
pub fn clear_result_cache() {
    if let Ok(mut cache) = result_cache().lock() {
        cache.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The tables hold exactly the file's rules, each with a program, and the walk over them
    /// consumes every table to its end.
    #[test]
    fn tables_walk_to_exactly_the_files_rules() {
        for category in [Category::UserAgent, Category::Os, Category::Device] {
            let t = category.table();
            assert!(t.count > 100);
            assert_eq!(t.pattern_len.len(), t.count);
            assert_eq!(t.replacement_len.len(), t.count);
            let sum = |lens: &[u16]| lens.iter().map(|&l| usize::from(l)).sum::<usize>();
            assert_eq!(sum(t.pattern_len), t.patterns.len());
            assert_eq!(t.program_len.len(), t.count);
            assert_eq!(sum(t.program_len), t.programs.len());
            assert_eq!(sum(t.replacement_len), t.replacements.len());
            // Every rule ends with an empty clause: the walk consumes the stream exactly.
            let mut walk = category.rules();
            let rules: Vec<(usize, Rule)> = walk.by_ref().collect();
            assert_eq!(rules.len(), t.count);
            assert_eq!(walk.cnf_at, t.cnf.len());
            assert_eq!(walk.pattern_at, t.patterns.len());
            assert_eq!(walk.program_at, t.programs.len());
            assert!(rules.iter().enumerate().all(|(i, (j, r))| i == *j
                && !r.pattern.is_empty()
                && r.program.len() > 1
                && r.program.last() == Some(&0)));
            // With every literal present every rule is a candidate; with none, only rules
            // without clauses.
            let all = vec![u64::MAX; LITERAL_LEN.len().div_ceil(64)];
            assert_eq!(category.candidates(&all).count(), t.count);
            assert!(category.candidates(&[]).count() < t.count / 10);
        }
        assert_eq!(literal_ends().len(), LITERAL_LEN.len());
        assert_eq!(
            literal_ends().last().map(|&e| e as usize),
            Some(LITERAL_BYTES.len())
        );
    }

    /// Every rule's program finds what the regex crate (uaparser's engine) finds, every
    /// capture group included, on a sample of the uap-core fixture user agents and edge cases.
    /// (`tests/conformance.rs` then checks whole derivations against plain uaparser.)
    #[test]
    fn rule_programs_match_like_the_regex_crate() {
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/uap/");
        let mut sample: Vec<String> = ["test_ua.yaml", "test_os.yaml", "test_device.yaml"]
            .iter()
            .flat_map(|f| {
                let text = std::fs::read_to_string(format!("{dir}{f}")).expect("fixture");
                let uas: Vec<String> = text
                    .lines()
                    .filter_map(|l| l.trim().strip_prefix("- user_agent_string: "))
                    .map(|s| s.trim_matches(['\'', '"']).replace("''", "'"))
                    .filter(|s| s.is_ascii())
                    .collect();
                uas.into_iter().step_by(97)
            })
            .collect();
        sample.extend(
            [
                "",
                " ",
                "Bot",
                "bot/",
                "a_b-c d",
                "Android 14; SM-S918B Build/",
                "x\ty",
            ]
            .map(String::from),
        );
        let mut checked = 0;
        for category in [Category::UserAgent, Category::Os, Category::Device] {
            for (i, rule) in category.rules() {
                let re = regex::Regex::new(rule.pattern).expect("uaparser compiles every rule");
                for ua in &sample {
                    let want = re
                        .captures(ua)
                        .map(|c| c.iter().map(|m| m.map(|m| m.as_str())).collect::<Vec<_>>());
                    let got = rule_program::captures(rule.program, tables::CLASSES, ua)
                        .expect("within the state budget")
                        .map(|c| {
                            (0..want.as_ref().map_or(0, Vec::len))
                                .map(|g| c.get(g))
                                .collect()
                        });
                    assert_eq!(got, want, "rule {i} ({}) on {ua:?}", rule.pattern);
                    checked += 1;
                }
            }
        }
        assert!(checked > 100_000, "{checked}");
    }

    /// A hostile user agent of kilobytes makes the largest candidate programs decline (their
    /// state budget), so uaparser decides those rules (`tests/conformance.rs` checks the answer
    /// against plain uaparser on this very string).
    #[test]
    fn kilobytes_of_user_agent_make_large_programs_decline() {
        let hostile = "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html) "
            .repeat(80)
            + "crawler spider iPhone Android Tablet Opera Mini bingbot";
        let found = scan(&normalise(&hostile));
        let declined = [Category::UserAgent, Category::Os, Category::Device]
            .into_iter()
            .flat_map(|c| c.candidates(&found).collect::<Vec<_>>())
            .filter(|(_, rule)| {
                rule_program::captures(rule.program, tables::CLASSES, &hostile).is_err()
            })
            .count();
        assert!(declined > 0);
    }

    /// ASCII user agents never build a uaparser parser; non-ASCII ones do.
    #[cfg(feature = "uaparser-unicode")]
    #[test]
    fn only_non_ascii_text_builds_uaparser_parsers() {
        let before = PARSERS_BUILT.load(Ordering::Relaxed);
        parse_uncached("Mozilla/5.0 (Linux; Android 14; SM-S918B) AppleWebKit/537.36 (KHTML, like Gecko) SamsungBrowser/25.0 Chrome/121.0.0.0 Mobile Safari/537.36");
        assert_eq!(PARSERS_BUILT.load(Ordering::Relaxed), before);
        let client = parse_uncached("Mozilla/5.0 (Linux; Android 14; SM-S918B Ünïcode) Chrome/121.0.0.0 Mobile Safari/537.36");
        assert!(PARSERS_BUILT.load(Ordering::Relaxed) > before);
        assert_eq!(client.user_agent.family, "Chrome Mobile");
    }
}
