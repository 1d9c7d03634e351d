//! The `ecg-rhythm` command line.
fn main() -> std::process::ExitCode {
    ecg_rhythm::cli::main()
}
