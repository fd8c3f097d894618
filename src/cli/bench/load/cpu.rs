//! The CPU that `bench load` used during its run, from /proc (Linux): what a 2-core machine
//! gave to the server and its clients, and what else was running meanwhile.

/// CPU time used during a run, in cores: by this process (server and clients), and by
/// everything else on the machine (a PostgreSQL server, other programs).
#[derive(Clone, Copy, Debug, serde::Serialize)]
pub struct CpuUse {
    pub process_cores: f64,
    pub other_cores: f64,
}

/// Clock ticks so far from /proc (Linux): (this process, all CPUs busy, all CPUs in total).
pub fn cpu_ticks() -> Option<(u64, u64, u64)> {
    let own = std::fs::read_to_string("/proc/self/stat").ok()?;
    // After the command name: state is field 3, utime 14 and stime 15.
    let fields: Vec<u64> = own
        .rsplit_once(')')?
        .1
        .split_whitespace()
        .skip(1)
        .map(|f| f.parse().unwrap_or(0))
        .collect();
    let process = fields.get(10)? + fields.get(11)?;
    let all = std::fs::read_to_string("/proc/stat").ok()?;
    let cpu: Vec<u64> = all
        .lines()
        .next()?
        .split_whitespace()
        .skip(1)
        .take(8)
        .map(|f| f.parse().unwrap_or(0))
        .collect();
    let total: u64 = cpu.iter().sum();
    let idle = cpu.get(3)? + cpu.get(4)?;
    Some((process, total - idle, total))
}

/// The CPU use between two [`cpu_ticks`] samples on `cores` cores.
pub fn cpu_use(before: (u64, u64, u64), after: (u64, u64, u64), cores: usize) -> CpuUse {
    let total = after.2.saturating_sub(before.2).max(1) as f64;
    let process = after.0.saturating_sub(before.0) as f64;
    let busy = after.1.saturating_sub(before.1) as f64;
    let cores = cores as f64;
    CpuUse {
        process_cores: process / total * cores,
        other_cores: ((busy - process) / total * cores).max(0.0),
    }
}
