//! The events a scorer needs, from the engine or from a JSON Lines file (EVALUATION.md format).
//!
//! From a file, each non-blank line is one JSON object with a `kind`. Kinds `beat` and `sync`
//! need `sample` and `emitted`; `rhythm` needs `start`, `end`, `emitted` and `decision`
//! (`shockable`, `nonshockable` or `indeterminate`). Other kinds and other fields are ignored,
//! as the contract says consumers must. A malformed line is an error naming the file and line.

use std::fmt;
use std::path::{Path, PathBuf};

use serde_json::Value;

use super::beats::Detection;
use super::rhythm::Advice;
use crate::event::{Decision, Event};

/// The scored events of one record.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct RecordEvents {
    /// `beat` events.
    pub beats: Vec<Detection>,
    /// `sync` events.
    pub syncs: Vec<Detection>,
    /// `rhythm` events.
    pub advice: Vec<Advice>,
    /// `sync_state` and `sync_withheld` events, in order (optional in a file: see
    /// [`RecordEvents::gate_known`]).
    pub gate: Vec<GateNote>,
    /// Whether the sync gate's states are known: always from the engine; from a file, when it
    /// holds at least one `sync_state` event. (Before its first `sync_state` event the gate is
    /// unavailable for want of reliable R waves.)
    pub gate_known: bool,
}

/// What the sync gate reported: a change of state or a withheld candidate.
#[derive(Clone, Debug, PartialEq)]
pub struct GateNote {
    /// When it was reported.
    pub emitted: u64,
    /// What was reported.
    pub what: GateReport,
}

/// See [`GateNote`]; reasons are the JSON names (`vf`, `noise`, `late`, `too_fast`, …).
#[derive(Clone, Debug, PartialEq)]
pub enum GateReport {
    /// `sync_state` with `available: true`.
    Available,
    /// `sync_state` with `available: false`, and its reason.
    Unavailable(String),
    /// `sync_withheld`, and its reason.
    Withheld(String),
}

/// The JSON name of a serialisable unit enum value (`"too_fast"`), empty when it has none.
fn json_name<T: serde::Serialize>(value: &T) -> String {
    serde_json::to_value(value)
        .ok()
        .and_then(|v| v.as_str().map(str::to_string))
        .unwrap_or_default()
}

impl RecordEvents {
    /// Pick the scored events out of the engine's output.
    pub fn from_engine(events: &[Event]) -> Self {
        let mut out = RecordEvents {
            gate_known: true,
            ..RecordEvents::default()
        };
        for e in events {
            match e {
                Event::Beat(b) => out.beats.push(Detection {
                    sample: b.sample,
                    emitted: b.emitted,
                }),
                Event::Sync(s) => out.syncs.push(Detection {
                    sample: s.sample,
                    emitted: s.emitted,
                }),
                Event::Rhythm(r) => out.advice.push(Advice {
                    start: r.start,
                    end: r.end,
                    emitted: r.emitted,
                    decision: r.decision,
                }),
                Event::SyncState(s) => out.gate.push(GateNote {
                    emitted: s.emitted,
                    what: match s.reason {
                        None if s.available => GateReport::Available,
                        reason => GateReport::Unavailable(
                            reason.map_or_else(String::new, |r| json_name(&r)),
                        ),
                    },
                }),
                Event::SyncWithheld(w) => out.gate.push(GateNote {
                    emitted: w.emitted,
                    what: GateReport::Withheld(json_name(&w.reason)),
                }),
                _ => {}
            }
        }
        out
    }
}

/// A malformed event file.
#[derive(Debug)]
pub struct EventsError {
    /// The file.
    pub path: PathBuf,
    /// 1-based line number (0 when the file could not be read).
    pub line: usize,
    /// What is wrong.
    pub message: String,
}

impl fmt::Display for EventsError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.line == 0 {
            write!(f, "{}: {}", self.path.display(), self.message)
        } else {
            write!(f, "{}:{}: {}", self.path.display(), self.line, self.message)
        }
    }
}

impl std::error::Error for EventsError {}

fn field_u64(v: &Value, name: &str) -> Result<u64, String> {
    match v.get(name) {
        None => Err(format!("missing field `{name}`")),
        Some(x) => x
            .as_u64()
            .ok_or_else(|| format!("field `{name}` = {x} is not a sample index")),
    }
}

