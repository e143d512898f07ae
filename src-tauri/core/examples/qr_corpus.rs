//! Scores the QR decoder on a corpus laid out as `../shared/qr-corpus` (see its README):
//! pass rate per case kind and overall, false positives, median and p95 times (loading and
//! decoding separately, single-threaded).
//!
//! `cargo run --release -p smartpush-core --example qr_corpus -- [CORPUS_DIR] [--verbose]`

use std::collections::{BTreeMap, BTreeSet};
use std::time::Instant;

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let verbose = args.iter().any(|a| a == "--verbose");
    // --only rxing,rqrr: run only those stages (ablation).
    let only: Option<Vec<String>> = args
        .iter()
        .position(|a| a == "--only")
        .and_then(|i| args.get(i + 1))
        .map(|v| v.split(',').map(str::to_owned).collect());
    let only_refs: Option<Vec<&str>> = only.as_ref().map(|v| v.iter().map(String::as_str).collect());
    let dir = args
        .iter()
        .enumerate()
        .find(|(i, a)| !a.starts_with("--") && (*i == 0 || args[i - 1] != "--only"))
        .map(|(_, a)| a.clone())
        .unwrap_or_else(|| "../shared/qr-corpus".into());
    let mut by_stage: BTreeMap<&'static str, usize> = BTreeMap::new();
    let manifest_path = std::path::Path::new(&dir).join("manifest.json");
    let manifest: serde_json::Value = match std::fs::read(&manifest_path).map(|b| serde_json::from_slice(&b)) {
        Ok(Ok(m)) => m,
        _ => {
            eprintln!("qr_corpus: cannot read {}", manifest_path.display());
            std::process::exit(2);
        }
    };
    let entries = manifest.as_array().cloned().unwrap_or_default();
    let mut per_case: BTreeMap<String, (usize, usize)> = BTreeMap::new();
    let (mut load_ms, mut decode_ms) = (Vec::new(), Vec::new());
    let mut false_positives = 0;
    let mut failures = Vec::new();
    for entry in &entries {
        let file = entry["file"].as_str().unwrap_or_default();
        let case = entry["case"].as_str().unwrap_or_default().to_owned();
        let expected: BTreeSet<String> = entry["expected"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|v| v.as_str().map(str::to_owned))
            .collect();
        let bytes = std::fs::read(std::path::Path::new(&dir).join(file)).unwrap_or_default();
        let t0 = Instant::now();
        let image = smartpush_core::qr::load_image(&bytes);
        load_ms.push(t0.elapsed().as_secs_f64() * 1e3);
        let got: BTreeSet<String> = match image {
            Ok(image) => {
                let t1 = Instant::now();
                let payloads = smartpush_core::qr::decode_image_traced(&image, only_refs.as_deref());
                decode_ms.push(t1.elapsed().as_secs_f64() * 1e3);
                if let Some((_, stage)) = payloads.first() {
                    *by_stage.entry(stage).or_default() += 1;
                }
                payloads.into_iter().map(|(text, _)| text).collect()
            }
            Err(err) => {
                eprintln!("{file}: {err}");
                BTreeSet::new()
            }
        };
        let fp = got.difference(&expected).count();
        false_positives += fp;
        let pass = got == expected;
        let slot = per_case.entry(case).or_default();
        slot.0 += usize::from(pass);
        slot.1 += 1;
        if !pass {
            failures.push(format!(
                "{file}: found {}/{} expected, {fp} wrong",
                got.intersection(&expected).count(),
                expected.len()
            ));
            if verbose && fp > 0 {
                for g in got.difference(&expected) {
                    eprintln!("  {file}: false positive {g:?}");
                }
            }
        }
    }
    let name = match &only {
        Some(stages) => format!("smartpush-core qr, stages {}", stages.join("+")),
        None => format!(
            "smartpush-core qr, stages {}",
            smartpush_core::qr::stage_names().join(" > ")
        ),
    };
    print_table(&name, &per_case, false_positives, &load_ms, &decode_ms);
    let stages: Vec<String> = by_stage.iter().map(|(s, n)| format!("{s} {n}")).collect();
    println!("  images read by stage: {}", stages.join(", "));
    if verbose {
        for f in failures {
            println!("  FAIL {f}");
        }
    }
}

fn percentile(values: &[f64], p: f64) -> f64 {
    let mut v = values.to_vec();
    v.sort_by(f64::total_cmp);
    if v.is_empty() {
        return f64::NAN;
    }
    let rank = ((p / 100.0) * (v.len() - 1) as f64).round() as usize;
    v[rank.min(v.len() - 1)]
}

fn print_table(name: &str, per_case: &BTreeMap<String, (usize, usize)>, fps: usize, load: &[f64], decode: &[f64]) {
    let (pass, total) = per_case.values().fold((0, 0), |(p, t), (a, b)| (p + a, t + b));
    println!("== {name}");
    for (case, (p, n)) in per_case {
        println!("  {case:22} {p}/{n}");
    }
    println!(
        "  overall {pass}/{total} = {:.1}%  false positives: {fps}  decode ms median {:.2} p95 {:.2}  (load ms median {:.2} p95 {:.2})",
        100.0 * pass as f64 / total.max(1) as f64,
        percentile(decode, 50.0),
        percentile(decode, 95.0),
        percentile(load, 50.0),
        percentile(load, 95.0)
    );
}
