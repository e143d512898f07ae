//! Several import files read as one input: the parts of a Google Authenticator export spread over
//! several QR images (or URI-list files) are imported together, so a batch is checked whole.

use std::fmt;

use zeroize::Zeroizing;

use super::MAX_INPUT_BYTES;
use crate::qr::{self, QrError};

/// Why [`join_inputs`] could not make one input of the files. Every variant names its file (as
/// the caller passed it) and nothing of its content.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum JoinError {
    /// An image could not be read as a picture.
    #[error("{name}: {source}")]
    Image {
        /// The file.
        name: String,
        /// Why.
        source: QrError,
    },
    /// An image holds no account QR code.
    #[error("{name}: no account QR code found in the image")]
    NoAccountQr {
        /// The file.
        name: String,
    },
    /// A JSON (or other structured) export among several files: those are imported one by one.
    #[error("several files can be imported together only when they are QR-code images or URI lists")]
    NotJoinable,
    /// The joined input is larger than [`MAX_INPUT_BYTES`].
    #[error("the files are too large to import together ({size} bytes; at most {max} bytes)")]
    TooLarge {
        /// The joined size so far.
        size: usize,
        /// [`MAX_INPUT_BYTES`].
        max: usize,
    },
}

/// The bytes to import from `files` (each a name for messages and its content, already read with
/// the [`MAX_INPUT_BYTES`] cap): one non-image file as it is; QR-code images become the lines of
/// their `otpauth` payloads; several files (images or URI lists) are joined line by line.
pub fn join_inputs<N: fmt::Display>(files: &[(N, Zeroizing<Vec<u8>>)]) -> Result<Zeroizing<Vec<u8>>, JoinError> {
    let mut joined = Zeroizing::new(Vec::new());
    for (name, bytes) in files {
        let is_image = qr::image::guess_format(bytes).is_ok();
        if !is_image && files.len() == 1 {
            return Ok(bytes.clone());
        }
        if is_image {
            // The decoded payloads hold secrets too: wiped when dropped.
            let payloads = Zeroizing::new(qr::decode_image_bytes(bytes).map_err(|source| JoinError::Image {
                name: name.to_string(),
                source,
            })?);
            let mut found = false;
            for payload in payloads.iter().map(|p| p.trim()) {
                if payload.to_ascii_lowercase().starts_with("otpauth") {
                    joined.extend_from_slice(payload.as_bytes());
                    joined.push(b'\n');
                    found = true;
                }
            }
            if !found {
                return Err(JoinError::NoAccountQr { name: name.to_string() });
            }
        } else if bytes.trim_ascii_start().starts_with(b"{") || bytes.trim_ascii_start().starts_with(b"[") {
            return Err(JoinError::NotJoinable);
        } else {
            joined.extend_from_slice(bytes);
            joined.push(b'\n');
        }
        if joined.len() > MAX_INPUT_BYTES {
            return Err(JoinError::TooLarge {
                size: joined.len(),
                max: MAX_INPUT_BYTES,
            });
        }
    }
    Ok(joined)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file(name: &str, text: &str) -> (String, Zeroizing<Vec<u8>>) {
        (name.to_owned(), Zeroizing::new(text.as_bytes().to_vec()))
    }

    fn png_of(text: &str) -> Zeroizing<Vec<u8>> {
        Zeroizing::new(qr::to_png(text).expect("encodes"))
    }

    const URI_A: &str = "otpauth://totp/A:a?secret=JBSWY3DPEHPK3PXP&issuer=A";
    const URI_B: &str = "otpauth://totp/B:b?secret=KRSXG5CTMVRXEZLU&issuer=B";

    #[test]
    fn one_file_is_returned_as_it_is() {
        let files = [file("a.json", "{\"not\": \"joined\"}")];
        assert_eq!(&*join_inputs(&files).unwrap(), b"{\"not\": \"joined\"}");
    }

    #[test]
    fn uri_lists_and_images_are_joined_line_by_line() {
        let files = [file("a.txt", URI_A), ("b.png".to_owned(), png_of(URI_B))];
        let joined = join_inputs(&files).unwrap();
        assert_eq!(
            String::from_utf8(joined.to_vec()).unwrap(),
            format!("{URI_A}\n{URI_B}\n")
        );
    }

    #[test]
    fn json_among_several_files_is_refused() {
        let files = [file("a.txt", URI_A), file("b.json", "  [1]")];
        assert!(matches!(join_inputs(&files), Err(JoinError::NotJoinable)));
    }

    #[test]
    fn an_image_without_an_account_code_is_named() {
        let files = [("site.png".to_owned(), png_of("https://example.com"))];
        let err = join_inputs(&files).unwrap_err();
        assert!(matches!(err, JoinError::NoAccountQr { .. }));
        assert_eq!(err.to_string(), "site.png: no account QR code found in the image");
    }

    #[test]
    fn a_damaged_image_is_named_without_its_content() {
        let mut png = png_of(URI_A).to_vec();
        png.truncate(40);
        let files = [("broken.png".to_owned(), Zeroizing::new(png))];
        let err = join_inputs(&files).unwrap_err();
        assert!(matches!(err, JoinError::Image { .. }), "{err:?}");
        assert!(err.to_string().starts_with("broken.png: "));
        assert!(!err.to_string().contains("JBSWY3DP"));
    }

    #[test]
    fn the_joined_size_is_capped() {
        let big = "x".repeat(MAX_INPUT_BYTES / 2 + 1);
        let files = [file("a.txt", &big), file("b.txt", &big)];
        assert!(matches!(join_inputs(&files), Err(JoinError::TooLarge { .. })));
    }
}
