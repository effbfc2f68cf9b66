//! Benchmark input: writes a kube-proxy-shaped nat table for N services x
//! M endpoints to stdout (see `kube_nat.rs`).
//!
//! Usage: `gen-kube-nat SERVICES ENDPOINTS > nat.rules`

#[path = "kube_nat.rs"]
mod kube_nat;

use std::io::{self, BufWriter, Write};

fn main() -> io::Result<()> {
    let args: Vec<u32> = std::env::args()
        .skip(1)
        .map(|a| a.parse().unwrap_or(0))
        .collect();
    let (services, endpoints) = match args.as_slice() {
        [s, e] if *s > 0 && *e > 0 => (*s, *e),
        _ => {
            let mut err = io::stderr();
            writeln!(err, "usage: gen-kube-nat SERVICES ENDPOINTS > nat.rules")?;
            std::process::exit(2);
        }
    };
    let mut out = BufWriter::new(io::stdout().lock());
    kube_nat::write(&mut out, services, endpoints)?;
    out.flush()
}
