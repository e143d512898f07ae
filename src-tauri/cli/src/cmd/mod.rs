//! One module per group of subcommands; each function takes the context and its arguments,
//! calls the core and prints the result.

pub mod accounts;
pub mod code;
pub mod keychain;
pub mod launch;
pub mod recovery;
pub mod scan;
pub mod serve;
pub mod transfer;
pub mod vault;
