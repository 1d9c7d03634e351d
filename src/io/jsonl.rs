//! The JSON Lines event stream of `EVALUATION.md`: one event object per line.

use std::io::Write;

use crate::event::Event;

/// Write one event as a JSON line.
pub fn write_event<W: Write>(out: &mut W, event: &Event) -> std::io::Result<()> {
    serde_json::to_writer(&mut *out, event)?;
    out.write_all(b"\n")
}

/// Write events as JSON lines.
pub fn write_events<W: Write>(out: &mut W, events: &[Event]) -> std::io::Result<()> {
    for e in events {
        write_event(out, e)?;
    }
    Ok(())
}
