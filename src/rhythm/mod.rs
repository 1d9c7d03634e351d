//! Rhythm analysis and shock advice (VF/VT versus everything else).
