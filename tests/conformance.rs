//! uap-core conformance and exact equivalence with plain uaparser.
//!
//! - Every case of the vendored uap-core fixtures (`tests/fixtures/uap/*.yaml`) goes through the
//!   project's derivation (`context::ua::parse`) and through plain uaparser
//!   (`UserAgentParser::from_bytes(regexes.yaml)`, Unicode on). A case the project fails is a bug
//!   unless plain uaparser fails it too; those are listed in `KNOWN_UAPARSER_FAILURES`.
//! - Equivalence: on every fixture user agent and on thousands of generated variants (fixture
//!   user agents recombined and mutated deterministically: case changes, truncation, splices,
//!   non-ASCII and control characters), the project's answer equals plain uaparser's, field by
//!   field (user agent, OS and device, brand and model included).

use std::collections::BTreeSet;
use std::sync::OnceLock;

use evolvy_widget::context::ua;
use serde::Deserialize;
use uaparser::{Client, Parser, UserAgentParser};

/// Fixture cases plain uaparser 0.6.4 itself fails (file, user agent). None with these rules.
const KNOWN_UAPARSER_FAILURES: &[(&str, &str)] = &[];

#[derive(Deserialize)]
struct Fixture {
    test_cases: Vec<Case>,
}

#[derive(Deserialize, Clone)]
struct Case {
    user_agent_string: String,
    family: Option<String>,
    major: Option<String>,
    minor: Option<String>,
    patch: Option<String>,
    patch_minor: Option<String>,
    brand: Option<String>,
    model: Option<String>,
}

fn plain() -> &'static UserAgentParser {
    static PLAIN: OnceLock<UserAgentParser> = OnceLock::new();
    PLAIN.get_or_init(|| {
        UserAgentParser::from_bytes(ua::REGEXES_YAML).expect("the vendored rules load")
    })
}

