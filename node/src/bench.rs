pub async fn run(_h: usize, _s: u64) -> anyhow::Result<()> { Ok(()) }
