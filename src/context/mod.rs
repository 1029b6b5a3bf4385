//! Visitor context derivation, pure Rust: User-Agent parsing over the uap-core rules, Client Hints
//! corrections, languages and referer.
