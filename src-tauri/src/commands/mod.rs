//! IPC commands, one module per domain. Each command is a few lines: take the arguments, call
//! the core, map the error.

pub mod app;
pub mod vault;
