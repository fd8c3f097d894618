//! placeholder
use clap::Args;
#[derive(Args, Debug)]
pub struct BenchArgs {}
pub fn bench(_args: BenchArgs) -> anyhow::Result<()> { Ok(()) }
