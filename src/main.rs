fn main() {
    std::process::exit(cleanops::run_main());
}