fn fixture(name: &str) -> Vec<Case> {
    let path = format!("{}/tests/fixtures/uap/{name}", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    serde_yaml::from_str::<Fixture>(&text)
        .unwrap_or_else(|e| panic!("{path}: {e}"))
        .test_cases
}

fn s(v: &Option<std::borrow::Cow<'_, str>>) -> Option<String> {
    v.as_ref().map(|c| c.to_string())
}

/// Whether `client` passes `case` of fixture `file`, as the uap-core test runners compare.
fn passes(file: &str, case: &Case, client: &Client<'_>) -> bool {
    let family = case.family.clone().unwrap_or_default();
    match file {
        "test_ua.yaml" => {
            let u = &client.user_agent;
            u.family == family
                && s(&u.major) == case.major
                && s(&u.minor) == case.minor
                && s(&u.patch) == case.patch
        }
        "test_os.yaml" | "additional_os_tests.yaml" => {
            let o = &client.os;
            o.family == family
                && s(&o.major) == case.major
                && s(&o.minor) == case.minor
                && s(&o.patch) == case.patch
                && s(&o.patch_minor) == case.patch_minor
        }
        _ => {
            let d = &client.device;
            d.family == family && s(&d.brand) == case.brand && s(&d.model) == case.model
        }
    }
}

const FILES: [&str; 4] = [
    "test_ua.yaml",
    "test_os.yaml",
    "additional_os_tests.yaml",
    "test_device.yaml",
];

/// Plain uaparser's answers for `user_agents`, computed on all cores (it is the slow side).
fn plain_results(user_agents: &[String]) -> Vec<Client<'static>> {
    let threads = std::thread::available_parallelism()
        .map_or(2, usize::from)
        .min(8);
    let chunk = user_agents.len().div_ceil(threads).max(1);
    std::thread::scope(|scope| {
        let handles: Vec<_> = user_agents
            .chunks(chunk)
            .map(|part| {
                scope.spawn(move || {
                    part.iter()
                        .map(|u| owned(plain().parse(u)))
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        handles
            .into_iter()
            .flat_map(|h| h.join().expect("a worker finished"))
            .collect()
    })
}

fn owned(c: Client<'_>) -> Client<'static> {
    serde_json::from_value(serde_json::to_value(&c).expect("a client serialises"))
        .expect("and deserialises")
}

/// Every fixture case through both parsers: pass counts per file, and field-by-field equality
/// of the two answers on every fixture user agent.
#[test]
fn uap_core_fixtures_and_equivalence() {
    let known: BTreeSet<(&str, &str)> = KNOWN_UAPARSER_FAILURES.iter().copied().collect();
    let files: Vec<(&str, Vec<Case>)> = FILES.iter().map(|f| (*f, fixture(f))).collect();
    let mut seeds: Vec<String> = files
        .iter()
        .flat_map(|(_, cases)| cases.iter().map(|c| c.user_agent_string.clone()))
        .collect();
    seeds.sort();
    seeds.dedup();
    let started = std::time::Instant::now();
    let theirs = plain_results(&seeds);
    let plain_time = started.elapsed();
    let started = std::time::Instant::now();
    let ours: Vec<Client<'static>> = seeds.iter().map(|u| ua::parse(u)).collect();
    let ours_time = started.elapsed();
    println!(
        "{} fixture user agents: plain uaparser {plain_time:?}, project {ours_time:?}",
        seeds.len()
    );
    let index = |u: &str| {
        seeds
            .binary_search_by(|s| s.as_str().cmp(u))
            .expect("every case is a seed")
    };

    let mut bugs = Vec::new();
    for (file, cases) in &files {
        let (mut ours_ok, mut plain_ok) = (0, 0);
        for case in cases {
            let i = index(&case.user_agent_string);
            let ours_pass = passes(file, case, &ours[i]);
            let plain_pass = passes(file, case, &theirs[i]);
            ours_ok += usize::from(ours_pass);
            plain_ok += usize::from(plain_pass);
            if !ours_pass
                && (plain_pass || !known.contains(&(*file, case.user_agent_string.as_str())))
            {
                bugs.push(format!("{file}: {:?}", case.user_agent_string));
            }
        }
        println!(
            "{file}: project {ours_ok}/{n} pass, plain uaparser {plain_ok}/{n}",
            n = cases.len()
        );
        assert!(!cases.is_empty(), "{file} has cases");
    }
    assert!(
        bugs.is_empty(),
        "{} failing cases, first: {:#?}",
        bugs.len(),
        &bugs[..bugs.len().min(10)]
    );
    let differing: Vec<&String> = seeds
        .iter()
        .zip(ours.iter().zip(&theirs))
        .filter(|(_, (a, b))| a != b)
        .map(|(u, _)| u)
        .collect();
    assert!(
        differing.is_empty(),
        "{} user agents differ from plain uaparser, first: {:?}",
        differing.len(),
        &differing[..differing.len().min(5)]
    );
    println!(
        "identical to plain uaparser on all {} fixture user agents",
        seeds.len()
    );
}

/// A small deterministic generator (64-bit LCG), so the list is the same on every run.
struct Lcg(u64);

impl Lcg {
    fn next(&mut self) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        self.0 >> 33
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

fn char_floor(s: &str, mut i: usize) -> usize {
    while !s.is_char_boundary(i) {
        i -= 1;
    }
    i
}

/// Fixture user agents recombined and mutated: `count` varied strings.
fn generated(seeds: &[String], count: usize) -> Vec<String> {
    const INSERTS: [&str; 8] = [
        " ",
        "; ",
        "\u{212A}",
        "\u{17F}",
        "é",
        "\0",
        "\t",
        "Ｍｏｚｉｌｌａ",
    ];
    let mut rng = Lcg(0x5eed_0ace);
    let mut out = Vec::with_capacity(count);
    while out.len() < count {
        let a = &seeds[rng.below(seeds.len())];
        let b = &seeds[rng.below(seeds.len())];
        let v = match rng.below(8) {
            // Head of one, tail of another (cut at spaces: whole tokens swapped).
            0 => {
                let ca = a
                    .match_indices(' ')
                    .map(|(i, _)| i)
                    .nth(rng.below(6))
                    .unwrap_or(a.len());
                let cb = b
                    .match_indices(' ')
                    .map(|(i, _)| i)
                    .nth(rng.below(6))
                    .unwrap_or(0);
                format!("{}{}", &a[..ca], &b[cb..])
            }
            1 => a.to_uppercase(),
            2 => a.to_lowercase(),
            3 => {
                let cut = char_floor(a, rng.below(a.len() + 1));
                a[..cut].to_string()
            }
            4 => {
                let at = char_floor(a, rng.below(a.len() + 1));
                format!(
                    "{}{}{}",
                    &a[..at],
                    INSERTS[rng.below(INSERTS.len())],
                    &a[at..]
                )
            }
            5 => a
                .chars()
                .map(|c| {
                    if c.is_ascii_digit() {
                        char::from(b'0' + rng.below(10) as u8)
                    } else {
                        c
                    }
                })
                .collect(),
            6 => format!("{a} {b}"),
            _ => a.replace(['/', ';'], " "),
        };
        out.push(v);
    }
    out
}

fn assert_same(user_agent: &str) {
    let ours = ua::parse(user_agent);
    let theirs = plain().parse(user_agent);
    assert_eq!(
        ours, theirs,
        "differs from plain uaparser on {user_agent:?}"
    );
}

/// Thousands of generated variants of the fixture user agents give the same answer as plain
/// uaparser, field by field, ASCII and non-ASCII alike.
#[test]
fn generated_variants_equivalent_to_plain_uaparser() {
    let mut seeds: Vec<String> = FILES
        .iter()
        .flat_map(|f| fixture(f))
        .map(|c| c.user_agent_string)
        .collect();
    seeds.sort();
    seeds.dedup();
    let variants = generated(&seeds, 3000);
    let non_ascii = variants.iter().filter(|v| !v.is_ascii()).count();
    let theirs = plain_results(&variants);
    for (user_agent, expected) in variants.iter().zip(&theirs) {
        assert_eq!(
            &ua::parse(user_agent),
            expected,
            "differs from plain uaparser on {user_agent:?}"
        );
    }
    println!(
        "identical to plain uaparser on {} generated variants ({non_ascii} non-ASCII)",
        variants.len()
    );
    assert!(
        non_ascii > 150,
        "the generated list exercises the Unicode path"
    );
}

#[test]
fn bad_input_matches_plain_uaparser() {
    let long = "Mozilla/5.0 (Linux; Android 14; SM-S918B) ".repeat(250) + "Chrome/126.0.0.0";
    assert!(long.len() > 10_000);
    // Long enough that the largest rule programs decline it (over 8 M states) and uaparser
    // decides those rules; bot and crawler words make them candidates.
    let hostile = "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html) "
        .repeat(80)
        + "crawler spider iPhone Android Tablet Opera Mini bingbot";
    assert!(hostile.len() > 5_000);
    for ua in [
        "",
        " ",
        "\0\u{1}\u{1f}\u{7f}",
        "\u{212A}\u{17F}",
        "😀 Firefox/1.0 😀",
        &long,
        &hostile,
        "(((((((",
        "Mozilla/5.0 (",
        ")",
    ] {
        assert_same(ua);
    }
}

#[test]
fn prefilter_leaves_few_candidates() {
    let seeds: Vec<String> = fixture("test_ua.yaml")
        .into_iter()
        .map(|c| c.user_agent_string)
        .collect();
    let mut device: Vec<usize> = seeds.iter().map(|u| ua::candidate_counts(u).2).collect();
    device.sort_unstable();
    let median = device[device.len() / 2];
    println!(
        "device candidates per UA: median {median}, max {}",
        device[device.len() - 1]
    );
    assert!(median <= 40, "median device candidates {median}");
}