/// Parse the text of a JSON Lines event file; `path` is used in errors.
pub fn parse_events(text: &str, path: &Path) -> Result<RecordEvents, EventsError> {
    let mut out = RecordEvents::default();
    for (i, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() {
            continue;
        }
        let err = |message: String| EventsError {
            path: path.to_path_buf(),
            line: i + 1,
            message,
        };
        let v: Value = serde_json::from_str(line).map_err(|e| err(format!("not JSON: {e}")))?;
        let kind = match v.get("kind").and_then(Value::as_str) {
            Some(k) => k,
            None => return Err(err("no string field `kind`".into())),
        };
        match kind {
            "beat" | "sync" => {
                let d = Detection {
                    sample: field_u64(&v, "sample").map_err(err)?,
                    emitted: field_u64(&v, "emitted").map_err(err)?,
                };
                if kind == "beat" {
                    out.beats.push(d);
                } else {
                    out.syncs.push(d);
                }
            }
            "rhythm" => {
                let decision = match v.get("decision").and_then(Value::as_str) {
                    Some("shockable") => Decision::Shockable,
                    Some("nonshockable") => Decision::Nonshockable,
                    Some("indeterminate") => Decision::Indeterminate,
                    Some(other) => return Err(err(format!("unknown decision `{other}`"))),
                    None => return Err(err("missing string field `decision`".into())),
                };
                out.advice.push(Advice {
                    start: field_u64(&v, "start").map_err(err)?,
                    end: field_u64(&v, "end").map_err(err)?,
                    emitted: field_u64(&v, "emitted").map_err(err)?,
                    decision,
                });
            }
            "sync_state" => {
                let available = match v.get("available").and_then(Value::as_bool) {
                    Some(a) => a,
                    None => return Err(err("missing boolean field `available`".into())),
                };
                let reason = v.get("reason").and_then(Value::as_str).unwrap_or("");
                out.gate_known = true;
                out.gate.push(GateNote {
                    emitted: field_u64(&v, "emitted").map_err(err)?,
                    what: if available {
                        GateReport::Available
                    } else {
                        GateReport::Unavailable(reason.to_string())
                    },
                });
            }
            "sync_withheld" => {
                let reason = v.get("reason").and_then(Value::as_str).unwrap_or("");
                out.gate.push(GateNote {
                    emitted: field_u64(&v, "emitted").map_err(err)?,
                    what: GateReport::Withheld(reason.to_string()),
                });
            }
            _ => {}
        }
    }
    Ok(out)
}

/// Read and parse `path`.
pub fn read_events(path: &Path) -> Result<RecordEvents, EventsError> {
    let text = std::fs::read_to_string(path).map_err(|e| EventsError {
        path: path.to_path_buf(),
        line: 0,
        message: e.to_string(),
    })?;
    parse_events(&text, path)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_kinds_parsed_unknown_ignored() {
        let text = r#"{"kind":"beat","sample":100,"emitted":130,"rr_ms":800.0}
{"kind":"sync","sample":101,"emitted":110}

{"kind":"quality","start":5,"emitted":6,"issue":"noise"}
{"kind":"rhythm","start":0,"end":2000,"emitted":2000,"decision":"indeterminate","score":0.1}
{"kind":"rhythm","start":250,"end":2250,"emitted":2251,"decision":"shockable"}
"#;
        let e = parse_events(text, Path::new("r.jsonl")).unwrap();
        assert_eq!(
            e.beats,
            vec![Detection {
                sample: 100,
                emitted: 130
            }]
        );
        assert_eq!(
            e.syncs,
            vec![Detection {
                sample: 101,
                emitted: 110
            }]
        );
        assert_eq!(e.advice.len(), 2);
        assert_eq!(e.advice[0].decision, Decision::Indeterminate);
        assert_eq!(
            (e.advice[1].start, e.advice[1].end, e.advice[1].emitted),
            (250, 2250, 2251)
        );
    }

    #[test]
    fn gate_reports_are_read_and_mark_the_states_known() {
        let text = r#"{"kind":"beat","sample":100,"emitted":130}
{"kind":"sync_state","emitted":140,"available":true}
{"kind":"sync_withheld","sample":400,"emitted":410,"reason":"too_fast"}
{"kind":"sync_state","emitted":900,"available":false,"reason":"vf"}
"#;
        let e = parse_events(text, Path::new("r.jsonl")).unwrap();
        assert!(e.gate_known);
        let what: Vec<GateReport> = e.gate.iter().map(|g| g.what.clone()).collect();
        assert_eq!(
            what,
            vec![
                GateReport::Available,
                GateReport::Withheld("too_fast".into()),
                GateReport::Unavailable("vf".into())
            ]
        );
        assert_eq!(e.gate[1].emitted, 410);
        // A file without `sync_state` lines leaves the states unknown.
        let e = parse_events(
            "{\"kind\":\"sync\",\"sample\":1,\"emitted\":2}",
            Path::new("r"),
        )
        .unwrap();
        assert!(!e.gate_known);
    }

    #[test]
    fn malformed_lines_name_file_and_line() {
        let cases = [
            (
                "{\"kind\":\"beat\",\"sample\":1}",
                "r.jsonl:1: missing field `emitted`",
            ),
            ("\n{\"sample\":1}", "r.jsonl:2: no string field `kind`"),
            (
                "{\"kind\":\"beat\",\"sample\":-3,\"emitted\":1}",
                "r.jsonl:1: field `sample` = -3",
            ),
            (
                "{\"kind\":\"rhythm\",\"start\":0,\"end\":1,\"emitted\":1,\"decision\":\"maybe\"}",
                "r.jsonl:1: unknown decision `maybe`",
            ),
            ("not json", "r.jsonl:1: not JSON"),
        ];
        for (text, want) in cases {
            let e = parse_events(text, Path::new("r.jsonl")).unwrap_err();
            assert!(e.to_string().starts_with(want), "{e}");
        }
    }
}
