//! `hookgate`: make and check webhook signatures (`keys`, `sign`, `verify`),
//! play the sender against a receiver (`send`), re-send captured deliveries
//! (`replay`), operate a queue-mode receiver's Redis queue (`queue`).
//!
//! Exit codes: 0 success, 1 a negative result (an invalid signature, a
//! receiver that refused), 2 bad usage.

mod args;
mod capture;
mod deliver;
mod error;
mod input;
mod keys;
mod outgoing;
mod queue;
mod replay;
mod report;
mod retry;
mod send;
mod sign;
mod verify;

use clap::Parser as _;

use crate::args::{Cli, Command, KeysCommand};
use crate::error::CliError;

fn main() {
    let cli = Cli::parse();
    if let Err(err) = run(&cli) {
        let text = err.to_string();
        if !text.is_empty() {
            eprintln!("error: {text}");
        }
        std::process::exit(err.exit_code());
    }
}

fn run(cli: &Cli) -> Result<(), CliError> {
    match &cli.command {
        Command::Keys {
            command: KeysCommand::New { ed25519 },
        } => {
            keys::new(*ed25519, cli.json);
            Ok(())
        }
        Command::Sign(args) => sign::run(args, cli.json),
        Command::Verify(args) => verify::run(args, cli.json),
        Command::Send(args) => runtime()?.block_on(send::run(args, cli.json)),
        Command::Replay(args) => runtime()?.block_on(replay::run(args, cli.json)),
        Command::Queue { command } => runtime()?.block_on(queue::run(command, cli.json)),
    }
}

fn runtime() -> Result<tokio::runtime::Runtime, CliError> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(CliError::io("cannot start the async runtime"))
}
