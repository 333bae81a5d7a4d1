//! The multi-call binary of the Docker test stack: `python`, `pg_isready`, `postgres` and
//! `cleanops-sim serve|worker|db`, all from the simulator crate (see its `multicall` module).
//! Never shipped: `scripts/build-static.sh` builds `cleanops` only.

fn main() {
    std::process::exit(cleanops_sim::multicall::main());
}
