//! Writes the QR code of a text as PNG (or SVG with `--svg`) on standard output, through the
//! core's generator: `cargo run -p smartpush-core --example qr_png -- 'otpauth://…' > code.png`.

use std::io::Write;

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let svg = args.iter().any(|a| a == "--svg");
    let Some(text) = args.iter().find(|a| *a != "--svg") else {
        eprintln!("usage: qr_png TEXT [--svg] > FILE");
        std::process::exit(2);
    };
    let bytes = if svg {
        smartpush_core::qr::to_svg(text).map(String::into_bytes)
    } else {
        smartpush_core::qr::to_png(text)
    };
    match bytes {
        Ok(bytes) => {
            if let Err(err) = std::io::stdout().write_all(&bytes) {
                eprintln!("qr_png: {err}");
                std::process::exit(1);
            }
        }
        Err(err) => {
            eprintln!("qr_png: {err}");
            std::process::exit(1);
        }
    }
}
