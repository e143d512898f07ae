//! The password-hash bound of sign-in throughput: Argon2id verifications per second through the
//! server's own [`Hasher`] (same parameters, same blocking pool, same concurrency limit), with
//! more callers waiting than there are permits, for a fixed time. A full sign-in costs one such
//! verification, so no sign-in load can beat this number on the same cores.
//!
//! usage: cargo run --release -p smartpush-mock-server --example hash_bound --
//!            [--seconds 5] [--threads N] [--memory-kib 19456] [--iterations 2]
//! Prints one line: `hash bound: X verifications/s (…)`.

use std::time::{Duration, Instant};

use smartpush_mock_server::{HashParams, Hasher};
use zeroize::Zeroizing;

fn arg(args: &[String], name: &str) -> Option<u64> {
    let at = args.iter().position(|a| a == name)?;
    args.get(at + 1)?.parse().ok()
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let threads = arg(&args, "--threads")
        .map(|n| n as usize)
        .unwrap_or_else(|| std::thread::available_parallelism().map(|n| n.get()).unwrap_or(2));
    let seconds = arg(&args, "--seconds").unwrap_or(5);
    let params = HashParams {
        memory_kib: arg(&args, "--memory-kib").map_or(HashParams::MOCK.memory_kib, |m| m as u32),
        iterations: arg(&args, "--iterations").map_or(HashParams::MOCK.iterations, |t| t as u32),
        lanes: 1,
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("a tokio runtime");
    let done = runtime.block_on(async move {
        let hasher = Hasher::new(params, threads).expect("valid Argon2 parameters");
        let password = Zeroizing::new(b"bench password".to_vec());
        let phc = hasher.hash(password.clone()).await.expect("a hash");
        // One warm-up round per thread, then the timed run with twice as many callers as permits.
        let deadline = Instant::now() + Duration::from_secs(seconds);
        let started = Instant::now();
        let mut tasks = Vec::new();
        for _ in 0..threads * 2 {
            let hasher = hasher.clone();
            let phc = phc.clone();
            let password = password.clone();
            tasks.push(tokio::spawn(async move {
                let mut n = 0u64;
                while Instant::now() < deadline {
                    assert!(hasher.verify(password.clone(), phc.clone()).await.expect("verify"));
                    n += 1;
                }
                n
            }));
        }
        let mut total = 0;
        for task in tasks {
            total += task.await.expect("task");
        }
        (total, started.elapsed())
    });
    let (count, elapsed) = done;
    let rate = count as f64 / elapsed.as_secs_f64();
    println!(
        "hash bound: {rate:.1} verifications/s ({count} in {:.1} s, {threads} threads, Argon2id m={} KiB t={} p=1, {:.1} ms each)",
        elapsed.as_secs_f64(),
        params.memory_kib,
        params.iterations,
        1000.0 * threads as f64 / rate
    );
}
