//! Sort keys on the real binary: shift-i orders pods by IP as addresses (not as text) and again
//! reverses; shift-n sorts by name both ways. The expected orders come from kubectl's own listing.

use super::harness::*;

/// The pod names on screen, top to bottom.
fn names_on_screen(screen: &str, all: &[String]) -> Vec<String> {
    screen
        .lines()
        .filter_map(|l| {
            l.split(|c: char| c.is_whitespace() || c == '│')
                .find(|w| all.iter().any(|n| n == w))
                .map(str::to_string)
        })
        .collect()
}

#[test]
fn sort_keys_order_pods_by_ip_and_name_both_ways() {
    if skip_without_tools() {
        return;
    }
    let home = tempfile::tempdir().unwrap();
    let sim = start_sim(home.path(), 10);
    let listing = kubectl(
        &sim.kubeconfig,
        &[
            "get",
            "pods",
            "-n",
            "team-00",
            "-o",
            "jsonpath={range .items[*]}{.metadata.name} {.status.podIP}{\"\\n\"}{end}",
        ],
    );
    let mut pods: Vec<(std::net::Ipv4Addr, String)> = listing
        .lines()
        .map(|l| {
            let (name, ip) = l.split_once(' ').unwrap();
            (ip.parse().unwrap(), name.to_string())
        })
        .collect();
    assert_eq!(pods.len(), 10, "{listing}");
    let all: Vec<String> = pods.iter().map(|(_, n)| n.clone()).collect();
    let t = Tmux::start(
        &session_name("sort"),
        &kdeck_command(home.path(), &sim.kubeconfig, "-n team-00"),
    );
    t.wait_for("pods(team-00)[10]");

    pods.sort();
    let by_ip: Vec<String> = pods.iter().map(|(_, n)| n.clone()).collect();
    t.literal("I");
    let screen = t.wait_for("<IP↑>");
    assert_eq!(names_on_screen(&screen, &all), by_ip, "{screen}");
    t.literal("I");
    let screen = t.wait_for("<IP↓>");
    let reversed: Vec<String> = by_ip.iter().rev().cloned().collect();
    assert_eq!(names_on_screen(&screen, &all), reversed, "{screen}");

    let mut by_name = all.clone();
    by_name.sort();
    t.literal("N");
    let screen = t.wait_for("<NAME↑>");
    assert_eq!(names_on_screen(&screen, &all), by_name, "{screen}");
    t.literal("N");
    let screen = t.wait_for("<NAME↓>");
    by_name.reverse();
    assert_eq!(names_on_screen(&screen, &all), by_name, "{screen}");
}
