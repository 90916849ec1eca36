//! Log engine ingest: lines per second through the same path a streamed line takes (timestamp split and
//! resume check, render into the 0600 spool, bounded channel, consumer's LogRing), with a ring of 10k
//! lines. Also prints the process RSS after pushing 2M lines, to show memory stays bounded by the ring.
#![allow(clippy::unwrap_used, clippy::expect_used)] // a test (or bench) may panic on what it sets up

use std::sync::Arc;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use kdeck::cluster::logs::resume::LineIntake;
use kdeck::cluster::logs::{LogLine, LogRing, Spool};

const LINES: usize = 200_000;

fn raw_lines(n: usize) -> Vec<String> {
    (0..n)
        .map(|i| {
            let ms = 1_700_000_000_000i64 + i as i64;
            let ts = jiff::Timestamp::from_millisecond(ms)
                .unwrap()
                .strftime("%Y-%m-%dT%H:%M:%S%.3fZ");
            format!(
                "{ts} 10.1.{}.{} - GET /api/products 200 {}ms ua=\"curl/8.5\" seq={i}",
                i % 250,
                i % 200,
                i % 250
            )
        })
        .collect()
}

fn run_pipeline(rt: &tokio::runtime::Runtime, lines: &[String], spool: &mut Spool) -> u64 {
    rt.block_on(async {
        let (tx, mut rx) = tokio::sync::mpsc::channel::<LogLine>(4096);
        let consumer = tokio::spawn(async move {
            let mut ring = LogRing::new(10_000);
            while let Some(line) = rx.recv().await {
                ring.push(line);
            }
            ring.total()
        });
        let mut intake = LineIntake::new(Arc::from("web-1"), Arc::from("app"));
        for raw in lines {
            if let Some(line) = intake.take(raw) {
                spool.append(&line.render(false, false));
                tx.send(line).await.unwrap();
            }
        }
        drop(tx);
        consumer.await.unwrap()
    })
}

fn rss_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmRSS:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|v| v.parse().ok())
        })
        .unwrap_or(0)
}

fn bench(c: &mut Criterion) {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .build()
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let lines = raw_lines(LINES);
    let mut group = c.benchmark_group("logs");
    group.throughput(Throughput::Elements(LINES as u64));
    group.sample_size(10);
    group.bench_function("ingest_spool_channel_ring", |b| {
        b.iter(|| {
            let mut spool = Spool::create_in(dir.path()).unwrap();
            assert_eq!(run_pipeline(&rt, &lines, &mut spool), LINES as u64);
        })
    });
    group.finish();

    let before = rss_kib();
    let mut spool = Spool::create_in(dir.path()).unwrap();
    for _ in 0..10 {
        run_pipeline(&rt, &lines, &mut spool);
    }
    eprintln!(
        "memory: RSS {} KiB before, {} KiB after {} lines through a 10k-line ring (spool on disk: {} lines)",
        before,
        rss_kib(),
        LINES * 10,
        spool.lines()
    );
}

criterion_group!(benches, bench);
criterion_main!(benches);
