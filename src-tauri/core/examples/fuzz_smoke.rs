//! A mutation fuzzer without coverage feedback for the targets of `fuzz/src/lib.rs`, on the
//! stable toolchain and the ordinary debug build (the dev profile optimises the image, QR and
//! crypto crates). It complements cargo-fuzz where its instrumented release build cannot be
//! afforded: each input is a seed of the corpus with random mutations (bit flips, interesting
//! bytes, insertions, deletions, duplicated and spliced chunks, truncation), run under
//! `catch_unwind`; a panic is a crash, an input running over the timeout is saved and ends
//! the run. Time per input is CPU time (the fuzzers run under `nice -n 19` on a shared machine,
//! where wall time says nothing about the input).
//!
//! `cargo run -p smartpush-core --example fuzz_smoke -- TARGET SECONDS CORPUS_DIR ARTIFACT_DIR [SEED]`

#[path = "../../../fuzz/src/lib.rs"]
#[allow(dead_code, unreachable_pub)]
mod targets;

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// An input taking more CPU time than this is a finding.
const TIMEOUT: Duration = Duration::from_secs(10);

/// CPU time used by this process so far (user + system, from `/proc/self/stat`, in clock ticks
/// of 10 ms); zero where it cannot be read.
fn cpu_time() -> Duration {
    let Ok(stat) = std::fs::read_to_string("/proc/self/stat") else {
        return Duration::ZERO;
    };
    let Some((_, after)) = stat.rsplit_once(')') else {
        return Duration::ZERO;
    };
    let fields: Vec<&str> = after.split_whitespace().collect();
    let ticks = |i: usize| fields.get(i).and_then(|f| f.parse::<u64>().ok()).unwrap_or(0);
    // After the command name: state is field 3 of stat, utime 14, stime 15 (1-based).
    Duration::from_millis((ticks(11) + ticks(12)) * 10)
}
/// The largest input produced.
const MAX_LEN: usize = 1 << 20;

/// xorshift64*: deterministic from the seed, good enough for mutations.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: usize) -> usize {
        if n == 0 { 0 } else { (self.next() % n as u64) as usize }
    }
}

const INTERESTING: [u8; 12] = [0, 1, 0x7f, 0x80, 0xff, b'0', b'9', b'=', b'&', b'%', b'"', b'\n'];

