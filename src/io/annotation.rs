//! Annotation labels (the MIT/WFDB code table) and the annotation type.

/// One annotation of a record.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Annotation {
    /// Sample index.
    pub sample: u64,
    /// WFDB annotation code (1 = `N`, 5 = `V`, 28 = rhythm change `+`, …).
    pub code: u8,
    /// Subtype.
    pub subtype: i8,
    /// Signal the annotation refers to.
    pub chan: u8,
    /// Annotator number field.
    pub num: i8,
    /// Auxiliary string (for a rhythm change, e.g. `(VT`).
    pub aux: Option<String>,
}

/// WFDB code of a normal beat.
pub const NORMAL: u8 = 1;
/// WFDB code of a rhythm change (`+`), with the rhythm in the aux string.
pub const RHYTHM: u8 = 28;
/// WFDB code of `~`, a change in signal quality (noise).
pub const NOISE: u8 = 14;
/// WFDB code of `[`, start of ventricular flutter/fibrillation.
pub const VF_ON: u8 = 32;
/// WFDB code of `]`, end of ventricular flutter/fibrillation.
pub const VF_OFF: u8 = 33;

const SYMBOLS: [&str; 50] = [
    " ", "N", "L", "R", "a", "V", "F", "J", "A", "S", "E", "j", "/", "Q", "~", "[15]", "|", "[17]",
    "s", "T", "*", "D", "\"", "=", "p", "B", "^", "t", "+", "u", "?", "!", "[", "]", "e", "n", "@",
    "x", "f", "(", ")", "r", "[42]", "[43]", "[44]", "[45]", "[46]", "[47]", "[48]", "[49]",
];

/// The mnemonic of a WFDB code (`N`, `V`, `+`, …).
pub fn symbol(code: u8) -> &'static str {
    SYMBOLS.get(code as usize).copied().unwrap_or("?")
}

/// The WFDB code of a mnemonic, if it is one.
pub fn code_of(symbol: &str) -> Option<u8> {
    SYMBOLS.iter().position(|s| *s == symbol).map(|c| c as u8)
}

/// True for the codes EC57 counts as QRS complexes: `N L R B A a J S V r F e j n E / f Q ?`.
pub fn is_qrs(code: u8) -> bool {
    matches!(
        code,
        1 | 2 | 3 | 25 | 8 | 4 | 7 | 9 | 5 | 41 | 6 | 34 | 11 | 35 | 10 | 12 | 38 | 13 | 30
    )
}

/// AAMI beat class of a QRS code (N, S, V, F, Q), for the missed-beat breakdown.
pub fn aami_class(code: u8) -> Option<char> {
    Some(match code {
        1 | 2 | 3 | 34 | 11 | 25 => 'N',
        8 | 4 | 7 | 9 | 35 => 'S',
        5 | 10 | 41 => 'V',
        6 => 'F',
        12 | 38 | 13 | 30 => 'Q',
        _ => return None,
    })
}

impl Annotation {
    /// An annotation with only a sample and a code.
    pub fn new(sample: u64, code: u8) -> Self {
        Annotation {
            sample,
            code,
            subtype: 0,
            chan: 0,
            num: 0,
            aux: None,
        }
    }

    /// The mnemonic of the code.
    pub fn symbol(&self) -> &'static str {
        symbol(self.code)
    }

    /// True when the annotation marks a QRS complex.
    pub fn is_qrs(&self) -> bool {
        is_qrs(self.code)
    }

    /// The rhythm name of a rhythm-change annotation (`(VT` gives `VT`), trimmed of NULs.
    pub fn rhythm(&self) -> Option<&str> {
        if self.code != RHYTHM {
            return None;
        }
        let aux = self.aux.as_deref()?;
        let aux = aux.trim_end_matches('\0').trim();
        aux.strip_prefix('(')
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn symbols_round_trip() {
        for c in 0..50u8 {
            if !symbol(c).starts_with('[') || c == 32 {
                assert_eq!(code_of(symbol(c)), Some(c), "code {c}");
            }
        }
        assert_eq!(symbol(VF_ON), "[");
        assert_eq!(symbol(VF_OFF), "]");
        assert_eq!(symbol(25), "B");
        assert_eq!(symbol(41), "r");
    }

    #[test]
    fn qrs_codes_are_the_ec57_set() {
        let qrs: String = (0..50u8).filter(|&c| is_qrs(c)).map(symbol).collect();
        let mut got: Vec<char> = qrs.chars().collect();
        got.sort_unstable();
        let mut want: Vec<char> = "NLRBAaJSVrFejnE/fQ?".chars().collect();
        want.sort_unstable();
        assert_eq!(got, want);
    }

    #[test]
    fn rhythm_name_from_aux() {
        let mut a = Annotation::new(10, RHYTHM);
        a.aux = Some("(VT\0".into());
        assert_eq!(a.rhythm(), Some("VT"));
        assert_eq!(Annotation::new(1, NORMAL).rhythm(), None);
    }
}
