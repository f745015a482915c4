//! `reservpack serve`: the web page (see `reservpack::web`).

use reservpack::web::{self, Options};

use super::EXIT_OK;
use crate::cli;

pub fn run(args: cli::ServeArgs) -> anyhow::Result<u8> {
    let options = Options { out: args.out, input: args.input, listen: args.listen, config: args.config };
    let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build()?;
    runtime.block_on(web::serve(options))?;
    Ok(EXIT_OK)
}