fn mutate(rng: &mut Rng, input: &mut Vec<u8>, other: &[u8]) {
    for _ in 0..=rng.below(8) {
        let len = input.len();
        match rng.below(9) {
            0 if len > 0 => {
                let i = rng.below(len);
                input[i] ^= 1 << rng.below(8);
            }
            1 if len > 0 => {
                let i = rng.below(len);
                input[i] = INTERESTING[rng.below(INTERESTING.len())];
            }
            2 if len > 0 => {
                let i = rng.below(len);
                input[i] = rng.next() as u8;
            }
            3 if len < MAX_LEN => {
                let i = rng.below(len + 1);
                input.insert(i, rng.next() as u8);
            }
            4 if len > 0 => {
                let i = rng.below(len);
                let n = 1 + rng.below((len - i).min(64));
                input.drain(i..i + n);
            }
            5 if len > 0 && len < MAX_LEN => {
                let i = rng.below(len);
                let n = 1 + rng.below((len - i).min(256));
                let chunk = input[i..i + n].to_vec();
                let at = rng.below(len + 1);
                input.splice(at..at, chunk);
            }
            6 if !other.is_empty() => {
                let i = rng.below(other.len());
                let n = 1 + rng.below((other.len() - i).min(512));
                let at = rng.below(len + 1);
                input.splice(at..at, other[i..i + n].iter().copied());
            }
            7 if len > 1 => input.truncate(rng.below(len)),
            8 if len > 0 => {
                // A number in text: replace one digit run's byte with a large or odd value.
                let i = rng.below(len);
                let n: &[u8] = [&b"4294967296"[..], b"-1", b"0", b"99999999999999999999", b"65536"][rng.below(5)];
                input.splice(i..i + 1, n.iter().copied());
            }
            _ => {}
        }
    }
    input.truncate(MAX_LEN);
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [target, seconds, corpus, artifacts, rest @ ..] = args.as_slice() else {
        eprintln!("usage: fuzz_smoke TARGET SECONDS CORPUS_DIR ARTIFACT_DIR [SEED]");
        std::process::exit(2);
    };
    let Some(&(_, run)) = targets::TARGETS.iter().find(|(name, _)| name == target) else {
        eprintln!("fuzz_smoke: unknown target {target}");
        std::process::exit(2);
    };
    let seconds: u64 = seconds.parse().unwrap_or(600);
    let seed: u64 = rest.first().and_then(|s| s.parse().ok()).unwrap_or(0x005e_ed0f_f022);
    let mut seeds: Vec<Vec<u8>> = std::fs::read_dir(corpus)
        .map(|dir| {
            dir.filter_map(Result::ok)
                .filter_map(|e| std::fs::read(e.path()).ok())
                .collect()
        })
        .unwrap_or_default();
    if seeds.is_empty() {
        seeds.push(Vec::new());
    }
    let artifacts = Path::new(artifacts);
    let _ = std::fs::create_dir_all(artifacts);

    // The watchdog: an input running over TIMEOUT is saved and the run ends.
    // The input running now and when it started.
    type Running = Option<(Duration, Vec<u8>)>;
    let current: Arc<Mutex<Running>> = Arc::new(Mutex::new(None));
    {
        let current = Arc::clone(&current);
        let artifacts = artifacts.to_path_buf();
        std::thread::spawn(move || {
            loop {
                std::thread::sleep(Duration::from_millis(500));
                let guard = current.lock().unwrap_or_else(|e| e.into_inner());
                if let Some((start, input)) = guard.as_ref()
                    && cpu_time().saturating_sub(*start) > TIMEOUT
                {
                    let _ = std::fs::write(artifacts.join("timeout"), input);
                    eprintln!(
                        "fuzz_smoke: TIMEOUT (> {TIMEOUT:?} of CPU), input saved in {}",
                        artifacts.display()
                    );
                    std::process::exit(3);
                }
            }
        });
    }
    std::panic::set_hook(Box::new(|info| eprintln!("fuzz_smoke: panic: {info}")));

    let mut rng = Rng(seed | 1);
    let started = Instant::now();
    let (mut execs, mut crashes, mut slowest) = (0u64, 0u64, Duration::ZERO);
    // Each seed unmutated first, then mutations.
    let mut queue: Vec<Vec<u8>> = seeds.clone();
    while started.elapsed() < Duration::from_secs(seconds) {
        let input = queue.pop().unwrap_or_else(|| {
            let mut input = seeds[rng.below(seeds.len())].clone();
            let other = seeds[rng.below(seeds.len())].clone();
            mutate(&mut rng, &mut input, &other);
            input
        });
        let t = cpu_time();
        *current.lock().unwrap_or_else(|e| e.into_inner()) = Some((t, input.clone()));
        let outcome = catch_unwind(AssertUnwindSafe(|| run(&input)));
        slowest = slowest.max(cpu_time().saturating_sub(t));
        *current.lock().unwrap_or_else(|e| e.into_inner()) = None;
        execs += 1;
        if outcome.is_err() {
            crashes += 1;
            let name = format!("crash-{execs}");
            let _ = std::fs::write(artifacts.join(&name), &input);
            eprintln!("fuzz_smoke: crash saved as {}", artifacts.join(name).display());
        }
    }
    let secs = started.elapsed().as_secs_f64();
    let cpu = cpu_time().as_secs_f64();
    println!(
        "fuzz_smoke {target}: execs={execs} wall_s={secs:.0} cpu_s={cpu:.1} exec/s(wall)={:.1} exec/s(cpu)={:.0} seeds={} crashes={crashes} timeouts=0 slowest_cpu_ms={}",
        execs as f64 / secs,
        execs as f64 / cpu.max(0.01),
        seeds.len(),
        slowest.as_millis()
    );
    if crashes > 0 {
        std::process::exit(1);
    }
}
